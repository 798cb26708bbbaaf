"""`/dashboard` pages about officers' days: the daily output (page, CSV, JSON), setting and
ending leave, and assigning a ticket to an officer. Each in the supervisor's region only;
an officer, leave or ticket outside it is 404, exactly like one that does not exist."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from models import Staff, Ticket
from services.core.context import Ctx
from services.core.texts import scope_label
from services.leave.board import leave_board, leave_in_scope
from services.leave.booking import LeaveError, end_leave, set_leave, start_if_due
from services.people.lookup import officer_in_scope
from services.reports.daily import DailyReport, daily_report
from services.reports.daily_export import daily_csv, daily_dict
from services.reports.daily_scope import officers_of
from services.tickets.errors import TicketError
from services.tickets.reassign import assign_ticket
from web.guard import supervisor_view

bp = Blueprint("staff", __name__, url_prefix="/dashboard")


def officers_page_extras(ctx: Ctx, supervisor: Staff) -> dict:
    """What the officers page shows besides the scorecards: leave and tickets to assign."""
    return {"board": leave_board(ctx, supervisor), "today": ctx.today}


def _day_arg(ctx: Ctx) -> date | None:
    text = (request.args.get("date") or "").strip()
    if not text:
        return ctx.today
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
    return day if day is not None and day <= ctx.today else None


def _report(ctx: Ctx, supervisor: Staff, day: date) -> DailyReport:
    return daily_report(ctx.rt, ctx.db, day, officers_of(supervisor), ctx.now)


def _slug(supervisor: Staff) -> str:
    return re.sub(r"[^a-z0-9]+", "-", scope_label(supervisor).lower()).strip("-")


@bp.get("/daily")
@supervisor_view()
def daily(ctx: Ctx, supervisor: Staff):
    """Each officer's output on one day, with the tickets they closed and their evidence."""
    day = _day_arg(ctx)
    if day is None:
        return render_template("pages/daily.html", supervisor=supervisor, report=None,
                               bad_date=request.args.get("date", ""), today=ctx.today), 400
    return render_template("pages/daily.html", supervisor=supervisor, today=ctx.today,
                           report=_report(ctx, supervisor, day))


@bp.get("/daily.csv")
@supervisor_view()
def daily_download(ctx: Ctx, supervisor: Staff):
    """The same day as CSV (one row per officer, then per closed ticket; NIP on each)."""
    day = _day_arg(ctx)
    if day is None:
        abort(404)
    body = daily_csv(_report(ctx, supervisor, day), ctx.settings.zone)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="harian-{day}-{_slug(supervisor)}.csv"'})


@bp.get("/daily.json")
@supervisor_view()
def daily_export(ctx: Ctx, supervisor: Staff):
    """The day as JSON in the shape of docs/DAILY_EXPORT.md."""
    day = _day_arg(ctx)
    if day is None:
        return jsonify(error="date must be YYYY-MM-DD, today or earlier"), 400
    return jsonify(daily_dict(_report(ctx, supervisor, day), ctx.settings.zone,
                              scope_label(supervisor)))


def _back_to_officers(anchor: str = "") -> Response:
    return redirect(url_for("dashboard.officers") + (f"#{anchor}" if anchor else ""), code=303)


def _form_date(name: str) -> date | None:
    try:
        return date.fromisoformat((request.form.get(name) or "").strip())
    except ValueError:
        return None


def _leave_change(change: Callable[[], object], done: str, officer_id: int) -> Response:
    """Run a leave change; say how it went on the officers page, at the officer's card."""
    try:
        change()
    except LeaveError as error:
        flash(error.code, "leave_error")
    else:
        flash(done, "ok")
    return _back_to_officers(f"petugas-{officer_id}")


@bp.post("/officers/<int:officer_id>/leave")
@supervisor_view(write=True)
def leave_set(ctx: Ctx, supervisor: Staff, officer_id: int):
    """The lurah records an officer's leave (the same service as `CUTI` in chat)."""
    officer = officer_in_scope(ctx.db, supervisor, officer_id)
    if officer is None:
        abort(404)
    starts, ends = _form_date("starts_on"), _form_date("ends_on")

    def record() -> None:
        if starts is None or ends is None:
            raise LeaveError("bad_dates")
        leave = set_leave(ctx, officer, starts, ends, request.form.get("reason", ""),
                          by=supervisor, source="dashboard")
        start_if_due(ctx, leave)

    return _leave_change(record, "leave_set", officer.id)


@bp.post("/leave/<int:leave_id>/end")
@supervisor_view(write=True)
def leave_end(ctx: Ctx, supervisor: Staff, leave_id: int):
    """The lurah ends a leave early (or calls off one still to come)."""
    leave = leave_in_scope(ctx, supervisor, leave_id)
    if leave is None:
        abort(404)
    return _leave_change(lambda: end_leave(ctx, leave, by=supervisor, source="dashboard"),
                         "leave_ended", leave.staff_id)


@bp.post("/tickets/<int:number>/assign")
@supervisor_view(write=True)
def ticket_assign(ctx: Ctx, supervisor: Staff, number: int):
    """The lurah gives a ticket to an officer (how tickets go back after a leave)."""
    ticket = ctx.db.get(Ticket, number) if number < 2**31 else None
    officer_id = request.form.get("officer_id", "")
    try:
        if ticket is None:
            raise TicketError("not_found", number)
        if not officer_id.isdigit() or len(officer_id) > 9:
            raise TicketError("officer_unknown", number)
        assign_ticket(ctx, supervisor, ticket, int(officer_id))
    except TicketError as error:
        if error.code == "not_found":
            abort(404)
        flash(error.code, "assign_error")
        return _back_to_officers("tugaskan")
    flash("assigned", "ok")
    return _back_to_officers("tugaskan")
