"""Ticket events: the append-only log every figure is traced back to."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, JSONType, UTCDateTime

if TYPE_CHECKING:
    from models.staff import Staff
    from models.ticket import Ticket


class TicketEvent(Base):
    """One change to a ticket. Rows are never updated or deleted (a database trigger
    refuses it), so the SLA clock and the ledger can be recomputed from them."""

    __tablename__ = "ticket_event"
    __table_args__ = (Index("ix_ticket_event_ticket", "ticket_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("ticket.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    kind: Mapped[str] = mapped_column(String(32))
    actor_kind: Mapped[str] = mapped_column(String(16))   # citizen, staff, system
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    status: Mapped[str | None] = mapped_column(String(20))  # status entered, if it changed
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))  # assignee after
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[Staff | None] = relationship(foreign_keys=[actor_id])
