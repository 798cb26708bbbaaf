"""Conversation state in the database: survives restarts and is shared by every worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from models import Conversation

IDLE_EXPIRY = timedelta(hours=24)
_ROWS = "conversation_rows"  # session.info: phone -> its row (None: known to have none)


@dataclass
class State:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


def _known(db: Session) -> dict[str, Conversation | None]:
    return db.info.setdefault(_ROWS, {})


def _forget_rows(session: Session) -> None:
    session.info.pop(_ROWS, None)


# Known for one transaction: after it, another worker may have changed the row.
event.listen(Session, "after_commit", _forget_rows)
event.listen(Session, "after_rollback", _forget_rows)


def _row(db: Session, phone: str) -> Conversation | None:
    """The number's row, read once per transaction (held here, so it is not re-read)."""
    known = _known(db)
    if phone not in known:
        known[phone] = db.get(Conversation, phone)
    return known[phone]


def load_state(db: Session, phone: str, now: datetime) -> State | None:
    """The number's current flow, or None (no flow, or idle for 24 hours)."""
    # Locked on PostgreSQL: two messages from one number are answered one after the other
    # (SQLite's writers are serialised anyway).
    row = db.get(Conversation, phone, with_for_update=db.bind.dialect.name != "sqlite" or None)
    _known(db)[phone] = row
    if row is None:
        return None
    if now - row.updated_at > IDLE_EXPIRY:
        clear_state(db, phone)
        return None
    return State(row.flow, row.step, dict(row.data or {}))


def save_state(db: Session, phone: str, state: State, now: datetime) -> None:
    """Remember where this number is in a flow."""
    row = _row(db, phone)
    if row is None:
        row = Conversation(phone=phone, flow=state.flow, step=state.step, data=state.data,
                           updated_at=now)
        db.add(row)
        _known(db)[phone] = row
    else:
        row.flow, row.step, row.data, row.updated_at = state.flow, state.step, state.data, now


def clear_state(db: Session, phone: str) -> None:
    """End whatever flow this number was in."""
    row = _row(db, phone)
    if row is not None:
        db.delete(row)
        _known(db)[phone] = None


def expect_rating(db: Session, phone: str, ticket_id: int, now: datetime) -> None:
    """After a close, the citizen's next answer is a rating — unless they are mid-request."""
    current = _row(db, phone)
    if current is not None and now - current.updated_at <= IDLE_EXPIRY \
            and current.flow == "request":
        return
    save_state(db, phone, State("rating", "ask", {"ticket": ticket_id, "tries": 0}), now)
