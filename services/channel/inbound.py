"""Receiving one WhatsApp message: store it once, `queued`, for a worker to run.

This is all Twilio's request waits for: one `INSERT … ON CONFLICT (sid) DO NOTHING` and
one commit (a redelivered MessageSid changes nothing). The conversation runs later, in a
worker (services/channel/inbox.py), woken after the commit: in this process through the
runtime's commit listeners, in others by PostgreSQL's NOTIFY (or their short poll).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import text
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


def store_inbound(rt: Runtime, msg: Inbound, *, wake: bool = True) -> bool:
    """Store the message once as `queued` and wake the workers after the commit; False
    when its MessageSid was stored before (nothing changes). `wake=False`: the caller
    handles it at once itself (the simulator, the demo)."""
    now = rt.now()
    insert = (upsert_insert(rt.engine, Message.__table__)
              .values(direction=Direction.IN.value, sid=msg.sid, phone=msg.phone,
                      body=msg.body, media=list(msg.media), latitude=msg.latitude,
                      longitude=msg.longitude, replied_sid=msg.replied_sid,
                      profile_name=msg.profile_name, kind="reply",
                      status=InStatus.QUEUED.value, attempts=0, next_attempt_at=now,
                      created_at=now)
              .on_conflict_do_nothing(index_elements=["sid"])
              .returning(Message.id))   # a row back only when stored now
    with rt.transaction() as db:
        stored = db.execute(insert).scalar() is not None
        if stored and wake:
            announce(rt, db)
    return stored


def announce(rt: Runtime, db: Session) -> None:
    """Wake the workers once this transaction commits: this process's at once, other
    processes' through NOTIFY (PostgreSQL delivers it with the commit, never before)."""
    if not is_sqlite(rt.engine):
        db.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))
    wake_after_commit(db, WAKE_TOPIC)
