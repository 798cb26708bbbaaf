"""Who is on leave on a given day, and when a leave begins to count (routing reads it)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from models import Leave
from sla.calendar import WorkCalendar


def covering(day: date) -> ColumnElement[bool]:
    """SQL: the leave covers `day` (within its dates, not ended before it)."""
    return and_(Leave.starts_on <= day, Leave.ends_on >= day,
                or_(Leave.cancelled_from.is_(None), Leave.cancelled_from > day))


def on_leave_ids(db: Session, staff_ids: Iterable[int | None], day: date) -> set[int]:
    """Which of these people are on leave on `day`."""
    wanted = {i for i in staff_ids if i is not None}
    if not wanted:
        return set()
    return set(db.scalars(select(Leave.staff_id).where(Leave.staff_id.in_(wanted),
                                                       covering(day))))


def first_working_minute(calendar: WorkCalendar, starts_on: date,
                         last_day: date) -> datetime | None:
    """The leave's first working instant, or None when its days hold no working time."""
    opening = calendar.next_opening(datetime.combine(starts_on, time(0), tzinfo=calendar.tz))
    return opening if opening.astimezone(calendar.tz).date() <= last_day else None
