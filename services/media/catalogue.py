"""Which media belong to a ticket, and the stored file behind a link or a dashboard URL."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from models import Media, MediaRole, MediaStatus
from services.core.settings import Settings
from services.media.files import has_file, path_of
from services.media.kinds import ACCEPTED, IMAGES
from services.media.links import media_path, token_media_id

# What the dashboard's ticket page shows: the citizen's attachments and the evidence.
SHOWN_ROLES = (MediaRole.ATTACHMENT.value, MediaRole.EVIDENCE.value)


@dataclass(frozen=True)
class MediaView:
    """One item as a page lists it."""

    id: int
    role: str
    status: str
    reason: str | None
    content_type: str | None
    size: int | None
    created_at: datetime

    @property
    def is_image(self) -> bool:
        """Shown as a picture (PDFs as a document)."""
        return self.content_type in IMAGES

    @property
    def stored(self) -> bool:
        return self.status == MediaStatus.STORED.value


@dataclass(frozen=True)
class StoredFile:
    """A file ready to be served."""

    path: Path
    content_type: str
    download_name: str


def media_ids(items: Iterable[Mapping[str, Any]]) -> list[int]:
    """The media row ids of message or ticket media items (older items without one skipped)."""
    return [item["id"] for item in items if isinstance(item.get("id"), int)]


def attach_media(db: Session, items: Iterable[Mapping[str, Any]], ticket_id: int,
                 role: MediaRole) -> None:
    """Make the items part of the ticket (an item belongs to one ticket, the first)."""
    ids = media_ids(items)
    if ids:
        db.execute(update(Media).where(Media.id.in_(ids), Media.ticket_id.is_(None))
                   .values(ticket_id=ticket_id, role=role.value))


def ticket_media(db: Session, ticket_id: int) -> list[MediaView]:
    """The ticket's attachments and evidence, in the order they came."""
    rows = db.scalars(select(Media).where(Media.ticket_id == ticket_id,
                                          Media.role.in_(SHOWN_ROLES)).order_by(Media.id))
    return [MediaView(r.id, r.role or "", r.status, r.reason, r.content_type, r.size,
                      r.created_at) for r in rows]


def _stored_file(settings: Settings, row: Media | None) -> StoredFile | None:
    if row is None or row.status != MediaStatus.STORED.value or not row.sha256 \
            or not has_file(settings, row.sha256):
        return None
    content_type = row.content_type or "application/octet-stream"
    extension = ACCEPTED.get(content_type, "bin")
    return StoredFile(path_of(settings, row.sha256), content_type,
                      f"lampiran-{row.id}.{extension}")


def file_for_link(db: Session, settings: Settings, token: str, now: datetime) -> StoredFile | None:
    """The one file a signed link serves; None for a bad or expired token."""
    media_id = token_media_id(settings, token, now)
    return None if media_id is None else _stored_file(settings, db.get(Media, media_id))


def file_for_ticket(db: Session, settings: Settings, ticket_id: int,
                    media_id: int) -> StoredFile | None:
    """An attachment or evidence file of this ticket (the caller checked the scope)."""
    row = db.get(Media, media_id)
    if row is None or row.ticket_id != ticket_id or row.role not in SHOWN_ROLES:
        return None
    return _stored_file(settings, row)


def media_links(db: Session, settings: Settings, ids: Iterable[int],
                now: datetime) -> dict[int, dict[str, Any]]:
    """For a page of this app (the simulator): each item's state and, once stored, a
    signed `/media/…` path to show it."""
    wanted = list(ids)
    rows = db.scalars(select(Media).where(Media.id.in_(wanted))) if wanted else []
    return {row.id: {"url": media_path(settings, row.id, now)
                     if row.status == MediaStatus.STORED.value else None,
                     "content_type": row.content_type or row.declared_type,
                     "status": row.status, "reason": row.reason} for row in rows}
