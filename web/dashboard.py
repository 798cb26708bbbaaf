"""`/dashboard`: a supervisor's pages, each limited to their region (services decide).

Views only read the request, call a service and render; a ticket outside the region is
404, exactly like a ticket that does not exist.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from models import Staff
from services.core.context import Ctx
from services.core.texts import scope_label
from services.ledger.month import MonthError, month_of_instant, parse_month, previous_month
from services.reports.dashboard import build_overview, officer_scorecards
from services.reports.monthly import report_for_scope
from services.reports.monthly_csv import report_csv
from services.tickets.breaches import REASON_MAX, BreachError, excuse_and_notify
from services.tickets.errors import TicketError
from services.tickets.search import (
    STATUS_CHOICES,
    TicketFilter,
    filter_choices,
    search_tickets,
    ticket_for_supervisor,
)
from web.charts import bar_rows, columns
from web.guard import supervisor_view
from web.staff_pages import officers_page_extras

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")
SCORECARD_MONTHS = 6
REPORT_MONTHS = 12


def _rate_chart(rates, title: str):
    return bar_rows([(r.label, r.percent, f"{r.on_time}/{r.due}") for r in rates], title)


@bp.get("", strict_slashes=False)
@supervisor_view()
def overview(ctx: Ctx, supervisor: Staff):
    """Open, overdue and due today now; the month's breaches and on-time rates."""
    data = build_overview(ctx, supervisor)
    charts = [_rate_chart(data.by_rw, "rw")]
    if len(data.by_kelurahan) > 1:
        charts.insert(0, _rate_chart(data.by_kelurahan, "kelurahan"))
    return render_template("pages/overview.html", supervisor=supervisor, data=data,
                           charts=charts)


@bp.get("/tickets")
@supervisor_view()
def tickets(ctx: Ctx, supervisor: Staff):
    """The region's tickets, filtered by status, service, RW and officer."""
    flt = TicketFilter.from_args(request.args)
    return render_template("pages/tickets.html", supervisor=supervisor,
                           result=search_tickets(ctx, supervisor, flt),
                           choices=filter_choices(ctx, supervisor), statuses=STATUS_CHOICES)


def _ticket_page(ctx: Ctx, supervisor: Staff, number: int, status: int = 200, **extra):
    try:
        detail = ticket_for_supervisor(ctx, supervisor, number)
    except TicketError:
        abort(404)
    return render_template("pages/ticket.html", supervisor=supervisor, detail=detail,
                           reason_max=REASON_MAX, **extra), status


@bp.get("/tickets/<int:number>")
@supervisor_view()
def ticket(ctx: Ctx, supervisor: Staff, number: int):
    """One ticket: its facts (personal data masked) and its event timeline."""
    return _ticket_page(ctx, supervisor, number)


@bp.post("/tickets/<int:number>/excuse")
@supervisor_view(write=True)
def excuse(ctx: Ctx, supervisor: Staff, number: int):
    """Excuse the ticket's breach with a reason: the same service as `MAAFKAN`."""
    try:
        detail = ticket_for_supervisor(ctx, supervisor, number)
        excuse_and_notify(ctx, supervisor, detail.ticket, request.form.get("reason", ""))
    except (TicketError, BreachError) as error:
        if error.code == "not_found":
            abort(404)
        return _ticket_page(ctx, supervisor, number, 400, error=error.code,
                            reason=request.form.get("reason", ""))
    flash("excused")
    return redirect(url_for("dashboard.ticket", number=number))


@bp.get("/officers")
@supervisor_view()
def officers(ctx: Ctx, supervisor: Staff):
    """Scorecards: each officer's IKI over the last months and this month's figures; who is
    on leave and who covers, the leave forms, and tickets to assign (web/staff_pages.py)."""
    cards = officer_scorecards(ctx, supervisor, SCORECARD_MONTHS)
    charts = {c.officer_id: columns([(m[5:] + "/" + m[2:4], v) for m, v in c.months], c.name)
              for c in cards}
    return render_template("pages/officers.html", supervisor=supervisor, cards=cards,
                           charts=charts, **officers_page_extras(ctx, supervisor))


def _month_arg(ctx: Ctx) -> str:
    try:
        return parse_month(request.args.get("month") or month_of_instant(
            ctx.now, ctx.settings.zone))
    except MonthError:
        abort(404)


def _months(ctx: Ctx) -> list[str]:
    months = [month_of_instant(ctx.now, ctx.settings.zone)]
    while len(months) < REPORT_MONTHS:
        months.append(previous_month(months[-1]))
    return months


@bp.get("/report")
@supervisor_view()
def report(ctx: Ctx, supervisor: Staff):
    """The monthly performance and allowance report for the region."""
    month = _month_arg(ctx)
    return render_template("pages/report.html", supervisor=supervisor, month=month,
                           months=_months(ctx),
                           report=report_for_scope(ctx.rt, ctx.db, month, supervisor))


@bp.get("/report.csv")
@supervisor_view()
def report_download(ctx: Ctx, supervisor: Staff):
    """The same report as CSV (phones masked, no NIK)."""
    month = _month_arg(ctx)
    body = report_csv(report_for_scope(ctx.rt, ctx.db, month, supervisor))
    scope = re.sub(r"[^a-z0-9]+", "-", scope_label(supervisor).lower()).strip("-")
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="laporan-{month}-{scope}.csv"'})
