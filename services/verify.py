"""`report verify`: recompute every ledger entry from the events and compare."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select

from models import Breach, LedgerEntry, MonthClose, Ticket
from services.ledger import breach_facts, rates_of
from services.month import month_bounds
from services.runtime import Runtime
from sla.ledger import Entry, expected_entries, month_of


@dataclass(frozen=True)
class Difference:
    ticket_id: int
    key: str
    problem: str          # missing, unexpected, officer, percent, effective_at, month
    stored: str = ""
    expected: str = ""


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
    return diffs
