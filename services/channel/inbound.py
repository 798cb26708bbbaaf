"""Receiving one WhatsApp message: store it once, `queued`, for a worker to run.

This is all Twilio's request waits for: one `INSERT … ON CONFLICT (sid) DO NOTHING` and
one commit (a redelivered MessageSid changes nothing). The conversation runs later, in a
worker (services/channel/inbox.py), woken after the commit through the runtime's listeners
of `WAKE_TOPIC`: this process's workers, and on PostgreSQL the notifier that wakes other
processes' (services/channel/wakeup.py; their short poll covers a lost wake-up).
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, Executable, bindparam, func, select
from sqlalchemy.orm import Session

from models import Direction, InStatus, Message
from services.core.db import is_sqlite, upsert_insert
from services.core.runtime import Runtime, wake_after_commit

WAKE_TOPIC = "inbox"                 # the in-process signal: `rt.on_commit_of(WAKE_TOPIC, …)`
NOTIFY_CHANNEL = "layanan_inbox"     # PostgreSQL's, for workers in other processes


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
    queued: bool = False            # not handled yet (a worker or a retry will)


_STORED_COLUMNS = ("direction", "sid", "phone", "body", "media", "latitude", "longitude",
                   "replied_sid", "profile_name", "kind", "status", "attempts",
                   "next_attempt_at", "created_at")
_STORE: dict[str, Executable] = {}   # one statement per dialect, built (and compiled) once


def _store_statement(engine: Engine) -> Executable:
    """`INSERT … ON CONFLICT (sid) DO NOTHING RETURNING id`: a row back only when stored
    now. No NOTIFY in it: that would serialise every webhook's commit (see
    services/channel/wakeup.py); the wake-up after the commit reaches other processes."""
    statement = _STORE.get(engine.dialect.name)
    if statement is None:
        statement = _STORE[engine.dialect.name] = (
            upsert_insert(engine, Message.__table__)
            .values({name: bindparam(name) for name in _STORED_COLUMNS})
            .on_conflict_do_nothing(index_elements=["sid"])
            .returning(Message.id))
    return statement


def _store_connection(engine: Engine) -> AbstractContextManager[Connection]:
    """Where the one statement runs. PostgreSQL: in autocommit (the statement is its own
    transaction, one round trip instead of BEGIN, INSERT, COMMIT). SQLite: a transaction
    under its write lock (BEGIN IMMEDIATE), committed at the end of the block."""
    if is_sqlite(engine):
        return engine.begin()
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def store_inbound(rt: Runtime, msg: Inbound, *, wake: bool = True) -> bool:
    """Store the message once as `queued` and wake the workers after the commit; False
    when its MessageSid was stored before (nothing changes). `wake=False`: the caller
    handles it at once itself (the simulator, the demo).

    Twilio waits on this: one statement and one commit on a bare connection (no session,
    no statement built per request)."""
    now = rt.now()
    values = {"direction": Direction.IN.value, "sid": msg.sid, "phone": msg.phone,
              "body": msg.body, "media": list(msg.media), "latitude": msg.latitude,
              "longitude": msg.longitude, "replied_sid": msg.replied_sid,
              "profile_name": msg.profile_name, "kind": "reply",
              "status": InStatus.QUEUED.value, "attempts": 0, "next_attempt_at": now,
              "created_at": now}
    with _store_connection(rt.engine) as conn:
        stored = conn.execute(_store_statement(rt.engine), values).first() is not None
    if stored and wake:
        rt.wake(WAKE_TOPIC)
    return stored


def announce(rt: Runtime, db: Session) -> None:
    """Wake the workers once this transaction commits: this process's at once, other
    processes' through NOTIFY (PostgreSQL delivers it with the commit, never before)."""
    if not is_sqlite(rt.engine):
        db.execute(select(func.pg_notify(NOTIFY_CHANNEL, "")))
    wake_after_commit(db, WAKE_TOPIC)
