"""Media arriving with a message: one `Media` row per item, decided at once where it can be.

Called by the inbound path right after it stores the message, so every item of every
stored message is registered (answered, rate-limited or failed alike) and the webhook only
inserts rows: the download runs later, in the fetcher woken after the commit.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models import Media, MediaStatus, Message
from services.core.runtime import wake_after_commit
from services.core.settings import Settings
from services.media.fetch import on_twilio_host
from services.media.files import write_file
from services.media.kinds import HOST, SIBLING, TYPE, WAKE_TOPIC, check_bytes, declared_ok

log = logging.getLogger(__name__)


def _from_twilio(settings: Settings, row: Media, url: str, now: datetime) -> None:
    if not on_twilio_host(settings, url):
        # Never requested (the account's credentials would go with it); the URL not kept.
        row.status, row.reason = MediaStatus.REFUSED.value, HOST
        log.warning("message %s: media item %d is not on the Twilio API host; refused, "
                    "never requested", row.message_id, row.position)
        return
    row.source_url = url
    if declared_ok(row.declared_type):
        row.status, row.next_attempt_at = MediaStatus.PENDING.value, now
        return
    row.status, row.reason = MediaStatus.REFUSED.value, TYPE
    if settings.media_delete_at_twilio:   # nothing to keep, but Twilio's copy still goes
        row.next_attempt_at = now


def _row_for(settings: Settings, message: Message, position: int, item: dict[str, Any],
             now: datetime) -> Media:
    declared = str(item.get("content_type") or "")[:100].lower()
    row = Media(message_id=message.id, position=position, declared_type=declared,
                attempts=0, created_at=now)
    if item.get("url"):
        _from_twilio(settings, row, str(item["url"]), now)
    elif item.get("file"):   # uploaded in the simulator or the demo: already in the store
        row.status, row.sha256, row.stored_at = MediaStatus.STORED.value, item["file"], now
        row.content_type, row.size = item.get("content_type"), item.get("size")
    else:
        row.status, row.reason = MediaStatus.REFUSED.value, str(item.get("refused") or TYPE)
    return row


def _summary(row: Media) -> dict[str, Any]:
    """What the message keeps of an item: its row, its type, a refusal known at once."""
    summary: dict[str, Any] = {"id": row.id, "content_type": row.content_type
                               or row.declared_type}
    if row.status == MediaStatus.REFUSED.value:
        summary["refused"] = row.reason
    return summary


def register_media(db: Session, settings: Settings, message: Message, now: datetime) -> None:
    """Give each media item of a just-stored inbound message its row (after its flush);
    the message then names its items by row id instead of by Twilio's URL."""
    items = list(message.media or [])
    if not items:
        return
    rows = [_row_for(settings, message, i, item, now) for i, item in enumerate(items)]
    if any(r.status == MediaStatus.REFUSED.value for r in rows):
        # The conversation refuses the whole message: keep none of its items.
        for row in rows:
            if row.status != MediaStatus.REFUSED.value:
                row.status, row.reason = MediaStatus.REFUSED.value, SIBLING
                row.next_attempt_at = now if row.source_url and \
                    settings.media_delete_at_twilio else None
        log.info("message %s: %d media item(s) refused on arrival (%s)", message.id,
                 len(rows), ", ".join(sorted({r.reason or "" for r in rows})))
    db.add_all(rows)
    db.flush()
    message.media = [_summary(r) for r in rows]
    if any(r.next_attempt_at is not None for r in rows):
        wake_after_commit(db, WAKE_TOPIC)


def accept_upload(settings: Settings, data: bytes, declared_type: str) -> dict[str, Any]:
    """A file given to us directly (the simulator, the demo): checked like a download and
    stored, as a media item for an `Inbound`; a refused one carries its reason."""
    declared = (declared_type or "").split(";")[0].strip().lower()
    if not declared_ok(declared):
        return {"content_type": declared, "refused": TYPE}
    content_type, reason = check_bytes(data)
    if reason is not None:
        return {"content_type": declared, "refused": reason}
    return {"file": write_file(settings, data), "content_type": content_type, "size": len(data)}
