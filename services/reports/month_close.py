"""Month close: freeze the previous month's report so it never changes again."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from models import MonthClose
from services.core.runtime import Runtime
from services.ledger.entries import accrue_late_days
from services.ledger.month import month_of_instant, previous_month
from services.reports.monthly import compute_report


class MonthNotOver(ValueError):
    """Only a month that has ended can be closed."""

    def __init__(self, month: str) -> None:
        super().__init__(month)
        self.month = month


def close_month(rt: Runtime, month: str) -> bool:
    """Freeze `month` (bring the ledger up to date first). False if already closed."""
    now = rt.now()
    if month >= month_of_instant(now, rt.settings.zone):
        raise MonthNotOver(month)
    with rt.sessions() as db:
        if db.get(MonthClose, month) is not None:
            return False
    accrue_late_days(rt, now)
    with rt.sessions() as db:
        report = compute_report(rt, db, month, now)
    report.frozen = True
    try:
        with rt.transaction() as db:
            db.add(MonthClose(month=month, closed_at=now, report=report.to_dict()))
    except IntegrityError:  # another process closed it a moment ago
        return False
    return True


def month_close_job(rt: Runtime) -> bool:
    """Scheduler job for the 1st: close the month that just ended."""
    return close_month(rt, previous_month(month_of_instant(rt.now(), rt.settings.zone)))
