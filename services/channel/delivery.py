"""Delivering the outbox: claim rows with a lease, send, retry with backoff, record status."""

from __future__ import annotations

import logging
import os
import random
import socket
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, func, or_, select, update

from models import Direction, Message, OutStatus
from services.core.db import is_sqlite
from services.core.runtime import Runtime
from services.core.transport import Outgoing, SendResult, Transport, TransportError
from services.media.catalogue import media_ids
from services.media.links import media_url

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=15)
UNSENT = (OutStatus.PENDING.value, OutStatus.SENDING.value)
# Twilio stamps messages to the second, and its clock is not ours: look a little earlier.
RECOVERY_MARGIN = timedelta(minutes=5)
HEADS_PER_QUERY = 500
# Twilio's statuses only move forward; a late callback never moves one back.
STATUS_RANK = {"pending": 0, "sending": 1, "accepted": 2, "queued": 2, "sent": 3,
               "failed": 4, "undelivered": 4, "delivered": 4, "read": 5}
FAILED_FOR_GOOD = ("failed", "undelivered")


def worker_id() -> str:
    """A name for this sender, unique across processes and hosts."""
    return f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"  # noqa: S311


def _lease(rt: Runtime) -> timedelta:
    return timedelta(seconds=rt.settings.outbox_lease_seconds)


def _unsent() -> ColumnElement[bool]:
    # The outbox indexes' own WHERE clause, verbatim: literals the planner can match to the
    # partial indexes (a bound parameter cannot prove the predicate once plans are generic).
    index = next(ix for ix in Message.__table__.indexes if ix.name == "ix_message_outbox_phone")
    return index.dialect_options["postgresql"]["where"]


def _claim(rt: Runtime, worker: str, limit: int) -> list[tuple[Message, bool]]:
    """Lease up to `limit` due rows; only the oldest unsent row per recipient (order)."""
    now = rt.now()
    with rt.transaction() as db:
        # First the head of each recipient's queue (one pass over the unsent rows' index),
        # then the due ones among them by primary key. A single query ("no earlier unsent
        # row for this number") was planned as a nested loop over the whole backlog and
        # took 20 s a claim with 9 000 messages waiting.
        heads = sorted(db.scalars(select(func.min(Message.id)).where(_unsent())
                                  .group_by(Message.phone)))
        rows: list[Message] = []
        for start in range(0, len(heads), HEADS_PER_QUERY):
            query = (select(Message)
                     .where(Message.id.in_(heads[start:start + HEADS_PER_QUERY]), _unsent(),
                            Message.next_attempt_at <= now,
                            or_(Message.claimed_until.is_(None), Message.claimed_until < now))
                     .order_by(Message.id).limit(limit - len(rows)))
            if not is_sqlite(rt.engine):  # SQLite has one writer at a time already
                query = query.with_for_update(skip_locked=True, of=Message)
            rows += db.scalars(query).all()
            if len(rows) >= limit:
                break
        claimed = []
        for row in rows:
            recovering = row.status == OutStatus.SENDING.value  # its sender died mid-send
            row.status = OutStatus.SENDING.value
            row.claimed_by, row.claimed_until = worker, now + _lease(rt)
            claimed.append((row, recovering))
    return claimed


def _backoff(rt: Runtime, attempts: int) -> timedelta:
    base = rt.settings.outbox_backoff_seconds * (2 ** (attempts - 1))
    jittered = base * random.uniform(0.5, 1.5)  # noqa: S311 - jitter, not security
    return min(timedelta(seconds=jittered), MAX_BACKOFF)


def _outgoing(rt: Runtime, row: Message) -> Outgoing:
    # Signed at send time: Twilio fetches the file now, the link expires later.
    links = tuple(media_url(rt.settings, i, rt.now()) for i in media_ids(row.media or []))
    return Outgoing(to=row.phone, body=row.body or "", content_sid=row.content_sid,
                    content_variables=row.content_variables,
                    status_callback=f"{rt.settings.public_base_url}/whatsapp/status",
                    media_urls=links)


def _finish(rt: Runtime, row: Message, worker: str, values: dict) -> bool:
    """Write the outcome only if this worker still holds the lease."""
    with rt.transaction() as db:
        done = db.execute(update(Message)
                          .where(Message.id == row.id, Message.claimed_by == worker)
                          .values(claimed_by=None, claimed_until=None, **values))
        return done.rowcount == 1


def _keep_lease(rt: Runtime, row: Message, worker: str) -> bool:
    """Before each send of a batch: make sure the lease outlasts it, or that it is gone.

    A batch stuck behind slow answers can outlive the lease it was claimed with; another
    sender may then have taken the row (and sent it), so it must not be sent again here.
    """
    now = rt.now()
    margin = timedelta(seconds=2 * rt.settings.twilio_timeout_seconds)
    if row.claimed_until is not None and row.claimed_until - now >= margin:
        return True
    with rt.transaction() as db:
        renewed = db.execute(update(Message)
                             .where(Message.id == row.id, Message.claimed_by == worker)
                             .values(claimed_until=now + _lease(rt)))
        if renewed.rowcount != 1:
            return False
    row.claimed_until = now + _lease(rt)
    return True


def _known_sids(rt: Runtime, row: Message, since: datetime) -> frozenset[str]:
    """SIDs Twilio gave to our other messages to this number since `since`."""
    with rt.sessions() as db:
        return frozenset(db.scalars(select(Message.sid).where(
            Message.direction == Direction.OUT.value, Message.phone == row.phone,
            Message.id != row.id, Message.sid.is_not(None), Message.sent_at >= since)))


def _already_sent(rt: Runtime, transport: Transport, row: Message,
                  outgoing: Outgoing) -> SendResult | None:
    """Whether an earlier attempt reached Twilio after all (a crash, a time-out or a 5xx
    after the message was created): only one message per number is ever in flight, so a
    message to it that none of our rows knows is this one."""
    since = row.created_at - RECOVERY_MARGIN
    return transport.find_sent(outgoing, since=since, known=_known_sids(rt, row, since))


def _send_one(rt: Runtime, transport: Transport, row: Message, recovering: bool,
              worker: str) -> str | None:
    if not _keep_lease(rt, row, worker):
        log.info("message %s: lease taken over by another sender; skipped", row.id)
        return None
    outgoing = _outgoing(rt, row)
    attempts = row.attempts + 1
    try:
        result: SendResult | None = None
        if recovering or row.attempts > 0:
            result = _already_sent(rt, transport, row, outgoing)
        result = result or transport.send(outgoing)
    except TransportError as exc:
        now = rt.now()
        if exc.retryable and attempts < rt.settings.outbox_max_attempts:
            _finish(rt, row, worker, {"status": OutStatus.PENDING.value, "attempts": attempts,
                                      "error_code": exc.code, "error_message": exc.message,
                                      "next_attempt_at": now + _backoff(rt, attempts)})
            log.warning("message %s: attempt %d failed (%s), will retry", row.id, attempts, exc)
            return "retry"
        _finish(rt, row, worker, {"status": OutStatus.FAILED.value, "attempts": attempts,
                                  "error_code": exc.code, "error_message": exc.message,
                                  "status_at": now})
        log.error("message %s failed for good after %d attempt(s): %s", row.id, attempts, exc)
        rt.delivery_failed(row.id)   # after the commit: a ticket may have to move (issue 16)
        return "failed"
    now = rt.now()
    _finish(rt, row, worker, {"status": result.status, "sid": result.sid, "attempts": attempts,
                              "sent_at": now, "status_at": now, "error_code": None,
                              "error_message": None})
    return "sent"


def deliver_due(rt: Runtime, transport: Transport, limit: int = 50,
                worker: str | None = None) -> dict[str, int]:
    """Send every due message (oldest first per recipient) until none is left claimable."""
    worker = worker or worker_id()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    while True:
        claimed = _claim(rt, worker, limit)
        if not claimed:
            return counts
        for row, recovering in claimed:
            outcome = _send_one(rt, transport, row, recovering, worker)
            if outcome is not None:
                counts[outcome] += 1


def record_status(rt: Runtime, sid: str, status: str, error_code: int | None,
                  error_message: str | None) -> bool:
    """Apply a Twilio status callback; never moves a status backwards. False if unknown."""
    status = status.lower()
    with rt.transaction() as db:
        row = db.scalar(select(Message).where(Message.sid == sid,
                                              Message.direction == Direction.OUT.value))
        if row is None:
            return False
        if STATUS_RANK.get(status, -1) > STATUS_RANK.get(row.status, -1):
            row.status = status
            row.status_at = rt.now()
            if error_code is not None:
                row.error_code, row.error_message = error_code, error_message
        message_id = row.id
    if status in FAILED_FOR_GOOD:    # after the commit: a ticket may have to move (issue 16)
        rt.delivery_failed(message_id)
    return True

