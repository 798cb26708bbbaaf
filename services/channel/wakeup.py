"""PostgreSQL's NOTIFY and LISTEN: wake the inbox workers of other processes.

The webhook does not notify inside its own transaction: PostgreSQL takes one cluster-wide
lock for the commit of a transaction that notified and holds it through the WAL flush, so
every webhook commit, of every process, would run one after the other. Instead, after its
commit the webhook pokes this process's `InboxNotifier`, one thread that sends `NOTIFY` on
a connection borrowed from the pool, once for all the messages stored since its last one.

In each process with workers, one `InboxListener` thread listens on its own connection and
wakes the local workers; if the connection drops it reconnects (and wakes them once, for
whatever was stored meanwhile). The workers' short poll covers a lost wake-up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from services.channel.inbound import NOTIFY_CHANNEL
from services.core.background import WakeableLoop

log = logging.getLogger(__name__)

RECONNECT_SECONDS = 2.0
IDLE_SECONDS = 600.0   # the notifier's loop between pokes: nothing to do but wait


def _dsn(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


class InboxNotifier:
    """Sends `NOTIFY layanan_inbox` after `poke()`, from one background loop: one
    notification for every poke since the last one (a burst costs a few, not one each).
    It borrows a pooled connection for each, so closing the runtime leaves none open."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._loop = WakeableLoop("inbox-notifier", self._notify, poll=IDLE_SECONDS)
        self.poke, self.stop = self._loop.wake, self._loop.stop

    def _notify(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    f"NOTIFY {NOTIFY_CHANNEL}")
        except DBAPIError as error:   # the workers' poll covers it
            log.warning("inbox notifier: %s", type(error.orig).__name__)


class InboxListener:
    """A daemon thread: `LISTEN layanan_inbox`, calling `wake()` on each notification."""

    def __init__(self, engine: Engine, wake: Callable[[], None]) -> None:
        self.dsn, self.wake_workers = _dsn(engine), wake
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start listening (again after a fork: a thread does not survive it)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._stop.clear()
                self._thread = threading.Thread(target=self._run, name="inbox-listener",
                                                daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 3.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._listen()
            except psycopg.Error as error:
                log.warning("inbox listener: %s; reconnecting", type(error).__name__)
                self._stop.wait(RECONNECT_SECONDS)

    def _listen(self) -> None:
        with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self.wake_workers()   # anything stored while nobody listened
            while not self._stop.is_set():
                woken = False
                for _ in conn.notifies(timeout=0.5):
                    woken = True   # several at once: one wake-up covers them all
                    break
                if woken:
                    self.wake_workers()
