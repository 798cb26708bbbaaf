"""The outbox: a message to anyone is a row written in the transaction that caused it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models import Direction, Lane, Message, OutStatus
from services.core.settings import Settings
from services.people.phones import mask_phone

log = logging.getLogger(__name__)

BODY_LIMIT = 1600
WINDOW = timedelta(hours=24)
# Kinds that may reach someone who has not written lately and so may need a template.
PROACTIVE_KINDS = frozenset({"new_ticket", "reminder", "breach", "digest", "notice", "relay"})
_QUEUED = "outbox_queued"   # session.info: this transaction queued messages


def take_queued_mark(db: Session) -> bool:
    """Whether the session's transaction queued messages; clears the mark (read once, at
    its commit or rollback)."""
    return bool(db.info.pop(_QUEUED, False))


@dataclass(frozen=True)
class Envelope:
    """What a service wants said to someone, before it is stored."""

    to: str
    body: str
    kind: str = "reply"
    ticket_id: int | None = None
    in_reply_to_id: int | None = None
    variables: dict[str, Any] | None = None
    # Stored media items ({"id": …}) sent as MediaUrl with the last part; WhatsApp shows
    # one per message, so whoever queues sends each in its own envelope.
    media: tuple[dict[str, Any], ...] = ()


def split_body(text: str, limit: int = BODY_LIMIT) -> list[str]:
    """Split at line boundaries into parts of at most `limit` characters, in order."""
    parts: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:  # one line longer than a message: cut at a space
            cut = line.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:cut].rstrip())
            line = line[cut:].lstrip()
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            parts.append(current)
            candidate = line
        current = candidate
    if current.strip() or not parts:
        parts.append(current)
    return [p.strip("\n") for p in parts if p.strip()] or [""]


def lane_of(env: Envelope) -> str:
    """An answer to the recipient's own message goes in the reply lane, all else in the
    notice lane; each lane leaves in order, neither waits on the other."""
    return Lane.REPLY.value if env.in_reply_to_id is not None else Lane.NOTICE.value


def last_inbound_at(db: Session, phone: str) -> datetime | None:
    """When this number last wrote to us (the start of WhatsApp's 24-hour window)."""
    return db.scalar(select(func.max(Message.created_at)).where(
        Message.phone == phone, Message.direction == Direction.IN.value))


def window_open(db: Session, phone: str, now: datetime) -> bool:
    """Whether free text may be sent: the number wrote to us within 24 hours."""
    last = last_inbound_at(db, phone)
    return last is not None and now - last < WINDOW


def _template_for(db: Session, settings: Settings, env: Envelope, now: datetime) -> str | None:
    if env.kind not in PROACTIVE_KINDS or window_open(db, env.to, now):
        return None
    sid = settings.content_sids.get(env.kind) or (
        settings.content_sids.get("notice") if env.kind == "relay" else None)
    if sid is None:
        log.warning("no Content template for %s messages: sending free text to %s outside "
                    "the 24-hour window", env.kind, mask_phone(env.to))
    return sid


def _default_variables(body: str) -> dict[str, str]:
    # WhatsApp template variables may not hold newlines or long runs of spaces.
    return {"1": " · ".join(line.strip() for line in body.splitlines() if line.strip())[:1000]}


def queue(db: Session, settings: Settings, now: datetime, env: Envelope) -> list[Message]:
    """Store the message (split if long, templated outside the window) for the sender."""
    content_sid = _template_for(db, settings, env, now)
    bodies = [env.body] if content_sid else split_body(env.body)
    rows = [Message(direction=Direction.OUT.value, phone=env.to, body=body, kind=env.kind,
                    lane=lane_of(env), status=OutStatus.PENDING.value, ticket_id=env.ticket_id,
                    in_reply_to_id=env.in_reply_to_id, content_sid=content_sid,
                    content_variables=(env.variables or _default_variables(env.body))
                    if content_sid else None, media=[],
                    attempts=0, next_attempt_at=now, created_at=now)
            for body in bodies]
    if env.media and not content_sid:
        rows[-1].media = [dict(item) for item in env.media]
    db.add_all(rows)
    db.info[_QUEUED] = True
    return rows


def hold(db: Session, now: datetime, env: Envelope) -> Message:
    """Store a message that may not leave yet (its photo is still downloading, or the
    recipient's window is closed); `requeue` sends it when it may."""
    row = Message(direction=Direction.OUT.value, phone=env.to, body=env.body, kind=env.kind,
                  lane=lane_of(env), status=OutStatus.HELD.value, ticket_id=env.ticket_id,
                  in_reply_to_id=env.in_reply_to_id, media=[dict(m) for m in env.media],
                  attempts=0, created_at=now)
    db.add(row)
    return row


def requeue(db: Session, settings: Settings, now: datetime, held: Message) -> list[Message]:
    """Send a held message now: queued afresh at the end of its lane to the recipient (the
    sender keeps one message per number and lane in flight, in order), the placeholder
    removed."""
    rows = queue(db, settings, now, Envelope(
        to=held.phone, body=held.body or "", kind=held.kind, ticket_id=held.ticket_id,
        in_reply_to_id=held.in_reply_to_id, media=tuple(held.media or ())))
    db.delete(held)
    return rows
