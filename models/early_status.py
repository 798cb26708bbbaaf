"""Twilio status callbacks that came before their message's SID was known."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class EarlyStatus(Base):
    """A status callback for a SID no message has yet: Twilio posted it before the send's
    answer was read. Applied (and removed) once the send's result writes that SID."""

    __tablename__ = "early_status"
    __table_args__ = (
        Index("ix_early_status_sid", "sid"),
        Index("ix_early_status_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sid: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_message: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
