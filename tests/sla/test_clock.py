from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sla.calendar import WorkCalendar
from sla.clock import (
    StatusChange,
    clock_start,
    deadline,
    elapsed,
    instant_when_elapsed,
    is_breached,
    lateness,
    reminder_at,
    running_intervals,
)

WIB = ZoneInfo("Asia/Jakarta")
SLA = timedelta(minutes=480)  # KTP / KK: one working day
CAL = WorkCalendar.from_config()


def wib(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=WIB)


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def history(*changes: tuple[datetime, str]) -> list[StatusChange]:
    return [StatusChange(at, status) for at, status in changes]


def submitted(at: datetime) -> list[StatusChange]:
    return history((at, "new"))


# --- SPEC section 4 worked examples --------------------------------------------------------


def test_spec_monday_morning_is_due_tuesday_same_time():
    assert deadline(CAL, submitted(wib(2026, 11, 23, 10)), SLA) == wib(2026, 11, 24, 10)


def test_spec_friday_afternoon_runs_over_the_weekend():
    assert deadline(CAL, submitted(wib(2026, 11, 27, 15)), SLA) == wib(2026, 11, 30, 15)


def test_spec_saturday_submission_is_due_monday_closing_time():
    assert deadline(CAL, submitted(wib(2026, 11, 28, 9)), SLA) == wib(2026, 11, 30, 16)


def test_spec_nyepi_idul_fitri_and_joint_leave():
    assert deadline(CAL, submitted(wib(2026, 3, 17, 10)), SLA) == wib(2026, 3, 25, 10)


def test_spec_waiting_for_the_citizen_pauses_the_clock():
    paused = history(
        (wib(2026, 11, 23, 10), "new"),
        (wib(2026, 11, 23, 11), "waiting_citizen"),
    )
    assert deadline(CAL, paused, SLA) is None  # unknowable until the citizen answers
    resumed = [*paused, StatusChange(wib(2026, 11, 24, 9), "in_progress")]
    assert elapsed(CAL, resumed, wib(2026, 11, 24, 9)) == minutes(60)
    assert deadline(CAL, resumed, SLA) == wib(2026, 11, 24, 16)


# --- running intervals ---------------------------------------------------------------------


def test_running_intervals_merge_running_statuses_and_close_on_pause_and_final():
    changes = history(
        (wib(2026, 11, 23, 10), "new"),
        (wib(2026, 11, 23, 10, 30), "in_progress"),
        (wib(2026, 11, 23, 11), "waiting_citizen"),
        (wib(2026, 11, 24, 9), "in_progress"),
        (wib(2026, 11, 24, 12), "resolved"),
    )
    assert running_intervals(changes) == [
        (wib(2026, 11, 23, 10), wib(2026, 11, 23, 11)),
        (wib(2026, 11, 24, 9), wib(2026, 11, 24, 12)),
    ]
    assert running_intervals(changes[:4])[-1] == (wib(2026, 11, 24, 9), None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ([], "at least the submission"),
        (history((wib(2026, 11, 23, 10), "waiting_citizen")), "submission"),
        (history((wib(2026, 11, 23, 10), "new"), (wib(2026, 11, 23, 9), "resolved")), "order"),
        (history((wib(2026, 11, 23, 10), "new"), (wib(2026, 11, 23, 11), "done")), "unknown"),
        (history((datetime(2026, 11, 23, 10), "new")), "timezone-aware"),
    ],
)
def test_bad_history_is_refused(changes, message):
    with pytest.raises(ValueError, match=message):
        running_intervals(changes)


# --- clock start and submission outside hours ----------------------------------------------


@pytest.mark.parametrize(
    ("submitted_at", "starts", "due"),
    [
        (wib(2026, 11, 23, 10), wib(2026, 11, 23, 10), wib(2026, 11, 24, 10)),  # inside hours
        (wib(2026, 11, 23, 19), wib(2026, 11, 24, 8), wib(2026, 11, 24, 16)),  # evening
        (wib(2026, 11, 29, 10), wib(2026, 11, 30, 8), wib(2026, 11, 30, 16)),  # Sunday
        (wib(2026, 8, 17, 9), wib(2026, 8, 18, 8), wib(2026, 8, 18, 16)),  # Independence Day
    ],
)
def test_clock_starts_at_submission_or_next_opening(submitted_at, starts, due):
    assert clock_start(CAL, submitted_at) == starts
    assert deadline(CAL, submitted(submitted_at), SLA) == due


def test_deadline_landing_exactly_at_closing_time():
    assert deadline(CAL, submitted(wib(2026, 11, 23, 8)), SLA) == wib(2026, 11, 23, 16)


# --- pauses ---------------------------------------------------------------------------------


def test_pause_spanning_a_holiday():
    # 60 minutes run on Friday; the citizen answers on Independence Day (Mon 2026-08-17),
    # so the clock resumes Tuesday 08:00 with 420 minutes left.
    changes = history(
        (wib(2026, 8, 14, 14), "new"),
        (wib(2026, 8, 14, 15), "waiting_citizen"),
        (wib(2026, 8, 17, 12), "in_progress"),
    )
    assert elapsed(CAL, changes, wib(2026, 8, 18, 8)) == minutes(60)
    assert deadline(CAL, changes, SLA) == wib(2026, 8, 18, 15)


def test_two_pauses():
    changes = history(
        (wib(2026, 11, 23, 10), "new"),
        (wib(2026, 11, 23, 11), "waiting_citizen"),
        (wib(2026, 11, 23, 13), "in_progress"),
        (wib(2026, 11, 23, 14), "waiting_citizen"),
        (wib(2026, 11, 24, 10), "in_progress"),
    )
    assert elapsed(CAL, changes, wib(2026, 11, 24, 12)) == minutes(120 + 120)
    assert deadline(CAL, changes, SLA) == wib(2026, 11, 24, 16)
    assert reminder_at(CAL, changes, SLA) == wib(2026, 11, 24, 14)  # 360 minutes


def test_deadline_reached_before_a_pause_stays_known():
    changes = history((wib(2026, 11, 23, 10), "new"), (wib(2026, 11, 25, 10), "waiting_citizen"))
    assert deadline(CAL, changes, SLA) == wib(2026, 11, 24, 10)


def test_closed_before_reaching_the_sla_has_no_deadline():
    changes = history((wib(2026, 11, 23, 10), "new"), (wib(2026, 11, 23, 12), "resolved"))
    assert deadline(CAL, changes, SLA) is None
    assert instant_when_elapsed(CAL, changes, minutes(90)) == wib(2026, 11, 23, 11, 30)
    assert elapsed(CAL, changes, wib(2026, 11, 23, 11)) == minutes(60)  # `now` mid-interval
    assert elapsed(CAL, changes, wib(2026, 12, 1, 12)) == minutes(120)


def test_sla_used_up_exactly_when_the_clock_stopped():
    # 480 minutes ran before the close, so the deadline was reached at the close itself.
    changes = history((wib(2026, 11, 23, 10), "new"), (wib(2026, 11, 24, 10), "resolved"))
    assert deadline(CAL, changes, SLA) == wib(2026, 11, 24, 10)
    # Paused in the evening after a full day: the SLA ran out at closing time.
    evening = history((wib(2026, 11, 23, 8), "new"), (wib(2026, 11, 23, 19), "waiting_citizen"))
    assert deadline(CAL, evening, SLA) == wib(2026, 11, 23, 16)


def test_reopened_ticket_resumes_its_clock():
    changes = history(
        (wib(2026, 11, 23, 10), "new"),
        (wib(2026, 11, 23, 12), "resolved"),
        (wib(2026, 11, 24, 8), "in_progress"),
    )
    assert deadline(CAL, changes, SLA) == wib(2026, 11, 24, 14)


# --- elapsed, reminder -----------------------------------------------------------------------


def test_elapsed_counts_only_working_time_up_to_now():
    changes = submitted(wib(2026, 11, 27, 15))
    assert elapsed(CAL, changes, wib(2026, 11, 27, 14)) == timedelta(0)  # before submission
    assert elapsed(CAL, changes, wib(2026, 11, 29, 12)) == minutes(60)  # weekend adds nothing
    assert elapsed(CAL, changes, wib(2026, 11, 30, 9)) == minutes(120)


def test_reminder_at_three_quarters_of_the_sla():
    # 360 minutes from Mon 10:00 fill the day exactly: Mon 16:00, not Tue 08:00.
    assert reminder_at(CAL, submitted(wib(2026, 11, 23, 10)), SLA) == wib(2026, 11, 23, 16)
    assert reminder_at(CAL, submitted(wib(2026, 11, 23, 10)), SLA, 0.5) == wib(2026, 11, 23, 14)
    with pytest.raises(ValueError, match="fraction"):
        reminder_at(CAL, submitted(wib(2026, 11, 23, 10)), SLA, 1.5)


def test_deadline_is_the_same_for_utc_and_wib_history():
    utc_history = history(
        (datetime(2026, 11, 23, 3, tzinfo=UTC), "new"),
        (datetime(2026, 11, 23, 4, tzinfo=UTC), "waiting_citizen"),
        (datetime(2026, 11, 24, 2, tzinfo=UTC), "in_progress"),
    )
    due = deadline(CAL, utc_history, SLA)
    assert due == wib(2026, 11, 24, 16)
    assert due.tzinfo == WIB


# --- lateness and breach --------------------------------------------------------------------


def test_lateness_is_working_time_after_the_deadline():
    due = wib(2026, 11, 24, 10)
    assert lateness(CAL, due, wib(2026, 11, 24, 9)) == timedelta(0)
    assert lateness(CAL, due, due) == timedelta(0)
    # Tue 10:00-16:00 and Wed 08:00-09:00.
    assert lateness(CAL, due, wib(2026, 11, 25, 9)) == minutes(7 * 60)
    # Fri 15:00-16:00 only; the weekend does not count.
    assert lateness(CAL, wib(2026, 11, 27, 15), wib(2026, 11, 30, 8)) == minutes(60)


@pytest.mark.parametrize(
    ("status", "now", "breached"),
    [
        ("new", wib(2026, 11, 24, 9, 59), False),
        ("new", wib(2026, 11, 24, 10), True),
        ("in_progress", wib(2026, 11, 25, 10), True),
        ("waiting_citizen", wib(2026, 11, 25, 10), False),  # paused: clock stopped
        ("resolved", wib(2026, 11, 25, 10), False),
        ("rejected", wib(2026, 11, 25, 10), False),
        ("cancelled", wib(2026, 11, 25, 10), False),
    ],
)
def test_is_breached(status, now, breached):
    assert is_breached(wib(2026, 11, 24, 10), status, now) is breached


def test_no_deadline_is_never_breached_and_bad_input_is_refused():
    assert is_breached(None, "in_progress", wib(2030, 1, 1)) is False
    with pytest.raises(ValueError, match="unknown"):
        is_breached(wib(2026, 11, 24, 10), "closed", wib(2026, 11, 25))
    with pytest.raises(ValueError, match="timezone-aware"):
        is_breached(wib(2026, 11, 24, 10), "new", datetime(2026, 11, 25))
