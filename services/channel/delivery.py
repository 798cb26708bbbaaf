"""Delivering the outbox: claim rows with a lease, send, retry with backoff, record status.

Each recipient has two lanes (models.Lane): replies and notices. Each goes out in order,
one message in flight per number and lane, and neither waits behind the other.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from models import Direction, EarlyStatus, Lane, Message, OutStatus
from services.core.db import is_sqlite
from services.core.runtime import Runtime, failed_after_commit
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
FAILED_STATUSES = frozenset({OutStatus.FAILED.value, OutStatus.UNDELIVERED.value})
# An early callback whose message never showed up (not ours, or purged) is dropped then.
EARLY_STATUS_KEPT = timedelta(days=1)


def worker_id() -> str:
    """A name for this sender, unique across processes and hosts."""
    return f"{socket.gethostname()}:{os.getpid()}:{random.getrandbits(32):08x}"  # noqa: S311


def _lease(rt: Runtime) -> timedelta:
    return timedelta(seconds=rt.settings.outbox_lease_seconds)


def _unsent() -> ColumnElement[bool]:
    # The outbox indexes' own WHERE clause, verbatim: literals the planner can match to the
    # partial indexes (a bound parameter cannot prove the predicate once plans are generic).
    index = next(ix for ix in Message.__table__.indexes if ix.name == "ix_message_outbox_lane")
    return index.dialect_options["postgresql"]["where"]


def _heads(firsts: Iterable[tuple[str, str | None, int]]) -> list[int]:
    """The rows that may go next, from the oldest unsent row per recipient and lane: a reply
    always (never held behind a notice), a notice only when no earlier reply to the same
    number is still waiting (a notice never overtakes the answer the person is reading)."""
    firsts = list(firsts)
    replies = {phone: first for phone, lane, first in firsts if lane == Lane.REPLY.value}
    return sorted(first for phone, lane, first in firsts
                  if lane == Lane.REPLY.value or first < replies.get(phone, first + 1))


def _claim(rt: Runtime, worker: str, limit: int) -> list[tuple[Message, bool]]:
    """Lease up to `limit` due rows; only the oldest unsent row per recipient and lane
    (order within a lane; a notice in backoff never holds up a reply)."""
    now = rt.now()
    with rt.transaction() as db:
        # First the head of each recipient's lanes (one pass over the unsent rows' index),
        # then the due ones among them by primary key. A single query ("no earlier unsent
        # row for this number") was planned as a nested loop over the whole backlog and
        # took 20 s a claim with 9 000 messages waiting.
        heads = _heads(db.execute(select(Message.phone, Message.lane, func.min(Message.id))
                                  .where(_unsent()).group_by(Message.phone, Message.lane)))
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


def _others_at_twilio(rt: Runtime, row: Message,
                      since: datetime) -> tuple[frozenset[str], frozenset[str]]:
    """Our other messages to this number that Twilio may hold: the SIDs it gave those sent
    since `since`, and the bodies of those that may have reached it with no SID known yet
    (the other lane's head, mid-send or retrying). One query: one snapshot of both."""
    maybe_out = and_(_unsent(), or_(Message.status == OutStatus.SENDING.value,
                                    Message.attempts > 0))
    with rt.sessions() as db:
        others = db.execute(select(Message.sid, Message.body).where(
            Message.direction == Direction.OUT.value, Message.phone == row.phone,
            Message.id != row.id,
            or_(and_(Message.sid.is_not(None), Message.sent_at >= since), maybe_out))).all()
    return (frozenset(sid for sid, _ in others if sid is not None),
            frozenset(body or "" for sid, body in others if sid is None))


def _already_sent(rt: Runtime, transport: Transport, row: Message,
                  outgoing: Outgoing) -> SendResult | None:
    """Whether an earlier attempt reached Twilio after all (a crash, a time-out or a 5xx
    after the message was created). One message per number and lane is in flight, so a
    message to it that none of our rows knows, and that is not the other lane's (by its
    body), is this one."""
    since = row.created_at - RECOVERY_MARGIN
    known, elsewhere = _others_at_twilio(rt, row, since)
    return transport.find_sent(outgoing, since=since, known=known, elsewhere=elsewhere)


def _send_one(rt: Runtime, transport: Transport, row: Message, recovering: bool,
              worker: str) -> str | None:
    if not _keep_lease(rt, row, worker):
        log.info("message %s: lease taken over by another sender; skipped", row.id)
        return None
    outgoing = _outgoing(rt, row)
    result: SendResult | None = None
    if recovering or row.attempts > 0:
        try:
            result = _already_sent(rt, transport, row, outgoing)
        except TransportError as exc:   # nothing was sent: not an attempt
            _look_up_later(rt, row, recovering, worker, exc)
            return "retry"
    attempts = row.attempts + 1
    try:
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
    _record_sent(rt, row, worker, result, attempts)
    return "sent"


def _look_up_later(rt: Runtime, row: Message, recovering: bool, worker: str,
                   exc: TransportError) -> None:
    """The look-up for an earlier attempt failed: try it again after a backoff, with the
    attempts unchanged and a crashed send still marked `sending` (so it is looked up
    again, never sent blind)."""
    status = OutStatus.SENDING.value if recovering else OutStatus.PENDING.value
    _finish(rt, row, worker, {"status": status, "error_code": exc.code,
                              "error_message": exc.message,
                              "next_attempt_at": rt.now() + _backoff(rt, max(row.attempts, 1))})
    log.warning("message %s: could not check an earlier attempt (%s), will look again",
                row.id, exc)


def _record_sent(rt: Runtime, row: Message, worker: str, result: SendResult,
                 attempts: int) -> None:
    """Write Twilio's SID, then apply what outran the answer: callbacks kept for that SID,
    or a recovered message's own further status (both through `apply_status`)."""
    now = rt.now()
    further = STATUS_RANK.get(result.status, -1) > STATUS_RANK[OutStatus.QUEUED.value]
    if not _finish(rt, row, worker, {
            "status": OutStatus.QUEUED.value if further else result.status, "sid": result.sid,
            "attempts": attempts, "sent_at": now, "status_at": now, "error_code": None,
            "error_message": None}):
        return
    # Only after the SID is committed: a callback that found no SID before this commit has
    # stored itself by then, and one that comes later finds the SID (record_status).
    if further:
        record_status(rt, result.sid, result.status, result.error_code, result.error_message)
    _apply_kept(rt, result.sid)


def deliver_due(rt: Runtime, transport: Transport, limit: int = 50,
                worker: str | None = None,
                stop: Callable[[], bool] | None = None) -> dict[str, int]:
    """Send every due message (in order per recipient and lane) until none is left
    claimable, or until `stop()` says so: then the claimed rows not yet sent are released
    at once for any sender, never left claimed."""
    worker = worker or worker_id()
    counts = {"sent": 0, "retry": 0, "failed": 0}
    while stop is None or not stop():
        claimed = _claim(rt, worker, limit)
        if not claimed:
            return counts
        for done, (row, recovering) in enumerate(claimed):
            if stop is not None and stop():
                release(rt, claimed[done:], worker)
                return counts
            try:
                outcome = _send_one(rt, transport, row, recovering, worker)
            except BaseException:
                # The row being sent keeps its lease (it may have reached Twilio: the
                # recovery look-up decides once the lease ends); the rest are let go.
                release(rt, claimed[done + 1:], worker)
                raise
            if outcome is not None:
                counts[outcome] += 1
    return counts


def release(rt: Runtime, claimed: list[tuple[Message, bool]], worker: str) -> int:
    """Give back claimed rows that were never tried in this claim, as they were before it
    (a crashed send stays `sending`, to be looked up); how many were released."""
    released = 0
    try:
        with rt.transaction() as db:
            for recovering in (False, True):
                ids = [row.id for row, rec in claimed if rec is recovering]
                if not ids:
                    continue
                status = OutStatus.SENDING.value if recovering else OutStatus.PENDING.value
                released += db.execute(update(Message).where(
                    Message.id.in_(ids), Message.claimed_by == worker).values(
                    status=status, claimed_by=None, claimed_until=None)).rowcount
    except Exception:   # their leases run out instead
        log.exception("could not release %d claimed message(s)", len(claimed))
    return released


def _by_sid(rt: Runtime, db: Session, sid: str) -> Message | None:
    query = select(Message).where(Message.sid == sid, Message.direction == Direction.OUT.value)
    if not is_sqlite(rt.engine):   # two callbacks at once: the second waits, then rereads
        query = query.with_for_update()
    return db.scalar(query)


def apply_status(rt: Runtime, db: Session, row: Message, status: str,
                 error_code: int | None, error_message: str | None) -> bool:
    """Move `row` to Twilio's `status` if that is a step forward (never back); a failure
    keeps its error code, a success clears a stale one. The one place a status from
    Twilio (callback, kept callback, recovered send) is written, failed and undelivered
    included; runs in the caller's session `db`. Whether the status changed."""
    if STATUS_RANK.get(status, -1) <= STATUS_RANK.get(row.status, -1):
        return False
    row.status, row.status_at = status, rt.now()
    if status in FAILED_STATUSES:
        row.error_code, row.error_message = error_code, error_message
        failed_after_commit(db, row.id)   # a ticket may have to move (issue 16)
    else:
        row.error_code = row.error_message = None
    return True


def record_status(rt: Runtime, sid: str, status: str, error_code: int | None,
                  error_message: str | None) -> bool:
    """Apply a Twilio status callback; never moves a status backwards. A callback for a
    SID no message has yet (Twilio posted it before the send's answer was read) is kept
    and applied once the SID is written; False then."""
    status = status.lower()
    with rt.transaction() as db:
        row = _by_sid(rt, db, sid)
        if row is not None:
            apply_status(rt, db, row, status, error_code, error_message)
            return True
        if status not in STATUS_RANK:
            return False
        now = rt.now()
        db.execute(delete(EarlyStatus).where(EarlyStatus.received_at < now - EARLY_STATUS_KEPT))
        db.add(EarlyStatus(sid=sid, status=status, error_code=error_code,
                           error_message=error_message, received_at=now))
    _apply_kept(rt, sid)   # the send's answer may have been written in the meantime
    return False


def _apply_kept(rt: Runtime, sid: str) -> None:
    """Apply, in the order of their ranks, the callbacks kept for `sid`, then forget them."""
    with rt.sessions() as db:   # a cheap read first: nearly every send has none
        if db.scalar(select(EarlyStatus.id).where(EarlyStatus.sid == sid).limit(1)) is None:
            return
    with rt.transaction() as db:
        row = _by_sid(rt, db, sid)
        if row is None:
            return
        kept = db.scalars(select(EarlyStatus).where(EarlyStatus.sid == sid)
                          .order_by(EarlyStatus.id)).all()
        for early in sorted(kept, key=lambda k: STATUS_RANK.get(k.status, -1)):
            apply_status(rt, db, row, early.status, early.error_code, early.error_message)
        db.execute(delete(EarlyStatus).where(EarlyStatus.id.in_([k.id for k in kept])))
