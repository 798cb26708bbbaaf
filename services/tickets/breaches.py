"""Breaches: recorded once at the deadline instant; excused only by a supervisor in scope."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from models import Breach, Staff, Ticket
from services.core.context import Ctx
from services.ledger.entries import holding_history, sync_ticket_ledger
from services.ledger.tally import count_breach, count_excusal
from services.people.directory import in_scope, supervisors_for
from services.tickets.deadlines import late_minutes
from services.tickets.events import record_event
from sla.ledger import BreachFacts, holder_at, unreached_until

REASON_MAX = 500   # characters of an excusal reason, from chat or the dashboard


class BreachError(Exception):
    """A refused excusal; `code` picks the wording."""

    def __init__(self, code: str, ticket_id: int | None = None, **details: Any) -> None:
        super().__init__(code)
        self.code, self.ticket_id, self.details = code, ticket_id, details


def officer_at(ctx: Ctx, ticket: Ticket) -> int | None:
    """Who held the ticket at its deadline (a later transfer does not move the blame), or
    nobody if the ticket never reached that officer (their notice failed for good)."""
    assert ticket.deadline_at is not None  # noqa: S101 - callers check
    ctx.db.flush()
    holders, unreached = holding_history(ctx.db, ticket.id)
    facts = BreachFacts(ticket.id, ticket.deadline_at, None, holders=holders,
                        unreached=unreached)
    if unreached_until(facts, ticket.deadline_at) is not None:
        return None
    held = holder_at(facts, ticket.deadline_at)
    return held if held is not None else ticket.officer_id


def record_breach(ctx: Ctx, ticket: Ticket) -> Breach:
    """Record the breach (the caller has checked it is due) and tell officer and lurah."""
    assert ticket.deadline_at is not None  # noqa: S101 - callers check
    ticket.breached_at = ticket.deadline_at
    breach = Breach(ticket_id=ticket.id, officer_id=officer_at(ctx, ticket),
                    deadline_at=ticket.deadline_at, recorded_at=ctx.now)
    ctx.db.add(breach)
    count_breach(ctx, breach)
    record_event(ctx, ticket, "breached", deadline=ticket.deadline_at.isoformat())
    ctx.db.flush()
    sync_ticket_ledger(ctx, ticket)
    late = late_minutes(ctx.calendar, ticket, ctx.now)
    variables = {"1": ticket.number, "2": ticket.rw.label,
                 "3": ticket.officer.name if ticket.officer else "-"}
    if ticket.officer is not None:
        ctx.notify(ticket.officer.phone, "officer_breach", kind="breach", ticket_id=ticket.id,
                   variables=variables, ticket=ticket, late=late)
    for supervisor in supervisors_for(ctx.db, ticket.rw.kelurahan):
        ctx.notify(supervisor.phone, "supervisor_breach", kind="breach", ticket_id=ticket.id,
                   variables=variables, ticket=ticket, late=late)
    return breach


def breach_if_due(ctx: Ctx, ticket: Ticket) -> Breach | None:
    """Record a breach the sweep has not reached yet (before a pause or a close)."""
    if (ticket.breached_at is None and ticket.deadline_at is not None
            and ticket.status.clock_runs and ticket.deadline_at <= ctx.now):
        return record_breach(ctx, ticket)
    return None


def excuse_breach(ctx: Ctx, supervisor: Staff, ticket: Ticket, reason: str) -> Breach:
    """`MAAFKAN`: excuse a ticket's breach with a reason, as an auditable event."""
    if not in_scope(supervisor, ticket.rw.kelurahan):
        raise BreachError("not_found", ticket.id)   # out of scope looks like nothing there
    # A browser's form sends a textarea's line breaks as CRLF but counts them as one.
    reason = reason.replace("\r\n", "\n").strip()
    if not reason:
        raise BreachError("reason_required", ticket.id)
    if len(reason) > REASON_MAX:
        raise BreachError("reason_too_long", ticket.id, limit=REASON_MAX)
    breach = ctx.db.scalar(select(Breach).where(Breach.ticket_id == ticket.id))
    if breach is None:
        raise BreachError("no_breach", ticket.id)
    if breach.excused_at is not None:
        raise BreachError("already_excused", ticket.id)
    breach.excused_at, breach.excused_by_id = ctx.now, supervisor.id
    breach.excuse_reason = reason
    record_event(ctx, ticket, "excused", actor=supervisor, reason=reason)
    count_excusal(ctx, breach)
    sync_ticket_ledger(ctx, ticket)
    return breach


def excuse_and_notify(ctx: Ctx, supervisor: Staff, ticket: Ticket, reason: str) -> Breach:
    """Excuse the breach and tell the officer it was blamed on (`MAAFKAN`, the dashboard)."""
    breach = excuse_breach(ctx, supervisor, ticket, reason)
    officer = breach.officer or ticket.officer
    if officer is not None:
        ctx.notify(officer.phone, "officer_breach_excused", ticket_id=ticket.id, ticket=ticket,
                   supervisor=supervisor, reason=breach.excuse_reason)
    return breach
