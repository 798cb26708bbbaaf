"""A leave's first working minute: the officer's open tickets go to whoever covers them.

Run by the SLA sweep for leaves that begin later (each leave claimed once, in one
transaction with its handovers), and at once by `services.leave` when a leave is set after
its first working minute has come. New tickets need nothing here: routing already sends
them to the backup on every day of the leave.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from models import Leave, Staff, Ticket, TicketEvent
from models.ticket import OPEN_STATUSES
from services.core.context import Ctx
from services.core.db import is_sqlite
from services.people.directory import route_officer, supervisors_for
from services.people.staff_log import record_staff_event
from services.tickets.breaches import breach_if_due
from services.tickets.handover import Handover, Tell, hand_over


def _open_tickets(ctx: Ctx, officer_id: int) -> list[Ticket]:
    query = (select(Ticket).where(Ticket.officer_id == officer_id,
                                  Ticket.status.in_(list(OPEN_STATUSES)))
             .order_by(Ticket.deadline_at, Ticket.id)
             .execution_options(populate_existing=True))
    if not is_sqlite(ctx.rt.engine):
        # Wait for (not skip) a ticket another sweep or an officer is changing right now,
        # then lock them all: the handovers must not lose a race half-way through.
        query = query.with_for_update(of=Ticket)
    return list(ctx.db.scalars(query))


def _as_of(ctx: Ctx, leave: Leave, ticket: Ticket) -> datetime:
    """When the handover counts: the leave's first working minute (or when it was set, if
    later), even if the sweep runs late; never before the ticket's own last event, so its
    log stays in time order and the blame at a deadline never depends on the sweep."""
    last = ctx.db.scalar(select(func.max(TicketEvent.at)).where(
        TicketEvent.ticket_id == ticket.id))
    starts = [t for t in (leave.takes_effect_at, leave.created_at, last) if t is not None]
    return min(max(starts), ctx.now)


def begin_leave(ctx: Ctx, leave: Leave) -> str:
    """Hand over the officer's open tickets, tell the officer and the lurah; once."""
    leave.applied_at = ctx.now
    officer = leave.staff
    if ctx.today > leave.last_day:       # the sweep reached it only after it was over
        return "leaves_started"
    moved = []
    for ticket in _open_tickets(ctx, officer.id):
        at = Ctx(ctx.db, _as_of(ctx, leave, ticket), ctx.rt)
        breach_if_due(at, ticket)     # a deadline before the leave began stays the officer's
        moved.append(hand_over(at, ticket, route_officer(ctx.db, ticket.rw, ctx.today),
                               reason="leave", tell=Tell.NEW_OFFICER | Tell.CITIZEN,
                               leave=leave.id))
    record_staff_event(ctx.db, ctx.now, officer, "leave_started", leave=leave.id,
                       tickets=[m.ticket.id for m in moved],
                       unassigned=[m.ticket.id for m in moved if m.new is None])
    if moved:
        ctx.notify(officer.phone, "leave_started_officer", leave=leave, moved=moved)
    _tell_supervisors_unassigned(ctx, officer, [m for m in moved if m.new is None])
    return "leaves_started"


def _tell_supervisors_unassigned(ctx: Ctx, officer: Staff, waiting: list[Handover]) -> None:
    """One message per supervisor listing the tickets that now wait for an officer."""
    by_supervisor: dict[int, tuple[Staff, list[Handover]]] = {}
    for item in waiting:
        for supervisor in supervisors_for(ctx.db, item.ticket.rw.kelurahan):
            by_supervisor.setdefault(supervisor.id, (supervisor, []))[1].append(item)
    for supervisor, items in by_supervisor.values():
        ctx.notify(supervisor.phone, "leave_unassigned_supervisor", officer=officer,
                   waiting=items)

