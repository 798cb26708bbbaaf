"""The media job: download what is pending, delete Twilio's copy, retry with backoff.

Rows are claimed with a lease (several processes may run rounds); the network calls run
outside any transaction, and an outcome is written only while the claim still holds. A
refusal or a failure known only after the download is told to the sender; the
conversation never waits for any of it.
"""

from __future__ import annotations

import logging
import os
import random
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from models import Media, MediaStatus, Message, Ticket
from services.core.db import is_sqlite
from services.core.outbox import Envelope, queue
from services.core.runtime import Runtime
from services.core.texts import render
from services.media.fetch import FetchError, delete_at_twilio, download
from services.media.files import write_file
from services.media.kinds import FAILED, SIZE, check_bytes
from services.media.outbound import release_held

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BACKOFF = timedelta(seconds=10)
MAX_BACKOFF = timedelta(minutes=30)
CLAIM = 20


@dataclass(frozen=True)
class Claimed:
    """What a round needs of a claimed row, read inside the claim's transaction."""

    id: int
    status: str
    source_url: str
    attempts: int


def _worker_id() -> str:
    name = f"media:{socket.gethostname()}:{os.getpid()}:{random.getrandbits(24):06x}"  # noqa: S311
    return name[-64:]


def _claim(rt: Runtime, worker: str) -> list[Claimed]:
    now = rt.now()
    with rt.transaction() as db:
        query = (select(Media).where(Media.next_attempt_at.is_not(None),
                                     Media.next_attempt_at <= now,
                                     or_(Media.claimed_until.is_(None),
                                         Media.claimed_until < now))
                 .order_by(Media.next_attempt_at, Media.id).limit(CLAIM))
        if not is_sqlite(rt.engine):
            query = query.with_for_update(skip_locked=True)
        claimed = []
        for row in db.scalars(query).all():
            row.claimed_by, row.claimed_until = worker, now + LEASE
            claimed.append(Claimed(row.id, row.status, row.source_url or "", row.attempts))
        return claimed


def _backoff(attempts: int) -> timedelta:
    jittered = BACKOFF * (2 ** (attempts - 1)) * random.uniform(0.75, 1.25)  # noqa: S311
    return min(jittered, MAX_BACKOFF)


def _write(db: Session, item: Claimed, worker: str, values: dict) -> bool:
    """Write the outcome only while this worker still holds the claim."""
    done = db.execute(update(Media).where(Media.id == item.id, Media.claimed_by == worker)
                      .values(claimed_by=None, claimed_until=None, **values))
    return done.rowcount == 1


def _tell_sender(db: Session, rt: Runtime, media_id: int, reason: str, now: datetime) -> None:
    """A refusal or failure found after the download: the sender hears it, politely."""
    media = db.get(Media, media_id)
    message = db.get(Message, media.message_id) if media is not None else None
    if media is None or message is None or not message.phone.startswith("+"):
        return   # an anonymised sender (purged) is told nothing
    ticket = db.get(Ticket, media.ticket_id) if media.ticket_id is not None else None
    body = render("media_refused", tz=rt.settings.timezone, reason=reason, ticket=ticket,
                  sent_at=message.created_at, position=media.position + 1,
                  count=len(message.media or []))
    queue(db, rt.settings, now, Envelope(to=message.phone, body=body, kind="reply",
                                         ticket_id=media.ticket_id,
                                         in_reply_to_id=message.id))


def _settle(rt: Runtime, item: Claimed, worker: str, values: dict,
            tell: str | None = None) -> None:
    now = rt.now()
    with rt.transaction() as db:
        if _write(db, item, worker, values) and tell is not None:
            _tell_sender(db, rt, item.id, tell, now)


def _retry_or(rt: Runtime, item: Claimed, worker: str, error: FetchError,
              final: dict, tell: str | None = None) -> str:
    """Try again later while attempts remain; else write `final` (and tell the sender)."""
    attempts = item.attempts + 1
    if error.retryable and attempts < rt.settings.media_fetch_attempts:
        _settle(rt, item, worker, {"attempts": attempts, "reason": error.reason,
                                   "next_attempt_at": rt.now() + _backoff(attempts)})
        log.warning("media %s: attempt %d failed (%s), will retry", item.id, attempts,
                    error.reason)
        return "retry"
    _settle(rt, item, worker, {"attempts": attempts, "reason": error.reason,
                               "next_attempt_at": None, **final}, tell)
    log.error("media %s: given up after %d attempt(s) (%s)", item.id, attempts, error.reason)
    return "failed"


def _download_one(rt: Runtime, item: Claimed, worker: str) -> str:
    settings = rt.settings
    data = b""
    try:
        data = download(settings, item.source_url)
        content_type, refusal = check_bytes(data)
    except FetchError as error:
        if error.reason != SIZE:
            return _retry_or(rt, item, worker, error, {"status": MediaStatus.FAILED.value},
                             tell=FAILED)
        content_type, refusal = None, SIZE
    cleanup = rt.now() if settings.media_delete_at_twilio else None
    if refusal is not None:
        _settle(rt, item, worker, {"status": MediaStatus.REFUSED.value, "reason": refusal,
                                   "attempts": 0, "next_attempt_at": cleanup}, tell=refusal)
        log.info("media %s: refused after download (%s)", item.id, refusal)
        return "refused"
    _settle(rt, item, worker, {"status": MediaStatus.STORED.value, "reason": None,
                               "sha256": write_file(settings, data), "size": len(data),
                               "content_type": content_type, "stored_at": rt.now(),
                               "attempts": 0, "next_attempt_at": cleanup})
    return "stored"


def _delete_one(rt: Runtime, item: Claimed, worker: str) -> str:
    """Delete Twilio's copy of an item we are done with (stored or refused)."""
    try:
        gone = delete_at_twilio(rt.settings, item.source_url)
    except FetchError as error:
        return _retry_or(rt, item, worker, error, {})
    values: dict = {"attempts": 0, "next_attempt_at": None}
    if gone:
        values.update(source_url=None, twilio_deleted_at=rt.now())
    _settle(rt, item, worker, values)
    return "deleted" if gone else "kept"


def _work_on(rt: Runtime, item: Claimed, worker: str) -> str:
    if item.status == MediaStatus.PENDING.value:
        return _download_one(rt, item, worker)
    if item.source_url and rt.settings.media_delete_at_twilio:
        return _delete_one(rt, item, worker)
    _settle(rt, item, worker, {"next_attempt_at": None})   # nothing left to do
    return "idle"


def fetch_due_media(rt: Runtime, worker: str | None = None) -> dict[str, int]:
    """One round: every due download and deletion, then the held photos that may go."""
    worker = worker or _worker_id()
    counts: dict[str, int] = {}
    while claimed := _claim(rt, worker):
        for item in claimed:
            outcome = _work_on(rt, item, worker)
            counts[outcome] = counts.get(outcome, 0) + 1
    for name, count in release_held(rt).items():
        counts[name] = counts.get(name, 0) + count
    return counts
