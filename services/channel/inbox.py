"""The inbox: workers run each stored message's conversation, one sender at a time.

A worker claims the oldest queued message of a sender whose earlier messages are all done
(`FOR UPDATE SKIP LOCKED` on PostgreSQL, so many processes on many machines share the
work; SQLite has one writer at a time already), with a lease (`claimed_until`) that lets
another worker take it over if this one dies. The conversation's effects commit in one
transaction with the message's outcome (processed or rate-limited), so a message is
handled exactly once even under `kill -9`. A handler that raises is retried with backoff
(services/channel/turns.py); a sender's later messages wait behind it, other senders never.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, or_, select, update
from sqlalchemy.orm import aliased

from models import InStatus, Message
from services.channel.inbound import Inbound, Outcome, announce, store_inbound
from services.channel.turns import Claim, handle_claimed
from services.core.context import Handler
from services.core.db import is_sqlite
from services.core.runtime import Runtime

log = logging.getLogger(__name__)


def _queued() -> ColumnElement[bool]:
    # The inbox indexes' own WHERE clause, verbatim, so the planner uses the partial indexes.
    index = next(ix for ix in Message.__table__.indexes if ix.name == "ix_message_inbox")
    return index.dialect_options["postgresql"]["where"]


def _lease(rt: Runtime) -> timedelta:
    return timedelta(seconds=rt.settings.inbound_lease_seconds)


def claim_next(rt: Runtime, worker: str, phone: str | None = None) -> Claim | None:
    """Lease the oldest due message that is its sender's oldest queued one (so a sender's
    messages run one at a time, in order); None when nothing is due or every due one is
    another worker's.

    Read in arrival order through the queued rows' own index, each candidate checked for
    an earlier queued message of its sender through the (phone, id) one: the first free
    head is found after a few rows however long the queue (grouping every sender's head
    first cost a pass over the whole backlog per claim).
    """
    now = rt.now()
    earlier = aliased(Message)
    with rt.transaction() as db:
        query = (select(Message)
                 .where(_queued(),
                        or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
                        or_(Message.claimed_until.is_(None), Message.claimed_until < now),
                        # `_queued()` names no table: inside, it is the earlier row's.
                        ~exists().where(earlier.phone == Message.phone,
                                        earlier.id < Message.id, _queued()))
                 .order_by(Message.id).limit(1))
        if phone is not None:
            query = query.where(Message.phone == phone)
        if not is_sqlite(rt.engine):
            query = query.with_for_update(skip_locked=True, of=Message)
        row = db.scalar(query)
        if row is None:
            return None
        row.claimed_by, row.claimed_until = worker, now + _lease(rt)
        row.attempts = (row.attempts or 0) + 1
        return Claim(row.id, row.attempts)


def inline_worker() -> str:
    """A worker name for one caller that runs messages itself (a drain, the simulator):
    unique, since a claim is only as good as the name it was taken under."""
    return f"inline:{uuid.uuid4().hex}"


def process_due(rt: Runtime, handler: Handler | None = None, worker: str | None = None,
                phone: str | None = None) -> dict[str, int]:
    """Run every message that is due (only `phone`'s when given), in order per sender,
    until none is left; the counts of each outcome."""
    handler = handler or rt.handler
    worker = worker or inline_worker()
    if handler is None:
        raise RuntimeError("no conversation handler: the runtime was built without one")
    counts: dict[str, int] = {}
    while (claim := claim_next(rt, worker, phone)) is not None:
        outcome = handle_claimed(rt, claim, worker, handler)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


def receive_inbound(rt: Runtime, msg: Inbound, handler: Handler) -> Outcome:
    """Store the message and run it here and now through the workers' own path (the
    simulator and the demo show the replies at once); a redelivery changes nothing."""
    if not store_inbound(rt, msg, wake=False):
        return Outcome(None, duplicate=True)
    process_due(rt, handler, phone=msg.phone)
    with rt.sessions() as db:
        row = db.scalar(select(Message).where(Message.sid == msg.sid))
    status = row.status if row is not None else None
    return Outcome(row.id if row is not None else None,
                   rate_limited=status == InStatus.RATE_LIMITED.value,
                   failed=status == InStatus.FAILED.value,
                   queued=status == InStatus.QUEUED.value)


def retry_failed(rt: Runtime, since: datetime | None = None) -> int:
    """Queue failed inbound messages (received since `since`) again, for the workers; how
    many. Each runs afresh, with its attempts counted from zero."""
    now = rt.now()
    with rt.transaction() as db:
        query = (update(Message)
                 .where(Message.direction == "in", Message.status == InStatus.FAILED.value)
                 .values(status=InStatus.QUEUED.value, attempts=0, next_attempt_at=now,
                         claimed_by=None, claimed_until=None))
        if since is not None:
            query = query.where(Message.created_at >= since)
        count = db.execute(query.execution_options(synchronize_session=False)).rowcount
        if count:
            announce(rt, db)
    log.info("inbound retry: %d failed message(s) queued again", count)
    return count
