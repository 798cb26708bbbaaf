"""A background thread that runs one round of work when woken, and every `poll` seconds."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class WakeableLoop:
    """Runs `work()` in a daemon thread: at once when woken, else every `poll` seconds
    (retries that fell due, work left by a process that stopped)."""

    def __init__(self, name: str, work: Callable[[], object], poll: float = 5.0) -> None:
        self.name, self.work, self.poll = name, work, poll
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def wake(self) -> None:
        """Ask for a round now; starts the thread on first use (so after a fork)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Finish the current round and stop."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.work()
            except Exception:  # keep the thread alive: the next round retries
                log.exception("%s: round failed", self.name)
            self._wake.wait(self.poll)
