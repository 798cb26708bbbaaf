"""Months as `YYYY-MM`, bounded in the app's zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class MonthError(ValueError):
    """Not a `YYYY-MM` month."""


def parse_month(text: str) -> str:
    """Check `YYYY-MM`; raise MonthError otherwise."""
    if not _MONTH.match(text.strip()):
        raise MonthError(f"{text!r} bukan bulan YYYY-MM, contoh: 2026-11")
    return text.strip()


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
