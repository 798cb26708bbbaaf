"""The demo's discrete-event engine: stories take turns on one manual clock.

A story is a generator: it does something at the current simulated instant (a person
writes through the real inbound path, a job runs) and then yields when it wants to go
on, as a `timedelta` from now or an aware `datetime`. The engine runs the stories in
time order (ties in the order they were scheduled), moving the runtime's ManualClock to
each story's instant first, so every service sees the simulated time as "now".
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from models import Citizen, Conversation, Direction, Message, Staff, Ticket
from services.channel.inbound import Inbound, Outcome
from services.channel.inbox import receive_inbound
from services.core.clock import ManualClock
from services.core.context import Handler
from services.core.runtime import Runtime

Story = Iterator[timedelta | datetime | None]


@dataclass(frozen=True)
class TicketView:
    """What a story needs to know about a ticket it follows."""

    id: int
    status: str
    officer_phone: str | None
    deadline_at: datetime | None
    rw_id: int


class Sim:
    """The stories waiting to run, the clock they share, and the doors they use."""

    def __init__(self, rt: Runtime, handler: Handler, start: datetime, seed: int) -> None:
        if not isinstance(rt.clock, ManualClock):
            raise TypeError("the demo runtime needs a ManualClock")
        self.rt, self.handler, self.clock = rt, handler, rt.clock
        self.now = start
        self.seed = seed
        self._queue: list[tuple[datetime, int, Story]] = []
        self._order = itertools.count()
        self._sids = itertools.count(1)
        self.clock.set(start)

    def spawn(self, story: Story, at: datetime | timedelta | None = None) -> None:
        """Start `story` at `at` (default: now)."""
        when = self._when(at)
        heapq.heappush(self._queue, (when, next(self._order), story))

    def _when(self, at: datetime | timedelta | None) -> datetime:
        if at is None:
            return self.now
        if isinstance(at, timedelta):
            return self.now + at
        return max(at, self.now)

    def run_until(self, end: datetime, on_story: Callable[[datetime], None] | None = None) -> None:
        """Run every story step due before `end`; later steps stay queued."""
        while self._queue and self._queue[0][0] < end:
            when, _, story = heapq.heappop(self._queue)
            self.now = when
            self.clock.set(when)
            try:
                wake = next(story)
            except StopIteration:
                continue
            heapq.heappush(self._queue, (self._when(wake), next(self._order), story))
            if on_story is not None:
                on_story(when)

    def pending(self) -> int:
        """Story steps still queued (cut off by the end of the demo)."""
        return len(self._queue)

    # --- the doors the stories use -------------------------------------------------

    def say(self, phone: str, body: str = "", *, media: list[dict[str, str]] | None = None,
            location: tuple[float, float] | None = None, replied_sid: str | None = None,
            name: str | None = None) -> Outcome:
        """`phone` writes to the bot now, exactly as Twilio's webhook would deliver it."""
        message = Inbound(sid=f"SMdemo{self.seed:06d}{next(self._sids):020d}", phone=phone,
                          body=body, media=list(media or []),
                          latitude=location[0] if location else None,
                          longitude=location[1] if location else None,
                          replied_sid=replied_sid, profile_name=name)
        return receive_inbound(self.rt, message, self.handler)

    def after_working(self, minutes: float) -> datetime:
        """The instant `minutes` of working time from now (from the next opening if closed)."""
        return self.rt.calendar.add_working_time(self.now, timedelta(minutes=minutes))

    def working_minutes_until(self, instant: datetime) -> float:
        """Working minutes between now and `instant` (0 if it has passed)."""
        return self.rt.calendar.working_time_between(self.now, instant).total_seconds() / 60

    def latest_ticket(self, phone: str) -> TicketView | None:
        """The newest ticket of the citizen with this number."""
        with self.rt.sessions() as db:
            ticket_id = db.scalar(select(Ticket.id).join(Citizen, Ticket.citizen_id == Citizen.id)
                                  .where(Citizen.phone == phone)
                                  .order_by(Ticket.id.desc()).limit(1))
        return None if ticket_id is None else self.ticket(ticket_id)

    def ticket(self, ticket_id: int) -> TicketView | None:
        """A ticket as it stands now."""
        with self.rt.sessions() as db:
            row = db.execute(select(Ticket.id, Ticket.status, Staff.phone, Ticket.deadline_at,
                                    Ticket.rw_id)
                             .outerjoin(Staff, Ticket.officer_id == Staff.id)
                             .where(Ticket.id == ticket_id)).first()
        if row is None:
            return None
        return TicketView(row[0], str(getattr(row[1], "value", row[1])), row[2], row[3], row[4])

    def step_of(self, phone: str) -> tuple[str, dict] | None:
        """Where this number is in a conversation flow: (step, data), or None."""
        with self.rt.sessions() as db:
            row = db.get(Conversation, phone)
            return None if row is None else (row.step, dict(row.data or {}))

    def bot_message_sid(self, phone: str, ticket_id: int) -> str | None:
        """The SID of the bot's first delivered message to `phone` about the ticket."""
        with self.rt.sessions() as db:
            return db.scalar(select(Message.sid).where(
                Message.direction == Direction.OUT.value, Message.phone == phone,
                Message.ticket_id == ticket_id, Message.sid.is_not(None))
                .order_by(Message.id).limit(1))
