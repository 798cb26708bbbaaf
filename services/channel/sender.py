"""A background sender in each web process: woken after a commit that queued messages."""

from __future__ import annotations

import logging
import threading

from services.channel.delivery import deliver_due, worker_id
from services.core.runtime import Runtime
from services.core.transport import Transport

log = logging.getLogger(__name__)


class OutboxSender:
    """Delivers the outbox promptly; also wakes every `poll` seconds for retries."""

    def __init__(self, rt: Runtime, transport: Transport, poll: float = 2.0) -> None:
        self.rt, self.transport, self.poll = rt, transport, poll
        self.worker = worker_id()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def wake(self) -> None:
        """Ask for a delivery round now; starts the thread on first use (after fork)."""
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="outbox-sender",
                                                daemon=True)
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
            self._wake.wait(self.poll)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                deliver_due(self.rt, self.transport, worker=self.worker)
            except Exception:  # keep the thread alive: the next round retries
                log.exception("outbox delivery round failed")
