"""The runtime: settings, database, calendar, clock and messaging, built once per process.

The web views, the CLI commands and the scheduler jobs all reach the services through one
Runtime, so they share one code path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from services.core.clock import Clock, local_date, system_clock
from services.core.db import make_engine, make_sessionmaker
from services.core.outbox import take_queued_mark
from services.core.settings import Settings
from services.core.transport import Transport, make_transport
from sla.calendar import WorkCalendar

if TYPE_CHECKING:
    from services.core.context import Handler

log = logging.getLogger(__name__)

_WAKE = "wake_after_commit"   # session.info: topics whose listeners run after the commit


def wake_after_commit(db: Session, topic: str) -> None:
    """Have `topic`'s listeners called once this session's transaction commits (a worker
    woken to pick up rows it can only see after the commit)."""
    db.info.setdefault(_WAKE, set()).add(topic)


@dataclass
class Runtime:
    """What every use case runs with. The composition root (`wsgi.create_app`) fills in the
    conversation handler and registers the background parts it starts."""

    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    calendar: WorkCalendar
    clock: Clock = system_clock
    transport: Transport | None = None
    # `bot.handle_message`, handed in by the composition root: the simulator, the demo and
    # the inbound path run every message through it (services never import `bot`).
    handler: Handler | None = None
    outbox_listeners: list[Callable[[], None]] = field(default_factory=list)
    commit_listeners: dict[str, list[Callable[[], None]]] = field(default_factory=dict)
    stoppers: list[Callable[[], None]] = field(default_factory=list)

    def now(self) -> datetime:
        """The current instant, from the configured clock."""
        return self.clock()

    def today(self) -> date:
        """The current date in the app's zone."""
        return local_date(self.now(), self.settings.zone)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work: commit on success, roll back on error, wake the sender after."""
        session = self.sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def on_outbox_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback()` after any commit that queued outbound messages."""
        self.outbox_listeners.append(callback)

    def on_commit_of(self, topic: str, callback: Callable[[], None]) -> None:
        """Call `callback()` after any commit that asked to wake `topic`."""
        self.commit_listeners.setdefault(topic, []).append(callback)

    def wake(self, topic: str) -> None:
        """Call `topic`'s listeners now (after a commit made outside a session)."""
        _call_all(list(self.commit_listeners.get(topic, [])))

    def on_close(self, stop: Callable[[], None]) -> None:
        """Call `stop()` when the runtime closes (background threads started for it)."""
        self.stoppers.append(stop)

    def close(self) -> None:
        """Stop background workers and release connections."""
        while self.stoppers:
            self.stoppers.pop()()
        self.engine.dispose()


def _call_all(callbacks: list[Callable[[], None]]) -> None:
    for callback in callbacks:
        try:
            callback()
        except Exception:  # a wake-up failure must never undo a commit
            log.exception("wake-up after commit failed")


def _wire_outbox_wakeup(rt: Runtime) -> None:
    # A service that queues a message marks the session; after the commit that makes
    # the row durable, the sender is woken so the message leaves within a second.
    @event.listens_for(rt.sessions, "after_commit")
    def _after_commit(session: Session) -> None:
        callbacks = list(rt.outbox_listeners) if take_queued_mark(session) else []
        for topic in sorted(session.info.pop(_WAKE, ())):
            callbacks += rt.commit_listeners.get(topic, [])
        _call_all(callbacks)

    @event.listens_for(rt.sessions, "after_rollback")
    def _after_rollback(session: Session) -> None:
        take_queued_mark(session)
        session.info.pop(_WAKE, None)


def build_runtime(settings: Settings, clock: Clock | None = None,
                  handler: Handler | None = None) -> Runtime:
    """Connect the pieces the settings describe; opens no connection and starts nothing."""
    engine = make_engine(settings.database_url)
    rt = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine),
                 calendar=settings.calendar(), clock=clock or system_clock,
                 transport=make_transport(settings), handler=handler)
    _wire_outbox_wakeup(rt)
    return rt
