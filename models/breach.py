"""Breaches: a ticket still open at its deadline, recorded once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.staff import Staff
from models.ticket import Ticket


class Breach(Base):
    __tablename__ = "breach"
    __table_args__ = (Index("ix_breach_deadline", "deadline_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"), unique=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)   # the breach instant
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    excused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    excused_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    excuse_reason: Mapped[str | None] = mapped_column(Text)

    ticket: Mapped[Ticket] = relationship()
    officer: Mapped[Staff | None] = relationship(foreign_keys=[officer_id])
    excused_by: Mapped[Staff | None] = relationship(foreign_keys=[excused_by_id])
