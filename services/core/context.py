"""The context a business operation runs in: one session, one instant, one runtime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from models import Message
from services.core.clock import local_date
from services.core.outbox import Envelope, queue
from services.core.runtime import Runtime
from services.core.settings import Settings
from services.core.texts import render
from sla.calendar import WorkCalendar


@dataclass
class Ctx:
    db: Session
    now: datetime
    rt: Runtime

    @property
    def settings(self) -> Settings:
        return self.rt.settings

    @property
    def calendar(self) -> WorkCalendar:
        return self.rt.calendar

    @property
    def today(self) -> date:
        """The date of `now` in the app's zone."""
        return local_date(self.now, self.settings.zone)

    def text(self, template: str, **context: Any) -> str:
        """Render a message template in the app's zone."""
        return render(template, tz=self.settings.timezone, **context)

    def notify(self, to: str, template: str, *, kind: str = "notice",
               ticket_id: int | None = None, variables: dict[str, Any] | None = None,
               in_reply_to_id: int | None = None, **context: Any) -> list[Message]:
        """Queue a message to `to` in this transaction (sent after commit)."""
        body = self.text(template, ticket_id=ticket_id, **context)
        return queue(self.db, self.settings, self.now,
                     Envelope(to=to, body=body, kind=kind, ticket_id=ticket_id,
                              in_reply_to_id=in_reply_to_id, variables=variables))


@dataclass
class Turn(Ctx):
    """A context answering one inbound WhatsApp message."""

    inbound: Message

    @property
    def sender(self) -> str:
        return self.inbound.phone

    def reply(self, template: str, *, ticket_id: int | None = None,
              **context: Any) -> list[Message]:
        """Answer the sender of the inbound message."""
        return self.notify(self.inbound.phone, template, kind="reply", ticket_id=ticket_id,
                           in_reply_to_id=self.inbound.id, **context)


Handler = Callable[[Turn], Any]   # answers one inbound message inside its Turn
