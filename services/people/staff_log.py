"""The staff event log: every change to a person's leave is one appended `StaffEvent`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from models import Staff, StaffEvent


def record_staff_event(db: Session, at: datetime, staff: Staff, kind: str, *,
                       actor: Staff | None = None, **details: Any) -> StaffEvent:
    """Append an audit event about `staff` (the actor is a person, or the system)."""
    event = StaffEvent(staff_id=staff.id, at=at, kind=kind,
                       actor_kind="staff" if actor else "system",
                       actor_id=actor.id if actor else None, details=details)
    db.add(event)
    return event

