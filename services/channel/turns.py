"""Handling one claimed inbound message: rate limit, conversation, outcome, one commit.

The outcome (processed, rate-limited, failed) is written in the transaction that holds the
conversation's effects and only while this worker still holds the claim, so a message is
handled once. A handler that raises is tried again after a backoff, a few times; then the
message is marked failed and its sender gets one apology.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import Citizen, Direction, InStatus, Message, Ticket
from models.ticket import OPEN_STATUSES
from services.core.context import Handler, Turn
from services.core.runtime import Runtime
from services.media.intake import register_media
from services.people.phones import mask_phone

log = logging.getLogger(__name__)

RATE_WINDOW = timedelta(minutes=1)
ATTEMPTS_ON_CONFLICT = 3   # optimistic-concurrency races, retried at once (not an attempt)


@dataclass(frozen=True)
class Claim:
    """A message this worker leased, and how many times it has been claimed."""

    id: int
    attempts: int


def _hold(rt: Runtime, db: Session, claim: Claim, worker: str, now: datetime) -> Message | None:
    """The claimed row, locked, if this worker still holds it (a row lock on PostgreSQL,
    SQLite's write lock): no other worker can take it over until this transaction ends."""
    held = db.execute(update(Message)
                      .where(Message.id == claim.id, Message.claimed_by == worker,
                             Message.status == InStatus.QUEUED.value)
                      .values(claimed_until=now + timedelta(
                          seconds=rt.settings.inbound_lease_seconds))
                      .execution_options(synchronize_session=False))
    return db.get(Message, claim.id) if held.rowcount == 1 else None


def _release(row: Message, status: InStatus) -> None:
    row.status = status.value
    row.claimed_by = row.claimed_until = row.next_attempt_at = None


def _over_limit(db: Session, row: Message, limit: int) -> int:
    """How far over the per-minute limit the sender was when this message arrived."""
    count = db.scalar(select(func.count()).select_from(Message).where(
        Message.phone == row.phone, Message.direction == Direction.IN.value,
        Message.id <= row.id, Message.created_at > row.created_at - RATE_WINDOW))
    return max(0, (count or 0) - limit)


def _handle_once(rt: Runtime, claim: Claim, worker: str, handler: Handler) -> str:
    now = rt.now()
    with rt.transaction() as db:
        row = _hold(rt, db, claim, worker, now)
        if row is None:
            return "lost"   # the lease ran out and another worker has it
        if claim.attempts > rt.settings.inbound_attempts:
            # Claimed again and again without an outcome: it kills the workers that run it.
            _fail(rt, db, row, now, "claimed without outcome")
            return "failed"
        register_media(db, rt.settings, row, now)
        turn = Turn(db=db, now=now, rt=rt, inbound=row)
        over = _over_limit(db, row, rt.settings.rate_limit_per_minute)
        if over:
            _release(row, InStatus.RATE_LIMITED)
            if over == 1:  # one polite warning, then silence until the minute passes
                turn.reply("rate_limited", limit=rt.settings.rate_limit_per_minute)
            log.info("rate limit: %s sent %d over the limit", mask_phone(row.phone), over)
            return "rate_limited"
        handler(turn)
        _release(row, InStatus.PROCESSED)
        row.error_message = None
        return "processed"


def handle_claimed(rt: Runtime, claim: Claim, worker: str, handler: Handler) -> str:
    """Run a claimed message; its outcome: processed, rate_limited, retry, failed, lost.

    A database outage propagates (the lease runs out; a later round tries again).
    """
    for race in range(1, ATTEMPTS_ON_CONFLICT + 1):
        try:
            return _handle_once(rt, claim, worker, handler)
        except (IntegrityError, StaleDataError) as error:
            if race == ATTEMPTS_ON_CONFLICT:
                log.exception("message %s: still racing after %d tries", claim.id, race)
                return _after_error(rt, claim, worker, type(error).__name__)
            log.info("message %s raced another update; retrying (%d)", claim.id, race)
        except DBAPIError:
            raise
        except Exception as error:
            log.exception("handling message %s failed (attempt %d)", claim.id, claim.attempts)
            return _after_error(rt, claim, worker, type(error).__name__)
    raise AssertionError("unreachable")


def _backoff(rt: Runtime, attempts: int) -> timedelta:
    return timedelta(seconds=rt.settings.inbound_backoff_seconds * 2 ** (attempts - 1))


def _after_error(rt: Runtime, claim: Claim, worker: str, error: str) -> str:
    """Try again after a backoff while attempts remain; else mark the message failed."""
    now = rt.now()
    with rt.transaction() as db:
        row = _hold(rt, db, claim, worker, now)
        if row is None:
            return "lost"
        if claim.attempts < rt.settings.inbound_attempts:
            row.claimed_by = row.claimed_until = None
            row.next_attempt_at = now + _backoff(rt, claim.attempts)
            row.error_message = error[:200]
            return "retry"
        _fail(rt, db, row, now, error)
        return "failed"


def _concerned_ticket(db: Session, row: Message) -> int | None:
    """The ticket a message is about, as far as can be told without its handler: the one
    of ours it quotes, else its sender's latest open ticket (the dashboard shows it in that
    ticket's region; with none, to the city)."""
    if row.replied_sid:
        quoted = db.scalar(select(Message.ticket_id).where(Message.sid == row.replied_sid))
        if quoted is not None:
            return quoted
    return db.scalar(select(Ticket.id).join(Citizen, Citizen.id == Ticket.citizen_id)
                     .where(Citizen.phone == row.phone,
                            Ticket.status.in_(list(OPEN_STATUSES)))
                     .order_by(Ticket.id.desc()).limit(1))


def _fail(rt: Runtime, db: Session, row: Message, now: datetime, error: str) -> None:
    """Give up: keep the message as failed (on the dashboard; `inbound retry` runs it
    again) and apologise to its sender, once whatever the retries."""
    # A message failed before (and run again by `inbound retry`) has its apology already.
    apologised = db.scalar(select(exists().where(Message.in_reply_to_id == row.id)))
    register_media(db, rt.settings, row, now)
    _release(row, InStatus.FAILED)
    row.error_message = error[:200]
    row.ticket_id = row.ticket_id or _concerned_ticket(db, row)
    if not apologised:
        Turn(db=db, now=now, rt=rt, inbound=row).reply("internal_error")
    log.error("message %s from %s failed for good (%s)", row.id, mask_phone(row.phone), error)
