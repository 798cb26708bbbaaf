"""Dates as staff type them: `25-11-2026`, `25/11/2026`, `2026-11-25`, `hari ini`, `besok`,
`kemarin` (read against today's date in the app's zone)."""

from __future__ import annotations

import re
from datetime import date, timedelta

_DMY = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = {"besok": 1, "kemarin": -1, "lusa": 2}


def _calendar_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def read_date(word: str, today: date) -> date | None:
    """One word as a date, or None."""
    text = word.strip().lower().rstrip(",")
    if text in _WORDS:
        return today + timedelta(days=_WORDS[text])
    if found := _DMY.match(text):
        return _calendar_date(int(found[3]), int(found[2]), int(found[1]))
    if found := _YMD.match(text):
        return _calendar_date(int(found[1]), int(found[2]), int(found[3]))
    return None


def take_date(words: list[str], at: int, today: date) -> tuple[date, int] | None:
    """The date starting at `words[at]` and the index after it (`hari ini` is two words)."""
    if at >= len(words):
        return None
    if words[at].lower() == "hari" and at + 1 < len(words) and \
            words[at + 1].lower().rstrip(",") == "ini":
        return today, at + 2
    found = read_date(words[at], today)
    return (found, at + 1) if found is not None else None


def parse_day(text: str, today: date) -> date | None:
    """The whole text as one date (empty text: today), or None."""
    words = text.split()
    if not words:
        return today
    found = take_date(words, 0, today)
    return found[0] if found is not None and found[1] == len(words) else None
