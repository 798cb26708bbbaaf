"""The SLA sweep: reminders at 75 % of the SLA and breaches at the deadline, exactly once.

Candidates come only from the partial indexes `ix_ticket_remind` and `ix_ticket_due`
(the query repeats each index's own predicate, so both databases can use it): the cost
follows the open tickets, never the archive of closed ones. Each ticket is then handled
in its own short transaction that re-reads it under a row lock (PostgreSQL: `FOR UPDATE
SKIP LOCKED`; SQLite: one writer at a time) and re-checks that it is still due, so two
sweeps at once, or the same sweep twice, record and send nothing twice.

The sweep is a list of steps, each `step(rt, now, result)`: another one (e.g. the ledger's
daily accrual, running `accrue_late_days(Ctx(db, now, rt), now)` in its own transaction)
is one more entry in `STEPS` plus a count field on `SweepResult`. Leaves whose first
working minute has come are claimed the same way (`ix_staff_leave_pending`), one leave and
all its handovers per transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from models import Leave, Ticket
from models.leave import PENDING
from models.ticket import index_predicate
from services.core.context import Ctx
from services.core.db import is_sqlite
from services.core.runtime import Runtime
from services.core.texts import format_instant
from services.ledger.entries import accrue_late_days
from services.tickets.breaches import record_breach
from services.tickets.events import record_event
from services.tickets.leave_start import begin_leave
from services.tickets.unreachable import catch_up_failures

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    """What one sweep did, per outcome."""

    breached: int = 0
    reminded: int = 0
    reminders_skipped: int = 0   # overdue or unassigned by the time the sweep saw them
    late_days: int = 0           # ledger entries for further late working days
    leaves_started: int = 0      # leaves whose first working minute came: tickets handed over
    unreachable: int = 0         # tickets moved (or left waiting) as their officer's message
                                 # had failed for good and nobody had acted on it yet
    contended: int = 0           # another sweep (or a user) had the ticket: nothing done
    failed: int = 0              # an error on one ticket; the next sweep retries it

    def as_dict(self) -> dict[str, int]:
        """The counts by name, in declaration order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def due_for_breach(now: datetime) -> Select:
    """Ids of running, unbreached tickets whose deadline has come (reads `ix_ticket_due`)."""
    return (select(Ticket.id).where(index_predicate("ix_ticket_due"), Ticket.deadline_at <= now)
            .order_by(Ticket.deadline_at))


def due_for_reminder(now: datetime) -> Select:
    """Ids of running tickets due their one reminder (reads `ix_ticket_remind`)."""
    return (select(Ticket.id)
            .where(index_predicate("ix_ticket_remind"), Ticket.reminder_at <= now)
            .order_by(Ticket.reminder_at))


def due_leaves(now: datetime) -> Select:
    """Ids of leaves whose first working minute has come, not yet applied nor ended."""
    return (select(Leave.id).where(text(PENDING), Leave.takes_effect_at <= now)
            .order_by(Leave.takes_effect_at))


Action = Callable[[Ctx, Any], str]   # (ctx, claimed row) → the SweepResult field to count


def _claim(rt: Runtime, candidates: Select, row_id: int) -> Select:
    # Re-check the candidate query's own conditions for this one row, under a lock.
    entity = candidates.column_descriptions[0]["entity"]      # Ticket or Leave
    query = select(entity).where(entity.id == row_id, candidates.whereclause)
    if not is_sqlite(rt.engine):  # SQLite's BEGIN IMMEDIATE already serialises writers
        query = query.with_for_update(skip_locked=True, of=entity)
    return query


def handle_one(rt: Runtime, now: datetime, candidates: Select, ticket_id: int,
               action: Action) -> str:
    """Apply `action` to one listed ticket (or leave) in its own transaction, if still due."""
    try:
        with rt.transaction() as db:
            ticket = db.scalar(_claim(rt, candidates, ticket_id))
            if ticket is None:  # done or locked by another sweep since we listed it
                return "contended"
            return action(Ctx(db, now, rt), ticket)
    except (StaleDataError, IntegrityError) as exc:
        log.info("ticket %s: changed by someone else during the sweep (%s); skipped",
                 ticket_id, type(exc).__name__)
        return "contended"
    except DBAPIError:
        raise  # the database itself is in trouble: stop; the next sweep starts over
    except Exception:  # one bad ticket must not hold up the others
        log.exception("ticket %s: sweep action %s failed", ticket_id, action.__name__)
        return "failed"


def _for_each_due(rt: Runtime, now: datetime, candidates: Select, action: Action,
                  result: SweepResult) -> None:
    with rt.sessions() as db:
        ids = list(db.scalars(candidates))
    for ticket_id in ids:
        outcome = handle_one(rt, now, candidates, ticket_id, action)
        setattr(result, outcome, getattr(result, outcome) + 1)


def breach_ticket(ctx: Ctx, ticket: Ticket) -> str:
    """Record the breach at the deadline instant; officer and lurah are told at once."""
    record_breach(ctx, ticket)
    return "breached"


def remind_officer(ctx: Ctx, ticket: Ticket) -> str:
    """Send the officer the ticket's one reminder (skipped once the deadline has passed)."""
    ticket.reminder_sent_at = ctx.now  # claimed, sent or not: a reminder is never repeated
    deadline = ticket.deadline_at
    if deadline is None or deadline <= ctx.now or ticket.officer is None:
        # After downtime the breach message says it all; an unassigned ticket's lurah
        # was alerted when it arrived.
        reason = "unassigned" if ticket.officer is None else "overdue"
        record_event(ctx, ticket, "reminder_skipped", reason=reason)
        return "reminders_skipped"
    record_event(ctx, ticket, "reminded", deadline=deadline.isoformat())
    left = ctx.calendar.working_time_between(ctx.now, deadline).total_seconds() / 60
    ctx.notify(ticket.officer.phone, "officer_reminder", kind="reminder", ticket_id=ticket.id,
               variables={"1": ticket.number,
                          "2": format_instant(deadline, ctx.settings.timezone)},
               ticket=ticket, left=left)
    return "reminded"


def sweep_breaches(rt: Runtime, now: datetime, result: SweepResult) -> None:
    """Breach every running ticket whose deadline is at or before `now` (catches up too)."""
    _for_each_due(rt, now, due_for_breach(now), breach_ticket, result)


def sweep_reminders(rt: Runtime, now: datetime, result: SweepResult) -> None:
    """Remind the officer of every running ticket past 75 % of its SLA, once."""
    _for_each_due(rt, now, due_for_reminder(now), remind_officer, result)


def sweep_leaves(rt: Runtime, now: datetime, result: SweepResult) -> None:
    """Hand over the open tickets of every officer whose leave's first working minute came."""
    _for_each_due(rt, now, due_leaves(now), begin_leave, result)


def sweep_late_days(rt: Runtime, now: datetime, result: SweepResult) -> None:
    """Add the 2 % ledger entry for each further working day a breached ticket stays open."""
    result.late_days += accrue_late_days(rt, now)


def sweep_unreachable(rt: Runtime, now: datetime, result: SweepResult) -> None:
    """Act on messages to officers that failed for good while nobody was there to act."""
    result.unreachable += catch_up_failures(rt, now)


Step = Callable[[Runtime, datetime, SweepResult], None]

# Officers who cannot be reached first, then leaves: a ticket whose deadline falls in its
# officer's leave is the backup's by then. Breaches next: a ticket found already overdue
# gets its breach, not a stale reminder.
STEPS: list[Step] = [sweep_unreachable, sweep_leaves, sweep_breaches, sweep_reminders,
                     sweep_late_days]


def sweep(rt: Runtime, now: datetime) -> SweepResult:
    """Run every sweep step as of `now`; safe to run twice or from two processes at once."""
    result = SweepResult()
    for step in STEPS:
        step(rt, now, result)
    if (result.breached or result.reminded or result.failed or result.leaves_started
            or result.unreachable):
        log.info("sweep at %s: %s", now.isoformat(), result.as_dict())
    return result
