"""Pure SLA time rules: the working calendar and a ticket's clock. No database, no `now`."""

from .calendar import CalendarConfigError, WorkCalendar
from .clock import (
    FINAL,
    PAUSED,
    RUNNING,
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

__all__ = [
    "FINAL",
    "PAUSED",
    "RUNNING",
    "CalendarConfigError",
    "StatusChange",
    "WorkCalendar",
    "clock_start",
    "deadline",
    "elapsed",
    "instant_when_elapsed",
    "is_breached",
    "lateness",
    "reminder_at",
    "running_intervals",
]
