"""Conversation state in the database: survives restarts and is shared by every worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from models import Conversation

IDLE_EXPIRY = timedelta(hours=24)


@dataclass
class State:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


def load_state(db: Session, phone: str, now: datetime) -> State | None:
    """The number's current flow, or None (no flow, or idle for 24 hours)."""
    # None on SQLite (its writers are serialised): the identity map then serves later gets.
    row = db.get(Conversation, phone, with_for_update=db.bind.dialect.name != "sqlite" or None)
    if row is None:
        return None
    if now - row.updated_at > IDLE_EXPIRY:
        db.delete(row)
        return None
    return State(row.flow, row.step, dict(row.data or {}))


def save_state(db: Session, phone: str, state: State, now: datetime) -> None:
    """Remember where this number is in a flow."""
    row = db.get(Conversation, phone)
    if row is None:
        db.add(Conversation(phone=phone, flow=state.flow, step=state.step, data=state.data,
                            updated_at=now))
    else:
        row.flow, row.step, row.data, row.updated_at = state.flow, state.step, state.data, now


def clear_state(db: Session, phone: str) -> None:
    """End whatever flow this number was in."""
    row = db.get(Conversation, phone)
    if row is not None:
        db.delete(row)


def expect_rating(db: Session, phone: str, ticket_id: int, now: datetime) -> None:
    """After a close, the citizen's next answer is a rating — unless they are mid-request."""
    current = db.scalar(select(Conversation).where(Conversation.phone == phone))
    if current is not None and now - current.updated_at <= IDLE_EXPIRY \
            and current.flow == "request":
        return
    save_state(db, phone, State("rating", "ask", {"ticket": ticket_id, "tries": 0}), now)
