"""`report verify`: recompute every ledger entry from the events and compare; check the
figures the report reads instead of recounting (officers' monthly tally, stored lateness)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from models import Breach, LedgerEntry, MonthClose, Ticket
from services.core.runtime import Runtime
from services.ledger.entries import breach_facts, rates_of
from services.ledger.month import month_bounds
from services.ledger.tally import tally_differences
from services.tickets.deadlines import late_minutes_between
from sla.ledger import Entry, expected_entries, month_of


@dataclass(frozen=True)
class Difference:
    ticket_id: int | None  # None for an officer's monthly tally
    key: str               # the ledger rule's key, or the tally figure, or the ticket column
    problem: str           # missing, unexpected, officer, percent, effective_at, month,
                           # tally, breached_at, late_minutes
    stored: str = ""
    expected: str = ""
    officer_id: int | None = None


def _month_ok(entry: LedgerEntry, effective_month: str, closes: dict) -> bool:
    if entry.month == effective_month:
        return True
    closed_at = closes.get(effective_month)
    return closed_at is not None and closed_at <= entry.created_at and entry.month > effective_month


def _compare(ticket_id: int, expected: Entry, stored: LedgerEntry, closes: dict,
             cal) -> list[Difference]:
    out = []
    for problem, have, want in (("officer", stored.officer_id, expected.officer_id),
                                ("percent", stored.percent, expected.percent),
                                ("effective_at", stored.effective_at, expected.effective_at)):
        if have != want:
            out.append(Difference(ticket_id, expected.key, problem, str(have), str(want)))
    effective_month = month_of(expected.effective_at, cal)
    if not _month_ok(stored, effective_month, closes):
        out.append(Difference(ticket_id, expected.key, "month", stored.month, effective_month))
    return out


def _verify_ticket(db, rt: Runtime, ticket_id: int, month: str,
                   closes: dict) -> list[Difference]:
    cal, diffs = rt.calendar, []
    ticket = db.get(Ticket, ticket_id)
    breach = db.scalar(select(Breach).where(Breach.ticket_id == ticket_id))
    expected = {} if breach is None else {
        e.key: e for e in expected_entries(cal, breach_facts(db, ticket, breach), rt.now(),
                                           rates_of(rt.settings))}
    stored = {e.key: e for e in db.scalars(select(LedgerEntry)
                                           .where(LedgerEntry.ticket_id == ticket_id))}
    for key, entry in stored.items():
        if key not in expected:
            if entry.month == month:
                diffs.append(Difference(ticket_id, key, "unexpected", str(entry.percent)))
        elif entry.month == month or month_of(expected[key].effective_at, cal) == month:
            diffs += _compare(ticket_id, expected[key], entry, closes, cal)
    for key, entry in expected.items():
        if key not in stored and month_of(entry.effective_at, cal) == month:
            diffs.append(Difference(ticket_id, key, "missing", "", str(entry.percent)))
    return diffs


def verify_month(rt: Runtime, month: str) -> list[Difference]:
    """Every difference between the month's stored ledger and what the events imply."""
    start, end = month_bounds(month, rt.settings.zone)
    diffs: list[Difference] = []
    with rt.sessions() as db:
        closes = dict(db.execute(select(MonthClose.month, MonthClose.closed_at)).all())
        touched = set(db.scalars(select(LedgerEntry.ticket_id).where(LedgerEntry.month == month)))
        touched |= set(db.scalars(select(Breach.ticket_id).join(Ticket).where(
            Breach.deadline_at < end,
            or_(Ticket.closed_at.is_(None), Ticket.closed_at >= start,
                Breach.excused_at >= start))))
        for ticket_id in sorted(touched):
            diffs += _verify_ticket(db, rt, ticket_id, month, closes)
        diffs += [Difference(None, figure, "tally", have, want, officer_id=officer_id)
                  for officer_id, figure, have, want
                  in tally_differences(db, month, rt.settings.zone)]
        diffs += _verify_breached_tickets(db, rt, start, end)
    return diffs


def _verify_breached_tickets(db, rt: Runtime, start, end) -> list[Difference]:
    """The report finds the month's breaches by the ticket's `breached_at` and reads a closed
    ticket's lateness from `late_minutes`: both must agree with the breach and the clock."""
    breaches = dict(db.execute(select(Breach.ticket_id, Breach.deadline_at)
                               .where(Breach.deadline_at >= start, Breach.deadline_at < end)).all())
    tickets = {row[0]: row[1:] for row in db.execute(
        select(Ticket.id, Ticket.breached_at, Ticket.deadline_at, Ticket.closed_at,
               Ticket.late_minutes)
        .where(Ticket.breached_at >= start, Ticket.breached_at < end))}
    diffs = []
    for ticket_id in sorted(breaches.keys() | tickets.keys()):
        breached_at = tickets[ticket_id][0] if ticket_id in tickets else None
        if breached_at != breaches.get(ticket_id):
            diffs.append(Difference(ticket_id, "breached_at", "breached_at", str(breached_at or ""),
                                    str(breaches.get(ticket_id) or "")))
    for ticket_id, (_, deadline_at, closed_at, late) in sorted(tickets.items()):
        want = (None if closed_at is None
                else late_minutes_between(rt.calendar, deadline_at, closed_at, closed_at))
        if late != want:
            diffs.append(Difference(ticket_id, "late_minutes", "late_minutes",
                                    "" if late is None else str(late),
                                    "" if want is None else str(want)))
    return diffs
