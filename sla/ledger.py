"""Allowance ledger arithmetic: which entries a breached ticket's history implies.

Pure: the same facts always give the same entries, so the stored ledger can be checked
against the event log at any time (`report verify`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sla.calendar import WorkCalendar


@dataclass(frozen=True)
class LedgerRates:
    breach_percent: Decimal = Decimal("5")
    late_day_percent: Decimal = Decimal("2")
    working_day: timedelta = timedelta(minutes=480)


@dataclass(frozen=True)
class BreachFacts:
    """What the ledger needs to know about one breached ticket, read from its events."""

    ticket_id: int
    deadline_at: datetime
    closed_at: datetime | None
    excused_at: datetime | None = None
    excused_by: int | None = None
    excuse_reason: str | None = None
    # (instant, officer id after that instant), in order: who held the ticket when
    holders: Sequence[tuple[datetime, int | None]] = ()
    # Positions in `holders` of handovers away from an officer whose message about the
    # ticket never arrived (the new-ticket notice failed for good): that officer's holding
    # up to there is charged to nobody.
    unreached: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Entry:
    key: str
    kind: str                  # breach, late_day, reversal
    officer_id: int
    percent: Decimal
    effective_at: datetime
    actor_id: int | None = None
    reason: str | None = None


def holder_at(facts: BreachFacts, instant: datetime) -> int | None:
    """The officer holding the ticket at `instant` (the last change at or before it)."""
    times = [at for at, _ in facts.holders]
    index = bisect_right(times, instant) - 1
    return facts.holders[index][1] if index >= 0 else None


def unreached_until(facts: BreachFacts, instant: datetime) -> datetime | None:
    """When it was learned that the holder at `instant` never received the ticket (their
    holding ended with an unreached handover), else None."""
    times = [at for at, _ in facts.holders]
    index = bisect_right(times, instant) - 1
    if index < 0 or facts.holders[index][1] is None:
        return None
    officer = facts.holders[index][1]
    for position in range(index + 1, len(facts.holders)):
        at, holder = facts.holders[position]
        if holder != officer:
            return at if position in facts.unreached else None
    return None


def charged_at(facts: BreachFacts, instant: datetime) -> int | None:
    """Who a breach at `instant` counts against: the holder, unless the ticket never
    reached them."""
    if unreached_until(facts, instant) is not None:
        return None
    return holder_at(facts, instant)


def late_day_instants(cal: WorkCalendar, facts: BreachFacts, until: datetime,
                      rates: LedgerRates) -> list[datetime]:
    """Each instant a further full working day of lateness completes, up to `until`."""
    instants: list[datetime] = []
    k = 1
    while True:
        instant = cal.add_working_time(facts.deadline_at, rates.working_day * k)
        if instant > until:
            return instants
        instants.append(instant)
        k += 1


def expected_entries(cal: WorkCalendar, facts: BreachFacts, now: datetime,
                     rates: LedgerRates) -> list[Entry]:
    """Every ledger entry the ticket's history implies as of `now`."""
    if facts.deadline_at > now:
        return []
    penalties: list[Entry] = []
    officer = holder_at(facts, facts.deadline_at)
    if officer is not None:
        penalties.append(Entry("breach", "breach", officer, rates.breach_percent,
                               facts.deadline_at))
    stops = [t for t in (facts.closed_at, facts.excused_at, now) if t is not None]
    for k, instant in enumerate(late_day_instants(cal, facts, min(stops), rates), start=1):
        holder = holder_at(facts, instant)
        if holder is not None:
            penalties.append(Entry(f"late:{k}", "late_day", holder, rates.late_day_percent,
                                   instant))
    return penalties + _undone(facts, penalties, now)


def _undone(facts: BreachFacts, penalties: list[Entry], now: datetime) -> list[Entry]:
    """What takes each penalty back, whichever came first: the excusal (a reversal) or
    learning that the ticket never reached the officer charged (a correction)."""
    excused = facts.excused_at is not None and facts.excused_at <= now
    reversals: list[Entry] = []
    corrections: list[Entry] = []
    for e in penalties:
        learned = unreached_until(facts, e.effective_at)
        corrected = learned is not None and learned <= now
        if excused and (not corrected or facts.excused_at <= learned):  # type: ignore[operator]
            reversals.append(Entry(f"reverse:{e.key}", "reversal", e.officer_id, -e.percent,
                                   facts.excused_at, facts.excused_by,  # type: ignore[arg-type]
                                   facts.excuse_reason))
        elif corrected:
            corrections.append(Entry(f"unreached:{e.key}", "correction", e.officer_id,
                                     -e.percent, learned))  # type: ignore[arg-type]
    return reversals + corrections


def month_of(instant: datetime, cal: WorkCalendar) -> str:
    """`YYYY-MM` of an instant in the calendar's zone."""
    return instant.astimezone(cal.tz).strftime("%Y-%m")


def deduction_percent(percents: Sequence[Decimal]) -> Decimal:
    """The month's deduction: the entries' sum, never below 0 nor above 100 %."""
    return min(Decimal(100), max(Decimal(0), sum(percents, Decimal(0))))
