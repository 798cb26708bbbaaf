"""A message to an officer about a ticket that failed for good, and what was done about it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from models.base import Base, UTCDateTime


class FailureOutcome(enum.StrEnum):
    MOVED = "moved"              # the ticket went to another officer
    UNASSIGNED = "unassigned"    # nobody could take it: it waits, the lurah was told
    IGNORED = "ignored"          # not the holder's message, or the ticket was closed


# What was acted on: one row per (ticket, officer) holding whose message failed.
ACTED = (FailureOutcome.MOVED.value, FailureOutcome.UNASSIGNED.value)


class DeliveryFailure(Base):
    """One failed outbound message, handled once (the row is the proof it was handled)."""

    __tablename__ = "delivery_failure"
    __table_args__ = (
        Index("ix_delivery_failure_ticket", "ticket_id"),
        Index("ix_delivery_failure_recorded", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("message.id"), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # who missed it
    to_officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    error_code: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(16))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
