"""A background sender in each process: woken after a commit that queued messages."""

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
        self._queued_here = False

    def wake(self) -> None:
        """Ask for a delivery round now; starts the thread on first use (after fork)."""
        with self._lock:
            self._queued_here = True
            if not self._stop.is_set() and (self._thread is None
                                            or not self._thread.is_alive()):
                self._thread = threading.Thread(target=self._run, name="outbox-sender",
                                                daemon=True)
                self._thread.start()
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the message being sent; the rest of its batch is released unsent.

        The wait is bounded by the lease (a send ends well within it), so a thread stuck
        anyway leaves only that one message, under its lease, to the recovery look-up."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(self.rt.settings.outbox_lease_seconds if timeout is None
                              else timeout)

    def finish(self, seconds: float) -> dict[str, int]:
        """At the end of a command: stop the thread, then send here what is due, for at
        most `seconds` (what is left then is released for any other sender). Nothing is
        sent when this process queued nothing (`db upgrade` never touches the outbox)."""
        self.stop()
        if not self._queued_here:
            return {}
        time_up = threading.Event()
        timer = threading.Timer(seconds, time_up.set)
        timer.daemon = True
        timer.start()
        try:
            counts = deliver_due(self.rt, self.transport, worker=self.worker,
                                 stop=time_up.is_set)
        except Exception:   # e.g. the database went away: the rows are left unclaimed
            log.exception("outbox delivery at exit failed")
            return {}
        finally:
            timer.cancel()
        log.info("outbox at exit: %s", counts)
        return counts

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.poll)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                deliver_due(self.rt, self.transport, worker=self.worker,
                            stop=self._stop.is_set)
            except Exception:  # keep the thread alive: the next round retries
                log.exception("outbox delivery round failed")
