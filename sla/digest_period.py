"""The daily digest's reporting period: pure calendar arithmetic, no database.

A digest dated D covers everything since 00:00 of the working day before D up to 00:00
of D, so Monday's digest covers Friday, Saturday and Sunday, and a digest after a
holiday covers the holiday too. Nothing between two digests is ever left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sla.calendar import WorkCalendar

__all__ = ["DigestPeriod", "digest_period", "month_start", "previous_working_day"]

_ONE_DAY = timedelta(days=1)
# Guards against an endless scan; no real calendar is closed this many days in a row.
_MAX_LOOKBACK_DAYS = 366


@dataclass(frozen=True)
class DigestPeriod:
    """[start, end) and the local dates it spans; `live` when it runs up to now (REKAP)."""

    start: datetime
    end: datetime
    first_day: date
    last_day: date
    live: bool = False


def previous_working_day(cal: WorkCalendar, day: date) -> date:
    """The last working day strictly before `day`."""
    candidate = day - _ONE_DAY
    for _ in range(_MAX_LOOKBACK_DAYS):
        if cal.is_working_day(candidate):
            return candidate
        candidate -= _ONE_DAY
    raise ValueError(f"no working day in the {_MAX_LOOKBACK_DAYS} days before {day}")


def digest_period(cal: WorkCalendar, digest_date: date, until: datetime | None = None
                  ) -> DigestPeriod:
    """The period a digest dated `digest_date` reports on.

    From 00:00 of the previous working day to 00:00 of `digest_date`; with `until` (an
    on-demand digest) the period runs up to that instant instead.
    """
    first = previous_working_day(cal, digest_date)
    start = datetime.combine(first, time(0), tzinfo=cal.tz)
    if until is not None:
        return DigestPeriod(start, until, first, until.astimezone(cal.tz).date(), live=True)
    end = datetime.combine(digest_date, time(0), tzinfo=cal.tz)
    return DigestPeriod(start, end, first, digest_date - _ONE_DAY)


def month_start(day: date, cal: WorkCalendar) -> datetime:
    """00:00 of the first day of `day`'s month, in the calendar's zone."""
    return datetime.combine(day.replace(day=1), time(0), tzinfo=cal.tz)
