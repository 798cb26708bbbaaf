"""A ticket's SLA clock, derived only from its status history and a working calendar.

The clock runs while the ticket is `new` or `in_progress`, is paused in `waiting_citizen`
and stops at a final status. Every answer is recomputed from the history alone, so the
deadline after a pause is reproducible from the ticket's event log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .calendar import WorkCalendar, _require_aware

__all__ = [
    "FINAL",
    "PAUSED",
    "RUNNING",
    "StatusChange",
    "clock_start",
    "deadline",
    "elapsed",
    "instant_when_elapsed",
    "is_breached",
    "lateness",
    "reminder_at",
    "running_intervals",
]

RUNNING = frozenset({"new", "in_progress"})
PAUSED = frozenset({"waiting_citizen"})
FINAL = frozenset({"resolved", "rejected", "cancelled"})
_KNOWN = RUNNING | PAUSED | FINAL
_ZERO = timedelta(0)

Interval = tuple[datetime, datetime | None]


@dataclass(frozen=True)
class StatusChange:
    """The ticket entered `status` at instant `at`."""

    at: datetime
    status: str


def _check_history(history: Sequence[StatusChange]) -> None:
    if not history:
        raise ValueError("a status history needs at least the submission")
    if history[0].status not in RUNNING:
        raise ValueError(f"the first change is the submission; got status {history[0].status!r}")
    previous = None
    for change in history:
        _require_aware(change.at, "StatusChange.at")
        if change.status not in _KNOWN:
            raise ValueError(f"unknown ticket status {change.status!r}")
        if previous is not None and change.at < previous:
            raise ValueError(f"status history is out of order at {change.at.isoformat()}")
        previous = change.at


def running_intervals(history: Sequence[StatusChange]) -> list[Interval]:
    """Intervals in which the clock runs, oldest first; an end of None means still running."""
    _check_history(history)
    intervals: list[Interval] = []
    started: datetime | None = None
    for change in history:
        if change.status in RUNNING and started is None:
            started = change.at
        elif change.status not in RUNNING and started is not None:
            # new -> in_progress keeps one interval; only leaving RUNNING closes it.
            if change.at > started:
                intervals.append((started, change.at))
            started = None
    if started is not None:
        intervals.append((started, None))
    return intervals


def clock_start(cal: WorkCalendar, submitted_at: datetime) -> datetime:
    """When the clock starts: the submission, or the next opening if submitted outside hours."""
    return cal.next_opening(submitted_at)


def elapsed(cal: WorkCalendar, history: Sequence[StatusChange], now: datetime) -> timedelta:
    """Working time the clock has run from submission up to `now`."""
    _require_aware(now, "now")
    total = _ZERO
    for start, end in running_intervals(history):
        stop = now if end is None else min(end, now)
        total += cal.working_time_between(start, stop)
    return total


def instant_when_elapsed(
    cal: WorkCalendar, history: Sequence[StatusChange], amount: timedelta
) -> datetime | None:
    """When the clock reaches `amount`; None while that cannot be known (paused or stopped short).

    If the clock reached `amount` before a pause or a final status, that past instant is
    returned: it stays known whatever happens afterwards.
    """
    if amount < _ZERO:
        raise ValueError(f"amount must not be negative, got {amount}")
    remaining = amount
    for start, end in running_intervals(history):
        if end is None:
            return cal.add_working_time(start, remaining)
        ran = cal.working_time_between(start, end)
        if remaining <= ran:
            return cal.add_working_time(start, remaining)
        remaining -= ran
    return None


def deadline(
    cal: WorkCalendar, history: Sequence[StatusChange], sla: timedelta
) -> datetime | None:
    """The instant the clock reaches the SLA; None while paused or stopped before reaching it."""
    return instant_when_elapsed(cal, history, sla)


def reminder_at(
    cal: WorkCalendar,
    history: Sequence[StatusChange],
    sla: timedelta,
    fraction: float = 0.75,
) -> datetime | None:
    """The instant the clock reaches `fraction` of the SLA; None if not known yet."""
    if not 0 <= fraction <= 1:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction}")
    return instant_when_elapsed(cal, history, sla * fraction)


def lateness(cal: WorkCalendar, deadline_at: datetime, closed_or_now: datetime) -> timedelta:
    """Working time from the deadline to the close (or now); zero if on time."""
    return cal.working_time_between(deadline_at, closed_or_now)


def is_breached(deadline_at: datetime | None, status: str, now: datetime) -> bool:
    """True if the clock is running (`new`/`in_progress`) and `now` has reached the deadline.

    A paused ticket cannot breach while paused (its clock is stopped) and a final ticket
    never breaches; a deadline passed before a pause or close is caught by the sweep while
    the ticket was running, and by `lateness` at close.
    """
    _require_aware(now, "now")
    if status not in _KNOWN:
        raise ValueError(f"unknown ticket status {status!r}")
    if deadline_at is None or status not in RUNNING:
        return False
    _require_aware(deadline_at, "deadline_at")
    return now >= deadline_at
