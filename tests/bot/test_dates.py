"""Dates as staff type them in `CUTI` and `LAPORAN`."""

from __future__ import annotations

from datetime import date

import pytest

from bot.dates import parse_day, take_date

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("text, expected", [
    ("", TODAY), ("hari ini", TODAY), ("Hari Ini", TODAY), ("besok", date(2026, 11, 24)),
    ("kemarin", date(2026, 11, 22)), ("25-11-2026", date(2026, 11, 25)),
    ("5/1/2027", date(2027, 1, 5)), ("2026-12-01", date(2026, 12, 1)),
    ("31-02-2026", None), ("2026-13-01", None), ("25-11-26", None), ("senin", None),
    ("besok pagi", None), ("25-11-2026 27-11-2026", None),
])
def test_one_date(text, expected):
    assert parse_day(text, TODAY) == expected


def test_two_dates_and_a_reason_read_word_by_word():
    words = "hari ini 27-11-2026 anak sakit".split()
    first = take_date(words, 0, TODAY)
    assert first == (TODAY, 2)
    assert take_date(words, first[1], TODAY) == (date(2026, 11, 27), 3)
    assert take_date(words, 3, TODAY) is None
    assert take_date(words, 9, TODAY) is None
