"""PostgreSQL's LISTEN: wake this process's inbox workers when another process stores.

The webhook's transaction sends `NOTIFY` (services/channel/inbound.py), which PostgreSQL
delivers only once it commits. One thread per process listens on its own connection and
wakes the local workers; if the connection drops it reconnects (and wakes them once, for
whatever was stored meanwhile). The workers' short poll covers the gap.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy import Engine

from services.channel.inbound import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

RECONNECT_SECONDS = 2.0


def _dsn(engine: Engine) -> str:
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


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
