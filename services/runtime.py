"""The runtime: settings, database, calendar, clock and messaging, built once per process.

The web views, the CLI commands and the scheduler jobs all reach the services through one
Runtime, so they share one code path.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session, sessionmaker

from services.clock import Clock, system_clock
from services.db import make_engine, make_sessionmaker
from services.settings import Settings
from services.transport import Transport, make_transport
from sla.calendar import WorkCalendar

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    calendar: WorkCalendar
    clock: Clock = system_clock
    transport: Transport | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def now(self) -> datetime:
        """The current instant, from the configured clock."""
        return self.clock()

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

    def on_outbox_commit(self, callback) -> None:
        """Call `callback()` after any commit that queued outbound messages."""
        self.extras.setdefault("outbox_listeners", []).append(callback)

    def close(self) -> None:
        """Stop background workers and release connections."""
        for stop in self.extras.pop("stoppers", []):
            stop()
        self.engine.dispose()


def _wire_outbox_wakeup(rt: Runtime) -> None:
    # A service that queues a message marks the session; after the commit that makes
    # the row durable, the sender is woken so the message leaves within a second.
    @event.listens_for(rt.sessions, "after_commit")
    def _after_commit(session: Session) -> None:
        if session.info.pop("outbox_dirty", False):
            for callback in rt.extras.get("outbox_listeners", []):
                try:
                    callback()
                except Exception:  # a wake-up failure must never undo a commit
                    log.exception("outbox wake-up failed")

    @event.listens_for(rt.sessions, "after_rollback")
    def _after_rollback(session: Session) -> None:
        session.info.pop("outbox_dirty", None)


def build_runtime(settings: Settings, clock: Clock | None = None) -> Runtime:
    """Connect the pieces the settings describe; opens no connection yet."""
    engine = make_engine(settings.database_url)
    rt = Runtime(settings=settings, engine=engine, sessions=make_sessionmaker(engine),
                 calendar=settings.calendar(), clock=clock or system_clock,
                 transport=make_transport(settings))
    _wire_outbox_wakeup(rt)
    if settings.outbox_sender_thread:
        from services.sender import OutboxSender

        sender = OutboxSender(rt, rt.transport)
        rt.on_outbox_commit(sender.wake)
        rt.extras.setdefault("stoppers", []).append(sender.stop)
    return rt
