"""The digest's period: since 00:00 of the previous working day, to 00:00 of the digest date."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sla.calendar import WorkCalendar
from sla.digest_period import digest_period, month_start, previous_working_day

WIB = ZoneInfo("Asia/Jakarta")
CAL = WorkCalendar.from_config()


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


@pytest.mark.parametrize("digest_date, first, last", [
    (date(2026, 11, 24), date(2026, 11, 23), date(2026, 11, 23)),   # Tuesday: Monday
    (date(2026, 11, 30), date(2026, 11, 27), date(2026, 11, 29)),   # Monday: Friday to Sunday
    (date(2026, 12, 28), date(2026, 12, 23), date(2026, 12, 27)),   # after Christmas leave
    (date(2026, 3, 25), date(2026, 3, 17), date(2026, 3, 24)),      # after Nyepi and Idul Fitri
])
def test_period_runs_from_the_previous_working_day_to_the_digest_date(digest_date, first, last):
    period = digest_period(CAL, digest_date)
    assert (period.first_day, period.last_day, period.live) == (first, last, False)
    assert period.start == wib(first.year, first.month, first.day)
    assert period.end == wib(digest_date.year, digest_date.month, digest_date.day)


def test_a_live_period_runs_to_now():
    now = wib(2026, 11, 30, 10, 15)
    period = digest_period(CAL, date(2026, 11, 30), until=now)
    assert (period.start, period.end, period.live) == (wib(2026, 11, 27), now, True)
    assert period.last_day == date(2026, 11, 30)


def test_a_city_closed_date_is_skipped_too():
    cal = WorkCalendar.from_config(extra_closed=["2026-11-27"])
    assert previous_working_day(cal, date(2026, 11, 30)) == date(2026, 11, 26)


def test_month_start_is_midnight_wib_on_the_first():
    assert month_start(date(2026, 11, 23), CAL) == wib(2026, 11, 1)


@given(st.dates(min_value=date(2025, 1, 2), max_value=date(2027, 12, 31)))
def test_consecutive_working_days_periods_tile_without_gap_or_overlap(day):
    """Each working day's digest starts where the previous one's ended: nothing is missed."""
    if not CAL.is_working_day(day):
        day = previous_working_day(CAL, day)
    before = previous_working_day(CAL, day)
    assert digest_period(CAL, before).end == digest_period(CAL, day).start
    assert digest_period(CAL, day).end - digest_period(CAL, day).start >= timedelta(days=1)
