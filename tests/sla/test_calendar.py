from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sla.calendar import CalendarConfigError, WorkCalendar

WIB = ZoneInfo("Asia/Jakarta")
ONE_DAY_SLA = timedelta(minutes=480)
CAL = WorkCalendar.from_config()


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# --- the calendar itself -------------------------------------------------------------------


def test_default_calendar_is_monday_to_friday_eight_to_four():
    assert CAL.working_day_length(date(2026, 11, 23)) == hours(8)  # Monday
    assert CAL.working_day_length(date(2026, 11, 27)) == hours(8)  # Friday
    assert CAL.working_day_length(date(2026, 11, 28)) == timedelta(0)  # Saturday
    assert CAL.working_day_length(date(2026, 11, 29)) == timedelta(0)  # Sunday


def test_nyepi_idul_fitri_and_joint_leave_are_closed():
    for day in range(18, 25):
        d = date(2026, 3, day)
        assert not CAL.is_working_day(d), d
        assert CAL.holiday_name(d), d
    assert CAL.is_working_day(date(2026, 3, 17))
    assert CAL.is_working_day(date(2026, 3, 25))
    assert CAL.holiday_name(date(2026, 3, 25)) is None


def test_joint_leave_comes_from_the_government_category():
    public_only = WorkCalendar(tz=WIB, hours=CAL.hours, categories=("public",))
    joint_leave = date(2026, 3, 23)  # Eid al-Fitr joint leave (cuti bersama), a Monday
    assert public_only.is_working_day(joint_leave)
    assert not CAL.is_working_day(joint_leave)


def test_extra_closed_dates_from_strings_and_dates():
    cal = WorkCalendar.from_config(extra_closed=["2026-11-24", date(2026, 11, 25)])
    assert not cal.is_working_day(date(2026, 11, 24))
    assert not cal.is_working_day(date(2026, 11, 25))
    assert cal.working_day_length(date(2026, 11, 24)) == timedelta(0)
    assert cal.add_working_time(wib(2026, 11, 23, 10), ONE_DAY_SLA) == wib(2026, 11, 26, 10)


def test_shorter_friday_from_config():
    cal = WorkCalendar.from_config(
        {"mon": "08:00-16:00", "tue": "08:00-16:00", "wed": "08:00-16:00",
         "thu": "08:00-16:00", "fri": "08:00-11:00"}
    )
    assert cal.working_day_length(date(2026, 11, 27)) == hours(3)
    # Friday 10:00-11:00 gives 60 minutes; the other 420 run Monday 08:00-15:00.
    assert cal.add_working_time(wib(2026, 11, 27, 10), ONE_DAY_SLA) == wib(2026, 11, 30, 15)
    assert CAL.add_working_time(wib(2026, 11, 27, 10), ONE_DAY_SLA) == wib(2026, 11, 30, 10)
    assert cal.next_opening(wib(2026, 11, 27, 12)) == wib(2026, 11, 30, 8)


def test_weekday_names_are_case_insensitive_and_may_be_closed():
    cal = WorkCalendar.from_config({"Monday": "07:30-15:30", "SAT": "08:00-12:00", "sun": "closed"})
    assert cal.hours == {0: (time(7, 30), time(15, 30)), 5: (time(8), time(12))}


# --- configuration errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({}, "no working day"),
        ({"mon": "closed", "tue": ""}, "no working day"),
        ({"mon": "16:00-08:00"}, "not after opening"),
        ({"mon": "08:00-08:00"}, "not after opening"),
        ({"funday": "08:00-16:00"}, "unknown weekday"),
        ({"mon": "8am-4pm"}, "cannot parse hours"),
        ({"mon": "25:00-26:00"}, "invalid time"),
        ({"mon": "08:00-16:00", "monday": "09:00-10:00"}, "more than once"),
    ],
)
def test_bad_hours_are_rejected_with_a_clear_message(config, message):
    with pytest.raises(CalendarConfigError, match=message):
        WorkCalendar.from_config(config)


def test_bad_closed_date_and_time_zone_are_rejected():
    with pytest.raises(CalendarConfigError, match="closed date"):
        WorkCalendar.from_config(extra_closed=["2026-13-01"])
    with pytest.raises(CalendarConfigError, match="time zone"):
        WorkCalendar.from_config(tz="Asia/Nowhere")


def test_direct_construction_is_validated_too():
    with pytest.raises(CalendarConfigError, match="no working day"):
        WorkCalendar(tz=WIB, hours={})
    with pytest.raises(CalendarConfigError, match="not after opening"):
        WorkCalendar(tz=WIB, hours={4: (time(15), time(8))})
    with pytest.raises(CalendarConfigError, match="weekday"):
        WorkCalendar(tz=WIB, hours={7: (time(8), time(16))})
    assert issubclass(CalendarConfigError, ValueError)


def test_naive_instants_are_refused():
    naive = datetime(2026, 11, 23, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.next_opening(naive)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.add_working_time(naive, ONE_DAY_SLA)
    with pytest.raises(ValueError, match="timezone-aware"):
        CAL.working_time_between(wib(2026, 11, 23), naive)


def test_negative_amount_is_refused():
    with pytest.raises(ValueError, match="negative"):
        CAL.add_working_time(wib(2026, 11, 23, 10), timedelta(minutes=-1))


# --- next_opening and add_working_time -----------------------------------------------------


@pytest.mark.parametrize(
    ("instant", "opening"),
    [
        (wib(2026, 11, 23, 10), wib(2026, 11, 23, 10)),  # inside hours: itself
        (wib(2026, 11, 23, 8), wib(2026, 11, 23, 8)),  # exactly at opening: itself
        (wib(2026, 11, 23, 7, 59), wib(2026, 11, 23, 8)),  # early morning
        (wib(2026, 11, 23, 16), wib(2026, 11, 24, 8)),  # closing time is outside
        (wib(2026, 11, 23, 20), wib(2026, 11, 24, 8)),  # evening
        (wib(2026, 11, 29, 10), wib(2026, 11, 30, 8)),  # Sunday
        (wib(2026, 8, 17, 10), wib(2026, 8, 18, 8)),  # Independence Day (a Monday)
        (wib(2026, 3, 17, 17), wib(2026, 3, 25, 8)),  # before the long Lebaran closure
    ],
)
def test_next_opening(instant, opening):
    assert CAL.next_opening(instant) == opening


def test_zero_amount_keeps_an_inside_instant_and_moves_an_outside_one():
    assert CAL.add_working_time(wib(2026, 11, 23, 10, 7), timedelta(0)) == wib(2026, 11, 23, 10, 7)
    assert CAL.add_working_time(wib(2026, 11, 28, 10), timedelta(0)) == wib(2026, 11, 30, 8)


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (wib(2026, 11, 23, 20), wib(2026, 11, 24, 16)),  # evening: clock starts Tue 08:00
        (wib(2026, 11, 29, 10), wib(2026, 11, 30, 16)),  # Sunday
        (wib(2026, 8, 17, 10), wib(2026, 8, 18, 16)),  # on a holiday
    ],
)
def test_start_outside_hours_runs_from_the_next_opening(start, expected):
    assert CAL.add_working_time(start, ONE_DAY_SLA) == expected


def test_amount_ending_exactly_at_closing_time_returns_closing_time():
    assert CAL.add_working_time(wib(2026, 11, 23, 8), ONE_DAY_SLA) == wib(2026, 11, 23, 16)
    assert CAL.add_working_time(wib(2026, 11, 23, 12), hours(4)) == wib(2026, 11, 23, 16)
    assert CAL.add_working_time(wib(2026, 11, 28, 9), ONE_DAY_SLA) == wib(2026, 11, 30, 16)


def test_christmas_and_new_year_across_two_years():
    # Dec 24-25 closed, weekend, Jan 1 closed, weekend, Jan 5 2027 Isra' Mi'raj closed.
    assert CAL.add_working_time(wib(2026, 12, 23, 10), hours(8)) == wib(2026, 12, 28, 10)
    assert CAL.add_working_time(wib(2026, 12, 23, 10), hours(48)) == wib(2027, 1, 6, 10)


def test_long_amounts_spanning_years_still_work():
    start = wib(2026, 1, 5, 8)
    end = CAL.add_working_time(start, hours(8 * 600))
    assert end.year == 2028
    assert CAL.working_time_between(start, end) == hours(8 * 600)


def test_utc_input_gives_the_same_instant_in_the_calendar_zone():
    from_utc = CAL.add_working_time(datetime(2026, 11, 23, 3, tzinfo=UTC), ONE_DAY_SLA)
    assert from_utc == wib(2026, 11, 24, 10)
    assert from_utc.tzinfo == WIB
    assert from_utc.hour == 10
    # 01:00 UTC on Monday is 08:00 WIB: already open, though it is "night" in UTC.
    assert CAL.next_opening(datetime(2026, 11, 23, 1, tzinfo=UTC)).hour == 8


def test_durations_are_real_time_across_a_daylight_saving_change():
    # Amsterdam skips 02:00-03:00 on Sun 2026-03-29, so that day's 00:00-12:00 lasts 11 hours.
    ams = ZoneInfo("Europe/Amsterdam")
    cal = WorkCalendar.from_config({"sun": "00:00-12:00"}, tz="Europe/Amsterdam")
    midnight = datetime(2026, 3, 29, tzinfo=ams)
    assert cal.working_day_length(midnight.date()) == hours(11)
    assert cal.working_time_between(midnight, datetime(2026, 3, 29, 12, tzinfo=ams)) == hours(11)
    assert cal.add_working_time(midnight, hours(3)) == datetime(2026, 3, 29, 4, tzinfo=ams)


def test_a_calendar_closed_for_years_on_end_raises_instead_of_looping():
    mondays = [date(2026, 11, 23) + timedelta(weeks=n) for n in range(600)]
    cal = WorkCalendar.from_config({"mon": "08:00-16:00"}, extra_closed=mondays)
    with pytest.raises(CalendarConfigError, match="no working day within"):
        cal.next_opening(wib(2026, 11, 23, 10))


# --- working_time_between ------------------------------------------------------------------


def test_working_time_between_across_a_weekend():
    assert CAL.working_time_between(wib(2026, 11, 27, 15), wib(2026, 11, 30, 9)) == hours(2)


def test_working_time_between_across_holidays():
    assert CAL.working_time_between(wib(2026, 3, 17, 10), wib(2026, 3, 25, 10)) == hours(8)
    # Fri 15:00-16:00 plus Tue 08:00-09:00; Mon 2026-08-17 is Independence Day.
    assert CAL.working_time_between(wib(2026, 8, 14, 15), wib(2026, 8, 18, 9)) == hours(2)


def test_working_time_between_is_zero_when_not_forward_and_mixes_zones():
    assert CAL.working_time_between(wib(2026, 11, 24), wib(2026, 11, 23)) == timedelta(0)
    assert CAL.working_time_between(wib(2026, 11, 23, 9), wib(2026, 11, 23, 9)) == timedelta(0)
    utc_end = datetime(2026, 11, 23, 5, tzinfo=UTC)  # 12:00 WIB
    assert CAL.working_time_between(wib(2026, 11, 23, 9), utc_end) == hours(3)


# --- properties ----------------------------------------------------------------------------

SHORT_FRIDAY_SATURDAY = WorkCalendar.from_config(
    {"mon": "08:00-16:00", "tue": "08:00-16:00", "wed": "08:00-16:00",
     "thu": "08:00-16:00", "fri": "08:00-11:00", "sat": "09:00-12:30"},
    extra_closed=["2026-11-24"],
)
calendars = st.sampled_from([CAL, SHORT_FRIDAY_SATURDAY])
instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31),
    timezones=st.sampled_from([WIB, UTC]),
)
amounts = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=30))


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=instants, amount=amounts)
def test_between_undoes_add(cal, start, amount):
    end = cal.add_working_time(start, amount)
    assert end >= start
    assert end.tzinfo == cal.tz
    assert cal.working_time_between(start, end) == amount
    opens, closes = cal.hours[end.weekday()]
    assert cal.is_working_day(end.date()) and opens <= end.time() <= closes


@settings(max_examples=300, deadline=None)
@given(cal=calendars, start=instants, a=amounts, b=amounts)
def test_add_is_monotonic_in_amount(cal, start, a, b):
    small, large = sorted((a, b))
    assert cal.add_working_time(start, small) <= cal.add_working_time(start, large)


AMSTERDAM_SUNDAYS = WorkCalendar.from_config({"sun": "00:00-12:00", "mon": "08:00-16:00"},
                                             tz="Europe/Amsterdam")


@settings(max_examples=300, deadline=None)
@given(cal=st.sampled_from([CAL, SHORT_FRIDAY_SATURDAY, AMSTERDAM_SUNDAYS]),
       starts=st.lists(instants, max_size=8), end=instants)
def test_working_times_to_one_end_equal_each_span(cal, starts, end):
    # The report measures every open ticket's lateness against the same `now` at once.
    assert cal.working_times_to(starts, end) == [cal.working_time_between(s, end)
                                                 for s in starts]


def test_working_times_to_outside_the_cumulative_range_walks_day_by_day():
    old, new = wib(1999, 12, 30, 9), wib(2000, 1, 4, 10)
    assert CAL.working_times_to([old, new], wib(2000, 1, 5, 9)) == [
        CAL.working_time_between(old, wib(2000, 1, 5, 9)), hours(7)]
