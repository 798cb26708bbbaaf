"""`worker`: inbox worker threads (and this process's outbox sender) until stopped."""

from __future__ import annotations

import os
import signal
import threading

import click

from cli.common import echo_template, runtime
from services.channel.workers import InboxWorkers


@click.command("worker", help="Jalankan pekerja pesan masuk sampai dihentikan "
                              "(Ctrl+C/SIGTERM).")
@click.option("--threads", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Jumlah thread pekerja dalam proses ini.")
@click.option("--stop-after", type=float, default=None, hidden=True,
              help="Berhenti sendiri setelah sekian detik (untuk uji).")
def worker_command(threads: int, stop_after: float | None) -> None:
    rt = runtime()
    if rt.handler is None:
        raise click.ClickException("no conversation handler")
    workers = InboxWorkers(rt, rt.handler, threads=threads)
    stop = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()
    previous = {sig: signal.signal(sig, lambda *_: stop.set())
                for sig in (signal.SIGTERM, signal.SIGINT)} if in_main else {}
    workers.start()
    echo_template("worker_started.txt", threads=threads, pid=os.getpid())
    try:
        stop.wait(stop_after)
    finally:
        workers.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        rt.close()   # the outbox sender finishes its round of the workers' replies
        echo_template("worker_stopped.txt")
