"""A photo or document that came with a WhatsApp message, and where its copy stands."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class MediaStatus(enum.StrEnum):
    PENDING = "pending"      # waiting to be downloaded from Twilio
    STORED = "stored"        # the file is under MEDIA_DIR, named by its hash
    REFUSED = "refused"      # a type, a size or a host we do not take (`reason` says which)
    FAILED = "failed"        # the download never succeeded; the sender was told
    PURGED = "purged"        # removed by the privacy purge


class MediaRole(enum.StrEnum):
    """What an item is to its ticket (set when a ticket takes it)."""

    ATTACHMENT = "attachment"    # the citizen's (request photos, answers to TANYA)
    EVIDENCE = "evidence"        # the officer's photos on SELESAI
    RELAY = "relay"              # an officer's photo passed on to the citizen


# Rows with work left (a download, a deletion at Twilio): the fetcher reads only these.
_DUE = "next_attempt_at IS NOT NULL"


class Media(Base):
    __tablename__ = "media"
    __table_args__ = (
        Index("ix_media_due", "next_attempt_at",
              sqlite_where=text(_DUE), postgresql_where=text(_DUE)),
        Index("ix_media_message", "message_id"),
        Index("ix_media_ticket", "ticket_id"),
        Index("ix_media_sha256", "sha256"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)      # MediaUrl{position}
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    role: Mapped[str | None] = mapped_column(String(16))
    # Twilio's URL names the account and the message: kept only until the copy there is
    # deleted, and never logged.
    source_url: Mapped[str | None] = mapped_column(Text)
    declared_type: Mapped[str] = mapped_column(String(100))
    content_type: Mapped[str | None] = mapped_column(String(40))   # read from the bytes
    size: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(24))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    stored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    twilio_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
