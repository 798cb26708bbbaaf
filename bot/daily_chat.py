"""`LAPORAN [tanggal]`: an officer's day as text for e-Performance; a supervisor's
officers in their region, one line each."""

from __future__ import annotations

from datetime import date

from bot.dates import parse_day
from models import Staff
from services.core.context import Turn
from services.reports.daily import DailyReport, daily_report
from services.reports.daily_scope import officers_of

SUPERVISOR_ROWS = 40


def _report(turn: Turn, staff: Staff) -> DailyReport | None:
    text = " ".join((turn.inbound.body or "").split()[1:])
    day = parse_day(text, turn.today)
    if day is None or day > turn.today:
        turn.reply("daily_bad_date", text=text, future=day is not None, today=turn.today)
        return None
    return daily_report(turn.rt, turn.db, day, officers_of(staff), turn.now)


def for_officer(turn: Turn, officer: Staff) -> None:
    """The officer's own day, ready to paste."""
    report = _report(turn, officer)
    if report is not None:
        turn.reply("daily_officer", report=report, row=report.officers[0])


def for_supervisor(turn: Turn, supervisor: Staff) -> None:
    """One line per officer in the region (busiest first when there are many)."""
    report = _report(turn, supervisor)
    if report is None:
        return
    rows = sorted(report.officers, key=lambda o: (o.idle, o.name))
    shown = rows if len(rows) <= SUPERVISOR_ROWS else rows[:SUPERVISOR_ROWS]
    turn.reply("daily_supervisor", report=report, shown=shown, hidden=len(rows) - len(shown),
               supervisor=supervisor, link=_link(turn, report.day))


def _link(turn: Turn, day: date) -> str:
    return f"{turn.settings.public_base_url.rstrip('/')}/dashboard/daily?date={day.isoformat()}"
