"""Months as `YYYY-MM`, bounded in the app's zone.

Every door (dashboard, chat, CLI) reads a typed month through `parse_month`, so they share
one rule: a real month from `FIRST_MONTH` to `LAST_MONTH`. The service's records start in
this century; anything outside (`0000-01`, `9999-12`) is as unknown as `2026-13`, rather
than a date the calendar arithmetic cannot hold.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")   # ASCII digits only
FIRST_YEAR, LAST_YEAR = 2000, 2099
FIRST_MONTH, LAST_MONTH = f"{FIRST_YEAR}-01", f"{LAST_YEAR}-12"


class MonthError(ValueError):
    """Not a `YYYY-MM` month between FIRST_MONTH and LAST_MONTH."""


def parse_month(text: str) -> str:
    """Check `YYYY-MM` within FIRST_MONTH … LAST_MONTH; raise MonthError otherwise."""
    month = text.strip()
    found = _MONTH.match(month)
    if not found or not FIRST_YEAR <= int(found.group(1)) <= LAST_YEAR:
        raise MonthError(f"{text!r} is not a month from {FIRST_MONTH} to {LAST_MONTH}")
    return month


def next_month(month: str) -> str:
    """`2026-12` → `2027-01`."""
    year, mon = map(int, month.split("-"))
    return f"{year + mon // 12}-{mon % 12 + 1:02d}"


def previous_month(month: str) -> str:
    """`2027-01` → `2026-12`."""
    year, mon = map(int, month.split("-"))
    return f"{year - 1}-12" if mon == 1 else f"{year}-{mon - 1:02d}"


def month_bounds(month: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """[start, end) of the month in `zone`, as UTC instants."""
    year, mon = map(int, parse_month(month).split("-"))
    nyear, nmon = map(int, next_month(month).split("-"))
    start = datetime(year, mon, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(nyear, nmon, 1, tzinfo=zone).astimezone(UTC)
    return start, end


def month_of_instant(instant: datetime, zone: ZoneInfo) -> str:
    """The `YYYY-MM` an instant falls in, in `zone`."""
    return instant.astimezone(zone).strftime("%Y-%m")
