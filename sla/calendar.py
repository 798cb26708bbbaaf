"""Working calendar: opening hours per weekday, Indonesian holidays and city-closed dates.

All arithmetic is done on aware datetimes, stepping one day at a time; never minute by minute.
Durations are measured on the UTC timeline so a zone with daylight saving would still be
exact (Python subtracts same-zone datetimes by wall clock, not by elapsed time).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

__all__ = ["CalendarConfigError", "WorkCalendar"]

_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DEFAULT_HOURS = {name[:3]: "08:00-16:00" for name in _WEEKDAYS[:5]}
_HOURS_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_ONE_DAY = timedelta(days=1)
_EPOCH = date(2000, 1, 1)          # cumulative working time is counted from here
_CUMULATIVE_DAYS = 60 * 366        # … for sixty years; beyond that, day by day
# Guards against an endless scan; no real calendar is closed this many days in a row.
_MAX_CLOSED_RUN_DAYS = 3660


class CalendarConfigError(ValueError):
    """The working calendar configuration is invalid."""


@lru_cache(maxsize=512)
def _holidays_in(country: str, categories: tuple[str, ...], year: int) -> Mapping[date, str]:
    # Building a holidays object costs milliseconds; a sweep over many tickets asks per day.
    found = holidays.country_holidays(country, categories=categories, years=year)
    return MappingProxyType(dict(found))


def _require_aware(instant: datetime, name: str) -> None:
    if not isinstance(instant, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(instant).__name__}")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {instant.isoformat()}")


def _span(a: datetime, b: datetime) -> timedelta:
    return b.astimezone(UTC) - a.astimezone(UTC)


def _parse_weekday(name: str) -> int:
    key = str(name).strip().lower()
    for number, full in enumerate(_WEEKDAYS):
        if key in (full, full[:3]):
            return number
    raise CalendarConfigError(
        f"unknown weekday name {name!r}; use mon, tue, wed, thu, fri, sat or sun"
    )


def _parse_range(weekday: str, text: str) -> tuple[time, time]:
    match = _HOURS_RE.match(str(text))
    if match is None:
        raise CalendarConfigError(
            f"cannot parse hours {text!r} for {weekday!r}; expected 'HH:MM-HH:MM'"
        )
    h1, m1, h2, m2 = (int(part) for part in match.groups())
    try:
        return time(h1, m1), time(h2, m2)
    except ValueError as exc:
        raise CalendarConfigError(f"invalid time in {text!r} for {weekday!r}: {exc}") from exc


def _parse_hours(hours: Mapping[str, str]) -> dict[int, tuple[time, time]]:
    parsed: dict[int, tuple[time, time]] = {}
    seen: set[int] = set()
    for name, text in hours.items():
        weekday = _parse_weekday(name)
        if weekday in seen:
            raise CalendarConfigError(f"weekday {_WEEKDAYS[weekday]} is given more than once")
        seen.add(weekday)
        if text is None or str(text).strip().lower() in ("", "closed"):
            continue  # lets a config switch a default day off, e.g. {"sat": "closed"}
        parsed[weekday] = _parse_range(name, text)
    return parsed


def _parse_date(value: date | str) -> date:
    if isinstance(value, datetime):
        raise CalendarConfigError(f"closed date must be a date, not a datetime: {value!r}")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError as exc:
        raise CalendarConfigError(f"cannot parse closed date {value!r}; use YYYY-MM-DD") from exc


@dataclass(frozen=True)
class WorkCalendar:
    """Opening hours per weekday, minus public holidays, joint leave and city-closed dates."""

    tz: ZoneInfo
    hours: Mapping[int, tuple[time, time]]
    extra_closed: frozenset[date] = frozenset()
    country: str = "ID"
    categories: tuple[str, ...] = ("public", "government")

    def __post_init__(self) -> None:
        for weekday, (opens, closes) in self.hours.items():
            if weekday not in range(7):
                raise CalendarConfigError(f"weekday must be 0 (Monday) to 6, got {weekday!r}")
            if closes <= opens:
                raise CalendarConfigError(
                    f"closing time {closes:%H:%M} is not after opening time {opens:%H:%M} "
                    f"on {_WEEKDAYS[weekday]}"
                )
        if not self.hours:
            raise CalendarConfigError("the calendar has no working day at all")
        # Freeze the inputs so a shared calendar cannot be changed under a running sweep.
        object.__setattr__(self, "hours", MappingProxyType(dict(self.hours)))
        object.__setattr__(self, "extra_closed", frozenset(self.extra_closed))
        object.__setattr__(self, "categories", tuple(self.categories))
        # Day windows, computed once per date: reports and digests measure thousands of
        # tickets' lateness, each a walk over the same few days.
        object.__setattr__(self, "_windows", {})
        # Working time from _EPOCH to each later midnight, extended on demand, so a span
        # of many days costs two lookups instead of a walk.
        object.__setattr__(self, "_before", [timedelta(0)])
        object.__setattr__(self, "_lock", threading.Lock())

    def __hash__(self) -> int:
        return hash((self.tz, tuple(sorted(self.hours.items())), self.extra_closed,
                     self.country, self.categories))

    @classmethod
    def from_config(
        cls,
        hours: Mapping[str, str] | None = None,
        extra_closed: Iterable[date | str] = (),
        tz: str = "Asia/Jakarta",
    ) -> WorkCalendar:
        """Build a calendar from text like {"fri": "08:00-11:00"}; default Mon-Fri 08:00-16:00."""
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarConfigError(f"unknown time zone {tz!r}") from exc
        parsed = _parse_hours(_DEFAULT_HOURS if hours is None else hours)
        closed = frozenset(_parse_date(value) for value in extra_closed)
        return cls(tz=zone, hours=parsed, extra_closed=closed)

    def holiday_name(self, d: date) -> str | None:
        """Name of the public holiday or joint leave day on `d`, or None."""
        return _holidays_in(self.country, self.categories, d.year).get(d)

    def is_working_day(self, d: date) -> bool:
        """True if `d` has opening hours and is neither a holiday nor a city-closed date."""
        return (
            d.weekday() in self.hours
            and d not in self.extra_closed
            and d not in _holidays_in(self.country, self.categories, d.year)
        )

    def working_day_length(self, d: date) -> timedelta:
        """Working time on day `d`; zero when closed."""
        window = self._window(d)
        return _span(*window) if window else timedelta(0)

    def next_opening(self, instant: datetime) -> datetime:
        """`instant` if inside working hours (closing time is outside), else the next opening."""
        _require_aware(instant, "instant")
        return self._position_and_close(instant)[0]

    def add_working_time(self, start: datetime, amount: timedelta) -> datetime:
        """The instant `amount` of working time after `start`.

        A zero amount gives `start` unchanged when inside working hours, else the next opening.
        An amount that uses up a day exactly ends at that day's closing time, not the next opening.
        """
        _require_aware(start, "start")
        if amount < timedelta(0):
            raise ValueError(f"amount must not be negative, got {amount}")
        current, closes = self._position_and_close(start)
        remaining = amount
        while True:
            available = _span(current, closes)
            if remaining <= available:
                # `<=`: an amount that fills the day exactly ends at closing time.
                return (current.astimezone(UTC) + remaining).astimezone(self.tz)
            remaining -= available
            current, closes = self._position_and_close(closes)

    def working_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from `a` to `b`; zero if `b` is not after `a`."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b <= a:
            return timedelta(0)
        a_utc, b_utc = a.astimezone(UTC), b.astimezone(UTC)
        first, last = a.astimezone(self.tz).date(), b.astimezone(self.tz).date()
        if first == last:
            return self._overlap(first, a_utc, b_utc)
        between = self._days_between(first + _ONE_DAY, last)
        return self._overlap(first, a_utc, b_utc) + between + self._overlap(last, a_utc, b_utc)

    def working_times_to(self, starts: Iterable[datetime], end: datetime) -> list[timedelta]:
        """`working_time_between(a, end)` for each `a` of `starts`, with one shared `end`.

        Both ends become positions on the cumulative working time since 2000 (the
        midnight's total plus the day's part), so each start costs a lookup, not a span."""
        _require_aware(end, "end")
        end = end.astimezone(UTC)          # compared with each start: same zone is cheaper
        end_mark = self._mark(end)
        out = []
        for start in starts:
            _require_aware(start, "start")
            mark = self._mark(start) if end_mark is not None and start < end else None
            out.append(timedelta(0) if end <= start else end_mark - mark if mark is not None
                       else self.working_time_between(start, end))
        return out

    def _mark(self, instant: datetime) -> timedelta | None:
        """Working time from _EPOCH to `instant`; None outside the cumulative range."""
        day = instant.astimezone(self.tz).date()
        j = (day - _EPOCH).days
        if j < 0 or j >= _CUMULATIVE_DAYS:
            return None
        before = self._before if j < len(self._before) else self._extend(j)
        window = self._windows.get(day) or self._windows_of(day)
        if not window:
            return before[j]
        # Same-zone (UTC) instants compare and subtract without offset lookups.
        moment = instant if instant.tzinfo is UTC else instant.astimezone(UTC)
        if moment <= window[2]:
            return before[j]
        return before[j] + (min(moment, window[3]) - window[2])

    def _overlap(self, d: date, a_utc: datetime, b_utc: datetime) -> timedelta:
        """Working time on day `d` inside [a, b] (UTC instants)."""
        window = self._windows_of(d)
        if not window:
            return timedelta(0)
        start = window[2] if window[2] > a_utc else a_utc
        end = window[3] if window[3] < b_utc else b_utc
        return end - start if end > start else timedelta(0)

    def _days_between(self, first: date, stop: date) -> timedelta:
        """Working time of the whole days from `first` up to (not including) `stop`."""
        if first >= stop:
            return timedelta(0)
        i, j = (first - _EPOCH).days, (stop - _EPOCH).days
        if i < 0 or j > _CUMULATIVE_DAYS:
            total, day = timedelta(0), first
            while day < stop:
                window = self._windows_of(day)
                total += window[3] - window[2] if window else timedelta(0)
                day += _ONE_DAY
            return total
        before = self._before if j < len(self._before) else self._extend(j)
        return before[j] - before[i]

    def _extend(self, j: int) -> list[timedelta]:
        """The cumulative list, grown to hold index `j`."""
        with self._lock:
            before = self._before
            while len(before) <= j:
                window = self._windows_of(_EPOCH + timedelta(days=len(before) - 1))
                before.append(before[-1] + (window[3] - window[2] if window else timedelta(0)))
        return before

    def _window(self, d: date) -> tuple[datetime, datetime] | None:
        window = self._windows_of(d)
        return window[:2] if window else None

    def _windows_of(self, d: date) -> tuple[datetime, datetime, datetime, datetime] | None:
        """(opens, closes) in the calendar's zone and again in UTC; None when closed."""
        try:
            return self._windows[d]
        except KeyError:
            pass
        window = None
        if self.is_working_day(d):
            opens, closes = self.hours[d.weekday()]
            local = (datetime.combine(d, opens, tzinfo=self.tz),
                     datetime.combine(d, closes, tzinfo=self.tz))
            window = (*local, local[0].astimezone(UTC), local[1].astimezone(UTC))
        self._windows[d] = window
        return window

    def _position_and_close(self, instant: datetime) -> tuple[datetime, datetime]:
        # The first working instant at/after `instant`, with the close of its window; a
        # closing time itself counts as outside, so the day's window is then skipped.
        local = instant.astimezone(self.tz)
        day = local.date()
        for _ in range(_MAX_CLOSED_RUN_DAYS):
            window = self._window(day)
            if window and local < window[1]:
                return max(local, window[0]), window[1]
            day += _ONE_DAY
        raise CalendarConfigError(f"no working day within {_MAX_CLOSED_RUN_DAYS} days of {instant}")
