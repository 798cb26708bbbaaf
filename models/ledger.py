"""Allowance ledger: append-only percentage entries against an officer's TPP."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, UTCDateTime
from models.staff import Staff


class LedgerEntry(Base):
    """A breach adds a percentage, each further late working day adds more, an excusal
    reverses them. `key` names the rule that made the entry, so no rule fires twice."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        UniqueConstraint("ticket_id", "key"),
        Index("ix_ledger_entry_month_officer", "month", "officer_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    key: Mapped[str] = mapped_column(String(40))          # breach, late:2, reverse:late:2
    kind: Mapped[str] = mapped_column(String(16))         # breach, late_day, reversal
    percent: Mapped[Decimal] = mapped_column(Numeric(7, 2))
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime)
    month: Mapped[str] = mapped_column(String(7))         # YYYY-MM it counts in
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    reason: Mapped[str | None] = mapped_column(Text)

    officer: Mapped[Staff] = relationship(foreign_keys=[officer_id])
    actor: Mapped[Staff | None] = relationship(foreign_keys=[actor_id])
