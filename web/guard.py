"""Session, CSRF and response headers shared by the dashboard and the simulator.

The session cookie (signed by SECRET_KEY, HttpOnly, SameSite=Lax) holds only the staff
id, the login it came from and a CSRF token; every request re-reads the supervisor and the
login, so a supervisor removed from the roster, or signed out, loses access at once.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, current_app, redirect, render_template, request, session, url_for

from services.auth import session_supervisor
from services.core.context import Ctx
from services.core.runtime import Runtime

STAFF_KEY, LOGIN_KEY, CSRF_KEY = "staff_id", "login", "csrf"
CSRF_FIELD, CSRF_HEADER = "csrf_token", "X-CSRF-Token"

CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                           "script-src 'self'; connect-src 'self'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'")


def runtime() -> Runtime:
    """The app's runtime."""
    return current_app.extensions["layanan"]


def csrf_token() -> str:
    """This session's CSRF token, created on first use."""
    token = session.get(CSRF_KEY)
    if not isinstance(token, str) or len(token) < 32:
        token = session[CSRF_KEY] = secrets.token_urlsafe(32)
    return token


def csrf_ok() -> bool:
    """Whether the request carries this session's CSRF token (form field or header)."""
    expected = session.get(CSRF_KEY)
    given = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return (isinstance(expected, str) and bool(given)
            and hmac.compare_digest(expected.encode(), given.encode()))


def refuse_csrf() -> tuple[str, int]:
    """The page shown when a form's CSRF token is missing or stale."""
    return render_template("pages/error.html", problem="csrf"), 400


def start_session(staff_id: int, login_id: int) -> None:
    """Log in: a fresh session (new CSRF token) naming the supervisor and the login."""
    session.clear()
    session[STAFF_KEY], session[LOGIN_KEY] = staff_id, login_id
    session[CSRF_KEY] = secrets.token_urlsafe(32)


def supervisor_view(*, write: bool = False) -> Callable:
    """Decorate a view taking (ctx, supervisor, ...): the signed-in supervisor or the
    login page; POSTs must carry the CSRF token; `write` runs in one transaction."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Any:
            rt = runtime()
            if request.method == "POST" and not csrf_ok():
                return refuse_csrf()
            scope = rt.transaction() if write else rt.sessions()
            with scope as db:
                supervisor = session_supervisor(rt, db, session.get(STAFF_KEY),
                                                session.get(LOGIN_KEY))
                if supervisor is None:
                    session.clear()
                    return redirect(url_for("login.page"))
                return view(Ctx(db=db, now=rt.now(), rt=rt), supervisor, **kwargs)

        return wrapper

    return decorate


def secure_headers(response: Response) -> Response:
    """No caching of personal data, no framing, no referrer (login links carry tokens)."""
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    return response
