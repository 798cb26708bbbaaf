"""Running the same work in two threads at once, as two processes would."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def at_once(work: Callable[[], Any], count: int = 2) -> tuple[list[Any], list[Exception]]:
    """Start `work` in `count` threads released together; (results, errors) when all end."""
    barrier = threading.Barrier(count)
    results: list[Any] = []
    errors: list[Exception] = []

    def run() -> None:
        try:
            barrier.wait()
            results.append(work())
        except Exception as exc:  # surfaced to the caller; a thread cannot fail a test
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results, errors
