"""Inbox worker threads: each drains the due messages (services/channel/inbox.py) when
woken and every `INBOUND_POLL_SECONDS`; with PostgreSQL a listener wakes them when another
process stores a message."""

from __future__ import annotations

import os
import random
import socket
import threading

from services.channel.inbox import process_due
from services.channel.wakeup import InboxListener
from services.core.background import WakeableLoop
from services.core.context import Handler
from services.core.db import is_sqlite
from services.core.runtime import Runtime


def _worker_name(index: int) -> str:
    # Made inside the thread, so after any fork: unique across threads, processes, hosts.
    tag = f"{random.getrandbits(24):06x}"  # noqa: S311 - a name, not a secret
    name = f"in:{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}:{tag}:{index}"
    return name[-64:]


class InboxWorkers:
    """`threads` worker loops; `wake()` starts an idle one (or tells the busy ones to go
    round once more, so a message stored mid-round is never left waiting for the poll)."""

    def __init__(self, rt: Runtime, handler: Handler, threads: int = 1,
                 listen: bool = True) -> None:
        self.rt, self.handler = rt, handler
        self._busy = [False] * threads
        self._loops = [WakeableLoop(f"inbox-worker-{i}", self._round_for(i),
                                    poll=rt.settings.inbound_poll_seconds)
                       for i in range(threads)]
        self._stopped = False
        self._listener = InboxListener(rt.engine, self.wake) \
            if listen and not is_sqlite(rt.engine) else None

    @property
    def threads(self) -> int:
        return len(self._loops)

    def _round_for(self, index: int):
        local = threading.local()

        def round_() -> None:
            if getattr(local, "name", None) is None:
                local.name = _worker_name(index)
            self._busy[index] = True
            try:
                process_due(self.rt, self.handler, worker=local.name)
            finally:
                self._busy[index] = False
        return round_

    def start(self) -> None:
        """Start every loop (each drains what is due at once) and the listener."""
        self._stopped = False
        for loop in self._loops:
            loop.wake()
        if self._listener is not None:
            self._listener.start()

    def wake(self) -> None:
        """A message was stored: have a worker look now."""
        if self._stopped:
            return
        if self._listener is not None:
            self._listener.start()   # no-op while it runs; restarts it after a fork
        for index, loop in enumerate(self._loops):
            if not self._busy[index]:
                loop.wake()
                return
        for loop in self._loops:
            loop.wake()

    def stop(self, timeout: float = 10.0) -> None:
        """Let each loop finish the message in hand, then stop."""
        self._stopped = True
        if self._listener is not None:
            self._listener.stop()
        for loop in self._loops:
            loop.stop(timeout)
