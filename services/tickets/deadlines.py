"""A ticket's SLA clock, always derived from its event log (so it can be reproduced)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Ticket, TicketEvent
from services.core.settings import Settings
from sla.calendar import WorkCalendar
from sla.clock import StatusChange, deadline, lateness, reminder_at


def status_history(db: Session, ticket_id: int) -> list[StatusChange]:
    """Every status the ticket entered, in order, from its events."""
    rows = db.execute(select(TicketEvent.at, TicketEvent.status)
                      .where(TicketEvent.ticket_id == ticket_id, TicketEvent.status.is_not(None))
                      .order_by(TicketEvent.id)).all()
    return [StatusChange(at, status) for at, status in rows]


def sla_of(settings: Settings, service: str) -> timedelta:
    """The service's SLA as working time."""
    return timedelta(minutes=settings.sla_minutes[str(service)])


def refresh_deadline(db: Session, settings: Settings, calendar: WorkCalendar,
                     ticket: Ticket) -> None:
    """Recompute deadline and reminder instant from the events (after a pause ends)."""
    history = status_history(db, ticket.id)
    sla = sla_of(settings, ticket.service)
    due = deadline(calendar, history, sla)
    if due is not None:
        ticket.deadline_at = due
    remind = reminder_at(calendar, history, sla, settings.reminder_fraction)
    if remind is not None:
        ticket.reminder_at = remind


def late_minutes(calendar: WorkCalendar, ticket: Ticket, now: datetime) -> float:
    """Working minutes past the deadline, to the close (or to now while open)."""
    return late_minutes_between(calendar, ticket.deadline_at, ticket.closed_at, now)


def late_minutes_between(calendar: WorkCalendar, deadline_at: datetime | None,
                         closed_at: datetime | None, now: datetime) -> float:
    """`late_minutes` from the columns alone (for queries that load no Ticket objects)."""
    if deadline_at is None:
        return 0.0
    return lateness(calendar, deadline_at, closed_at or now).total_seconds() / 60


def late_minutes_to(calendar: WorkCalendar,
                    spans: list[tuple[datetime | None, datetime | None]],
                    now: datetime) -> list[float]:
    """`late_minutes_between` for many (deadline, close) pairs: the open ones share `now`,
    so the calendar measures them against one end instant."""
    open_deadlines = [deadline_at for deadline_at, closed_at in spans
                      if deadline_at is not None and closed_at is None]
    to_now = iter(calendar.working_times_to(open_deadlines, now))
    return [0.0 if deadline_at is None
            else next(to_now).total_seconds() / 60 if closed_at is None
            else late_minutes_between(calendar, deadline_at, closed_at, now)
            for deadline_at, closed_at in spans]
