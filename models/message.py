"""WhatsApp messages, both ways. Outbound rows are the outbox."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, JSONType, UTCDateTime


class Direction(enum.StrEnum):
    IN = "in"
    OUT = "out"


class OutStatus(enum.StrEnum):
    """Outbound lifecycle: ours (pending, sending, failed) then Twilio's own statuses."""

    PENDING = "pending"
    SENDING = "sending"
    TWIML = "twiml"        # answered inside the webhook response
    LOGGED = "logged"      # console transport: shown, never sent
    ACCEPTED = "accepted"
    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"
    UNDELIVERED = "undelivered"
    HELD = "held"          # a photo waiting for its download, or for the recipient's window
    DROPPED = "dropped"    # a held photo that will never go (refused, failed, ticket closed)


class InStatus(enum.StrEnum):
    """Inbound lifecycle: stored `queued` by the webhook, then one outcome from a worker
    (in the transaction that holds the conversation's effects)."""

    RECEIVED = "received"      # rows of versions before the inbox; never written now
    QUEUED = "queued"          # stored, waiting for a worker (or for a retry's backoff)
    PROCESSED = "processed"
    RATE_LIMITED = "rate_limited"
    FAILED = "failed"          # the handler kept failing; the sender got an apology


# The outbox is the unsent part of this table; its indexes cover only that part.
_UNSENT = "direction = 'out' AND status IN ('pending', 'sending')"
_HELD = "status = 'held'"
# The inbox is the queued part of the inbound rows: each sender's oldest is its head.
_INBOX = "direction = 'in' AND status = 'queued'"


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (
        Index("ix_message_outbox", "next_attempt_at", "id",
              sqlite_where=text(_UNSENT), postgresql_where=text(_UNSENT)),
        Index("ix_message_outbox_phone", "phone", "id",
              sqlite_where=text(_UNSENT), postgresql_where=text(_UNSENT)),
        Index("ix_message_phone_time", "phone", "direction", "created_at"),
        Index("ix_message_ticket", "ticket_id"),
        Index("ix_message_in_reply_to", "in_reply_to_id"),
        Index("ix_message_held", "id", sqlite_where=text(_HELD), postgresql_where=text(_HELD)),
        Index("ix_message_inbox", "phone", "id",
              sqlite_where=text(_INBOX), postgresql_where=text(_INBOX)),
        Index("ix_message_inbox_order", "id",
              sqlite_where=text(_INBOX), postgresql_where=text(_INBOX)),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str] = mapped_column(String(20))     # the other party, E.164
    body: Mapped[str | None] = mapped_column(Text)
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    replied_sid: Mapped[str | None] = mapped_column(String(64))   # OriginalRepliedMessageSid
    profile_name: Mapped[str | None] = mapped_column(String(120))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"))
    kind: Mapped[str] = mapped_column(String(24), default="reply")
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_variables: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
