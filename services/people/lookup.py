"""Finding an officer in a supervisor's region by what the supervisor types: a name (or
part of one), a phone number in any form, or an 18-digit NIP."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from models import Staff
from services.people.directory import officers_in_scope
from services.people.phones import PhoneError, normalize_phone

_WORD = re.compile(r"[^\w]+")
_LAYOUT = re.compile(r"[\s().\-/]+")


def _words(text: str) -> list[str]:
    return [w for w in _WORD.split(text.lower()) if w]


def _by_name(people: list[Staff], query: str) -> list[Staff]:
    """Everyone whose name holds each typed word as a word start; a whole-name match wins."""
    wanted = _words(query)
    if not wanted:
        return []
    whole = [p for p in people if _words(p.name) == wanted]
    if whole:
        return whole
    return [p for p in people
            if all(any(w.startswith(part) for w in _words(p.name)) for part in wanted)]


def find_officers(db: Session, supervisor: Staff, query: str) -> list[Staff]:
    """Officers and backups in the supervisor's region that `query` names (none outside)."""
    people = list(db.scalars(officers_in_scope(supervisor).order_by(Staff.name, Staff.id)))
    compact = _LAYOUT.sub("", query)
    if compact.isdigit() and len(compact) == 18:
        return [p for p in people if p.nip == compact]
    if compact.lstrip("+").isdigit() and len(compact) >= 9:
        try:
            phone = normalize_phone(query)
        except PhoneError:
            return []
        return [p for p in people if p.phone == phone]
    return _by_name(people, query)


def officer_in_scope(db: Session, supervisor: Staff, staff_id: int) -> Staff | None:
    """The officer with this id if they serve in the supervisor's region, else None."""
    return db.scalar(officers_in_scope(supervisor).where(Staff.id == staff_id))
