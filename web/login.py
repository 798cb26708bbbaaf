"""Dashboard sign-in by the one-time link from `MASUK`, and sign-out.

Opening the link only shows a button: link previews and scanners that fetch URLs must
not use up the link; the POST from that button (with a CSRF token) redeems it.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for

from services.auth import LoginError, check_login, redeem_login, sign_out
from web.guard import (
    LOGIN_KEY,
    STAFF_KEY,
    csrf_ok,
    refuse_csrf,
    runtime,
    start_session,
)

bp = Blueprint("login", __name__, url_prefix="/dashboard")
REFUSED_STATUS = {"unknown": 404, "expired": 410, "used": 410, "not_supervisor": 403}


def _refused(code: str):
    return render_template("pages/login_refused.html", code=code), REFUSED_STATUS[code]


@bp.get("/login")
def page():
    """How to sign in: write MASUK to the bot."""
    if session.get(STAFF_KEY) is not None:
        return redirect(url_for("dashboard.overview"))
    return render_template("pages/login.html",
                           simulator=runtime().settings.transport == "console")


@bp.get("/login/<token>")
def confirm(token: str):
    """The link from WhatsApp: a button to sign in, or why the link no longer works."""
    state = check_login(runtime(), token)
    if not state.ok:
        return _refused(state.error or "unknown")
    return render_template("pages/login_confirm.html", token=token)


@bp.post("/login/<token>")
def redeem(token: str):
    """Use up the link and start the session."""
    if not csrf_ok():
        return refuse_csrf()
    rt = runtime()
    try:
        staff_id, login_id = redeem_login(rt, token)
    except LoginError as error:
        return _refused(error.code)
    start_session(staff_id, login_id)
    return redirect(url_for("dashboard.overview"))


@bp.post("/logout")
def logout():
    """End the session, on the server too (CSRF-checked, so no other site can sign a
    supervisor out)."""
    if not csrf_ok():
        return refuse_csrf()
    sign_out(runtime(), session.get(LOGIN_KEY))
    session.clear()
    return redirect(url_for("login.page"))
