"""Photos sent on to staff (and an officer's to the citizen), one WhatsApp message each.

WhatsApp shows one media item per message, and Twilio fetches its MediaUrl when it sends:
so each item goes as its own message after the text, with a short caption, and only once
its file is stored. Until then it waits in the outbox as `held` (outside the sender's
queue, so nothing else to that number waits behind it); a refused or failed download, or a
ticket closed meanwhile, drops it. Where Content templates are configured (production),
WhatsApp delivers nothing but templates outside the 24-hour window: a photo to someone
who has not written for 24 hours waits until they write (the text itself goes as the
template); it is on the dashboard meanwhile.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from models import FINAL_STATUSES, Media, MediaStatus, Message, OutStatus, Ticket
from services.core.context import Ctx
from services.core.db import is_sqlite
from services.core.outbox import Envelope, hold, queue, requeue, window_open
from services.core.runtime import Runtime
from services.core.settings import Settings
from services.media.catalogue import media_ids

KIND = "media"
BATCH = 200
UNUSABLE = (MediaStatus.REFUSED.value, MediaStatus.FAILED.value, MediaStatus.PURGED.value)


def _may_send(db, settings: Settings, phone: str, now: datetime) -> bool:
    """Free-form media may go now: the window is open, or no templates are in use."""
    return not settings.content_sids or window_open(db, phone, now)


def send_media(ctx: Ctx, to: str, ticket: Ticket, items: Iterable[Mapping[str, Any]], *,
               source: str = "citizen") -> int:
    """Queue each usable item as its own message to `to` (held until stored); how many."""
    ids = media_ids(items)
    rows = {m.id: m for m in ctx.db.scalars(select(Media).where(Media.id.in_(ids)))} \
        if ids else {}
    usable = [rows[i] for i in ids if i in rows and rows[i].status not in UNUSABLE]
    ready = _may_send(ctx.db, ctx.settings, to, ctx.now)
    for number, media in enumerate(usable, 1):
        caption = ctx.text("media_caption", ticket=ticket, n=number, total=len(usable),
                           source=source, media=media)
        env = Envelope(to=to, body=caption, kind=KIND, ticket_id=ticket.id,
                       media=({"id": media.id, "content_type": media.content_type
                               or media.declared_type},))
        if ready and media.status == MediaStatus.STORED.value:
            queue(ctx.db, ctx.settings, ctx.now, env)
        else:
            hold(ctx.db, ctx.now, env)
    return len(usable)


def _verdict(db, settings: Settings, row: Message, now: datetime) -> str:
    """What to do with a held message now: send, drop or wait."""
    ids = media_ids(row.media or [])
    statuses = set(db.scalars(select(Media.status).where(Media.id.in_(ids)))) if ids else set()
    ticket = db.get(Ticket, row.ticket_id) if row.ticket_id is not None else None
    if not statuses or statuses <= set(UNUSABLE) or (ticket and ticket.status in FINAL_STATUSES):
        return "drop"
    if MediaStatus.PENDING.value in statuses or not _may_send(db, settings, row.phone, now):
        return "wait"
    return "send"


def release_held(rt: Runtime) -> dict[str, int]:
    """Send the held photos whose file is stored (and whose window is open), drop those
    that never will be; the others wait for the next round."""
    counts = {"released": 0, "dropped": 0}
    now = rt.now()
    with rt.transaction() as db:
        query = select(Message).where(Message.status == OutStatus.HELD.value) \
            .order_by(Message.id).limit(BATCH)
        if not is_sqlite(rt.engine):   # two fetchers never send one photo twice
            query = query.with_for_update(skip_locked=True)
        for row in db.scalars(query).all():
            verdict = _verdict(db, rt.settings, row, now)
            if verdict == "send":
                requeue(db, rt.settings, now, row)
                counts["released"] += 1
            elif verdict == "drop":
                row.status, row.status_at = OutStatus.DROPPED.value, now
                row.error_message = "media unavailable or ticket closed"
                counts["dropped"] += 1
    return counts
