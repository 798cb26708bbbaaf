"""Receiving one WhatsApp message: store it once, rate-limit, hand it on, commit once."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models import Direction, InStatus, Message
from services.core.context import Handler, Turn
from services.core.runtime import Runtime
from services.media.intake import register_media
from services.people.phones import mask_phone

log = logging.getLogger(__name__)

RATE_WINDOW = timedelta(minutes=1)
ATTEMPTS_ON_CONFLICT = 3


@dataclass(frozen=True)
class Inbound:
    """The parts of Twilio's webhook form the service keeps."""

    sid: str
    phone: str                      # E.164
    body: str
    media: list[dict[str, str]] = field(default_factory=list)
    latitude: float | None = None
    longitude: float | None = None
    replied_sid: str | None = None
    profile_name: str | None = None


@dataclass(frozen=True)
class Outcome:
    message_id: int | None
    duplicate: bool = False
    rate_limited: bool = False
    failed: bool = False


def _store(rt: Runtime, db: Session, msg: Inbound, status: InStatus) -> Turn:
    row = Message(direction=Direction.IN.value, sid=msg.sid, phone=msg.phone, body=msg.body,
                  media=msg.media, latitude=msg.latitude, longitude=msg.longitude,
                  replied_sid=msg.replied_sid, profile_name=msg.profile_name,
                  status=status.value, created_at=rt.now())
    db.add(row)
    db.flush()  # unique MessageSid: a redelivery or a concurrent twin fails (or waits) here
    register_media(db, rt.settings, row, row.created_at)
    return Turn(db=db, now=row.created_at, rt=rt, inbound=row)


def _over_limit(turn: Turn, phone: str) -> int:
    """How far over the per-minute limit this number is, counting this message."""
    count = turn.db.scalar(select(func.count()).select_from(Message).where(
        Message.phone == phone, Message.direction == Direction.IN.value,
        Message.created_at > turn.now - RATE_WINDOW))
    return max(0, (count or 0) - turn.rt.settings.rate_limit_per_minute)


def _receive_once(rt: Runtime, msg: Inbound, handler: Handler) -> Outcome:
    with rt.transaction() as db:
        # Stored as processed: the row only becomes visible if the handler's work commits
        # with it (a failure rolls both back and keeps the message as failed instead).
        turn = _store(rt, db, msg, InStatus.PROCESSED)
        row = turn.inbound
        over = _over_limit(turn, msg.phone)
        if over:
            row.status = InStatus.RATE_LIMITED.value
            if over == 1:  # one polite warning, then silence until the minute passes
                turn.reply("rate_limited", limit=rt.settings.rate_limit_per_minute)
            log.info("rate limit: %s sent %d over the limit", mask_phone(msg.phone), over)
            return Outcome(row.id, rate_limited=True)
        handler(turn)
        return Outcome(row.id)


def receive_inbound(rt: Runtime, msg: Inbound, handler: Handler) -> Outcome:
    """Process one inbound message exactly once; a redelivered MessageSid changes nothing.

    Database outages propagate (the webhook answers 503 and Twilio retries); a race with
    another request on the same ticket is retried from the start.
    """
    for attempt in range(1, ATTEMPTS_ON_CONFLICT + 1):
        try:
            return _receive_once(rt, msg, handler)
        except IntegrityError:
            with rt.sessions() as db:
                if db.scalar(select(Message.id).where(Message.sid == msg.sid)) is not None:
                    return Outcome(None, duplicate=True)
            if attempt == ATTEMPTS_ON_CONFLICT:
                raise
            log.info("message %s raced another insert; retrying (%d)", msg.sid, attempt)
        except StaleDataError:
            if attempt == ATTEMPTS_ON_CONFLICT:
                raise
            log.info("message %s raced another update; retrying (%d)", msg.sid, attempt)
        except DBAPIError:
            raise
        except Exception:
            # A bug must not make Twilio redeliver forever: keep the message, apologise.
            log.exception("handling message %s failed", msg.sid)
            return _record_failure(rt, msg)
    raise AssertionError("unreachable")


def _record_failure(rt: Runtime, msg: Inbound) -> Outcome:
    with rt.transaction() as db:
        if db.scalar(select(Message.id).where(Message.sid == msg.sid)) is not None:
            return Outcome(None, duplicate=True)
        turn = _store(rt, db, msg, InStatus.FAILED)
        turn.reply("internal_error")
        return Outcome(turn.inbound.id, failed=True)
