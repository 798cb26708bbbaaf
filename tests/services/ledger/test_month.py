"""Months as typed at every door: one rule, `YYYY-MM` from 2000-01 to 2099-12."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from services.ledger.month import FIRST_MONTH, LAST_MONTH, MonthError, month_bounds, parse_month

WIB = ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize("text", ["2026-11", " 2026-11 ", FIRST_MONTH, LAST_MONTH])
def test_a_month_in_range_is_read(text):
    assert parse_month(text) == text.strip()
    start, end = month_bounds(text.strip(), WIB)
    assert start < end


@pytest.mark.parametrize("text", ["0000-01", "0001-01", "1999-12", "2100-01", "9999-12",
                                  "2026-13", "2026-00", "2026-1", "26-11", "november", "",
                                  "２０２６-１１", "２０２６-11", "2026-11-01", "+2026-11"])
def test_anything_else_is_refused_before_any_date_is_made(text):
    with pytest.raises(MonthError):
        parse_month(text)
    with pytest.raises(MonthError):
        month_bounds(text, WIB)
