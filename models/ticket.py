"""Tickets: one KTP or KK request and its SLA clock."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, Enum, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, JSONType, UTCDateTime
from models.citizen import Citizen
from models.region import RW
from models.staff import Staff
from sla.clock import FINAL, PAUSED, RUNNING

if TYPE_CHECKING:
    from models.ticket_event import TicketEvent


class Service(enum.StrEnum):
    KTP = "KTP"
    KK = "KK"


class TicketStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_CITIZEN = "waiting_citizen"
    RESOLVED = "resolved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"

    @property
    def clock_runs(self) -> bool:
        """The SLA clock runs in this status (the rule is `sla.clock.RUNNING`)."""
        return self.value in RUNNING


# Every set of statuses comes from the SLA's own rule, in declaration order.
RUNNING_STATUSES = tuple(s for s in TicketStatus if s.value in RUNNING)
OPEN_STATUSES = frozenset(s for s in TicketStatus if s.value in RUNNING | PAUSED)
FINAL_STATUSES = frozenset(s for s in TicketStatus if s.value in FINAL)
# The closes that count as the officer's work (a citizen's cancellation does not).
CLOSED_BY_OFFICER = (TicketStatus.RESOLVED, TicketStatus.REJECTED)


def _enum(cls: type[enum.Enum], length: int) -> Enum:
    return Enum(cls, native_enum=False, length=length, validate_strings=True,
                values_callable=lambda e: [m.value for m in e])


# The sweep reads only these partial indexes, so its cost follows the open tickets,
# never the archive of closed ones.
def _status_in(statuses) -> str:
    names = ", ".join(f"'{s.value}'" for s in TicketStatus if s in statuses)
    return f"status IN ({names})"


_RUNNING = _status_in(RUNNING_STATUSES)    # status IN ('new', 'in_progress')
_OPEN = _status_in(OPEN_STATUSES)          # ... and 'waiting_citizen'


BREACHED_INCLUDE = ("id", "service", "rw_id", "deadline_at", "closed_at")


class Ticket(Base):
    __tablename__ = "ticket"
    __table_args__ = (
        Index("ix_ticket_due", "deadline_at",
              sqlite_where=text(f"{_RUNNING} AND breached_at IS NULL"),
              postgresql_where=text(f"{_RUNNING} AND breached_at IS NULL")),
        Index("ix_ticket_remind", "reminder_at",
              sqlite_where=text(f"{_RUNNING} AND reminder_sent_at IS NULL"),
              postgresql_where=text(f"{_RUNNING} AND reminder_sent_at IS NULL")),
        Index("ix_ticket_late_open", "breached_at",
              sqlite_where=text(f"{_OPEN} AND breached_at IS NOT NULL"),
              postgresql_where=text(f"{_OPEN} AND breached_at IS NOT NULL")),
        # The month's breached tickets (compensation) without reading the whole table; the
        # lateness stored at the close tells, inside the index, which still need measuring.
        # PostgreSQL carries the other columns the report reads (an index-only scan once
        # autovacuum has marked the pages; closed tickets no longer change).
        Index("ix_ticket_breached", "breached_at", "late_minutes",
              sqlite_where=text("breached_at IS NOT NULL"),
              postgresql_where=text("breached_at IS NOT NULL"),
              postgresql_include=list(BREACHED_INCLUDE)),
        Index("ix_ticket_officer_status", "officer_id", "status"),
        Index("ix_ticket_rw_submitted", "rw_id", "submitted_at"),
        Index("ix_ticket_closed_at", "closed_at"),
        Index("ix_ticket_submitted_at", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[Service] = mapped_column(_enum(Service, 8))
    status: Mapped[TicketStatus] = mapped_column(_enum(TicketStatus, 20))
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    rw_id: Mapped[int] = mapped_column(ForeignKey("rw.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    nik: Mapped[str | None] = mapped_column(String(16))
    kk_number: Mapped[str | None] = mapped_column(String(16))
    kk_new: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str | None] = mapped_column(Text)
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    close_note: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    clock_started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    breached_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Working minutes past the deadline at the close, stored by the close (NULL while open).
    late_minutes: Mapped[float | None] = mapped_column(Float)
    rating: Mapped[int | None] = mapped_column(Integer)
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    personal_data_purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking: two officers' messages racing on one ticket cannot both win.
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}

    citizen: Mapped[Citizen] = relationship()
    rw: Mapped[RW] = relationship()
    officer: Mapped[Staff | None] = relationship()
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", viewonly=True)

    @property
    def number(self) -> str:
        """`#123`, as users see it."""
        return f"#{self.id}"


def index_predicate(name: str):
    """The WHERE clause a partial index of `ticket` was declared with.

    A query carrying it verbatim can use the index on SQLite (which matches terms
    literally) as on PostgreSQL.
    """
    index = next(ix for ix in Ticket.__table__.indexes if ix.name == name)
    return index.dialect_options["postgresql"]["where"]
