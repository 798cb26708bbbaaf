"""The daily digest: what a supervisor's region did since the last working day, sent once.

`send_daily_digests` (the 07:00 job and `digest send`) claims a DigestSent row per
supervisor and date in the same transaction that queues the messages: a second run, or
a second process at the same moment, finds the row (or fails on its unique key) and
sends nothing. `send_digest_now` (`REKAP`) sends the same figures on demand and claims
nothing, so it never stands in for the day's digest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from models import DigestSent, Message, Role, Staff
from services.core.context import Ctx
from services.core.runtime import Runtime
from services.reports.digest_figures import Digest, build_digest

__all__ = ["Digest", "DigestError", "DigestRun", "build_digest", "daily_digest_job",
           "send_daily_digests", "send_digest_now"]

log = logging.getLogger(__name__)


class DigestError(ValueError):
    """A digest that must not be sent; `code` picks the wording."""

    def __init__(self, code: str, digest_date: date) -> None:
        super().__init__(f"{code}: {digest_date.isoformat()}")
        self.code, self.digest_date = code, digest_date


@dataclass
class DigestRun:
    """What one scheduled run did: per supervisor, sent, skipped (already sent) or failed."""

    digest_date: date
    working_day: bool = True
    sent: int = 0
    skipped: int = 0
    failed: int = 0

    def as_dict(self) -> dict[str, Any]:
        """The outcome by name, in declaration order."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _variables(ctx: Ctx, digest: Digest) -> dict[str, str]:
    # The Content template (outside the 24-hour window) gets one line per variable.
    return {"1": digest.scope, "2": ctx.text("digest_date", digest=digest),
            "3": ctx.text("digest_summary", digest=digest), "4": digest.dashboard_url}


def _queue(ctx: Ctx, supervisor: Staff, digest: Digest,
           in_reply_to_id: int | None = None) -> list[Message]:
    """Queue the digest to the supervisor (split under 1,600 characters by the outbox)."""
    return ctx.notify(supervisor.phone, "digest", kind="digest", in_reply_to_id=in_reply_to_id,
                      variables=_variables(ctx, digest), digest=digest,
                      zone=ctx.settings.zone)


def send_digest_now(ctx: Ctx, supervisor: Staff,
                    in_reply_to_id: int | None = None) -> list[Message]:
    """`REKAP`: today's digest as of now, to the supervisor; not counted as the day's."""
    digest = build_digest(ctx, supervisor, ctx.today, live=True)
    return _queue(ctx, supervisor, digest, in_reply_to_id)


def _already_sent(db: Session, supervisor_id: int, digest_date: date) -> bool:
    return db.scalar(select(DigestSent.id).where(
        DigestSent.supervisor_id == supervisor_id,
        DigestSent.digest_date == digest_date)) is not None


def _claim_and_send(rt: Runtime, supervisor_id: int, digest_date: date) -> str:
    with rt.transaction() as db:
        if _already_sent(db, supervisor_id, digest_date):
            return "skipped"
        ctx = Ctx(db, rt.now(), rt)
        claim = DigestSent(supervisor_id=supervisor_id, digest_date=digest_date,
                           sent_at=ctx.now, parts=0)
        db.add(claim)
        db.flush()  # a concurrent twin waits here, then fails on the unique key
        supervisor = db.get(Staff, supervisor_id)
        if supervisor is None:
            raise LookupError(f"supervisor {supervisor_id} vanished")
        claim.parts = len(_queue(ctx, supervisor, build_digest(ctx, supervisor, digest_date)))
        return "sent"


def _send_once(rt: Runtime, supervisor_id: int, digest_date: date) -> str:
    """Send one supervisor's digest for the date unless some run already did."""
    try:
        return _claim_and_send(rt, supervisor_id, digest_date)
    except IntegrityError:
        with rt.sessions() as db:
            if _already_sent(db, supervisor_id, digest_date):
                log.info("digest %s for supervisor %s: sent by another run", digest_date,
                         supervisor_id)
                return "skipped"
        raise


def _supervisor_ids(rt: Runtime) -> list[int]:
    with rt.sessions() as db:
        return list(db.scalars(select(Staff.id).where(
            Staff.role == Role.SUPERVISOR, Staff.active.is_(True)).order_by(Staff.id)))


def send_daily_digests(rt: Runtime, digest_date: date) -> DigestRun:
    """Send every active supervisor the digest dated `digest_date`, once per date.

    Nothing is sent on a non-working day, nor for a future date (DigestError: its
    period has not ended, and sending would use up that day's digest).
    """
    if digest_date > rt.today():
        raise DigestError("future", digest_date)
    run = DigestRun(digest_date, working_day=rt.calendar.is_working_day(digest_date))
    if not run.working_day:
        return run
    for supervisor_id in _supervisor_ids(rt):
        try:
            outcome = _send_once(rt, supervisor_id, digest_date)
        except IntegrityError:
            log.exception("digest %s for supervisor %s failed", digest_date, supervisor_id)
            outcome = "failed"
        except DBAPIError:
            raise  # the database itself is in trouble: stop; the next run catches up
        except Exception:  # one supervisor's bad data must not hold up the others
            log.exception("digest %s for supervisor %s failed", digest_date, supervisor_id)
            outcome = "failed"
        setattr(run, outcome, getattr(run, outcome) + 1)
    if run.sent or run.failed:
        log.info("daily digest %s: %s", digest_date.isoformat(), run.as_dict())
    return run


def daily_digest_job(rt: Runtime) -> DigestRun:
    """The scheduler's job: today's digests if today is a working day (else nothing)."""
    return send_daily_digests(rt, rt.today())
