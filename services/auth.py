"""Dashboard login by one-time link: a supervisor writes `MASUK`, gets a link, opens it once.

The link carries 256 random bits; only their SHA-256 is stored, so a copy of the
database cannot log anyone in. A link is valid for 15 minutes and is consumed by an
atomic UPDATE, so two clicks racing each other cannot both succeed. The used link's row
is the session it starts: the cookie names it, and signing out marks it, so a copy of the
cookie is refused after sign-out as well as after 12 hours.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from models import LoginToken, Role, Staff
from services.core.context import Ctx
from services.core.runtime import Runtime

LINK_TTL = timedelta(minutes=15)
SESSION_TTL = timedelta(hours=12)
SPENT_AFTER = LINK_TTL + SESSION_TTL
LOGIN_PATH = "/dashboard/login/"


class LoginError(Exception):
    """A refused login; `code` is `unknown`, `expired`, `used` or `not_supervisor`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class LinkState:
    """What a login link would do if redeemed now (read-only, consumes nothing)."""

    staff_id: int | None
    error: str | None

    @property
    def ok(self) -> bool:
        """The link can be redeemed."""
        return self.error is None


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256."""
    return hashlib.sha256(token.encode()).hexdigest()


def may_log_in(staff: Staff | None) -> bool:
    """Only active supervisors use the dashboard."""
    return staff is not None and staff.active and staff.role is Role.SUPERVISOR


def issue_login_link(ctx: Ctx, supervisor: Staff) -> str:
    """Create a one-time login link for an active supervisor (in ctx's transaction)."""
    if not may_log_in(supervisor):
        raise LoginError("not_supervisor")
    token = secrets.token_urlsafe(32)
    # Housekeeping: the supervisor's links that can no longer start or carry a session.
    ctx.db.execute(delete(LoginToken).where(LoginToken.staff_id == supervisor.id,
                                            LoginToken.created_at < ctx.now - SPENT_AFTER))
    ctx.db.add(LoginToken(token_hash=hash_token(token), staff_id=supervisor.id,
                          created_at=ctx.now, expires_at=ctx.now + LINK_TTL))
    ctx.db.flush()
    return f"{ctx.settings.public_base_url}{LOGIN_PATH}{token}"


def _problem(row: LoginToken | None, staff: Staff | None, now: datetime) -> str | None:
    if row is None:
        return "unknown"
    if row.used_at is not None:
        return "used"
    if row.expires_at <= now:
        return "expired"
    if not may_log_in(staff):
        return "not_supervisor"
    return None


def check_login(rt: Runtime, token: str) -> LinkState:
    """Whether `token` is redeemable now, without consuming it (the confirm page)."""
    with rt.sessions() as db:
        row = db.scalar(select(LoginToken).where(LoginToken.token_hash == hash_token(token)))
        staff = db.get(Staff, row.staff_id) if row is not None else None
        error = _problem(row, staff, rt.now())
        return LinkState(row.staff_id if row is not None and error is None else None, error)


def redeem_login(rt: Runtime, token: str) -> tuple[int, int]:
    """Consume a login link; return (staff id, login id) or raise LoginError."""
    now = rt.now()
    with rt.transaction() as db:
        row = db.scalar(select(LoginToken).where(LoginToken.token_hash == hash_token(token)))
        problem = _problem(row, db.get(Staff, row.staff_id) if row else None, now)
        if problem is not None:
            raise LoginError(problem)
        claimed = db.execute(update(LoginToken)
                             .where(LoginToken.id == row.id, LoginToken.used_at.is_(None))
                             .values(used_at=now))
        if claimed.rowcount != 1:   # another request consumed it between read and update
            raise LoginError("used")
        return row.staff_id, row.id


def sign_out(rt: Runtime, login_id: object) -> None:
    """End the session started by login `login_id` (any copy of its cookie included)."""
    if not isinstance(login_id, int):
        return
    with rt.transaction() as db:
        db.execute(update(LoginToken).where(LoginToken.id == login_id,
                                            LoginToken.signed_out_at.is_(None))
                   .values(signed_out_at=rt.now()))


def session_supervisor(rt: Runtime, db, staff_id: object, login_id: object) -> Staff | None:
    """The supervisor a session cookie names, if still allowed, signed in by that login,
    not signed out and not older than 12 h."""
    if not isinstance(staff_id, int) or not isinstance(login_id, int):
        return None
    login = db.get(LoginToken, login_id)
    if (login is None or login.staff_id != staff_id or login.used_at is None
            or login.signed_out_at is not None
            or not login.used_at <= rt.now() < login.used_at + SESSION_TTL):
        return None
    staff = db.get(Staff, staff_id)
    return staff if may_log_in(staff) else None
