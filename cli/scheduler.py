"""`scheduler run`: the periodic jobs in their own process, one active runner at a time."""

from __future__ import annotations

import signal
import threading

import click
from flask.cli import AppGroup

from cli.common import echo_template, runtime
from services.jobs import LEASE_NAME, LeasedScheduler


@click.group("scheduler", help="Penjadwal tugas berkala (sweep SLA, outbox, dst.).",
             cls=AppGroup)
def scheduler_group() -> None:
    pass


@scheduler_group.command("run", help="Jalankan penjadwal sampai dihentikan (Ctrl+C/SIGTERM).")
@click.option("--stop-after", type=float, default=None, hidden=True,
              help="Berhenti sendiri setelah sekian detik (untuk uji).")
def run_command(stop_after: float | None) -> None:
    rt = runtime()
    runner = LeasedScheduler(rt)
    stop = threading.Event()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) if in_main else None
    runner.start()
    echo_template("scheduler_started.txt", holder=runner.holder, zone=rt.settings.timezone,
                  lease=LEASE_NAME, jobs=runner.jobs)
    try:
        stop.wait(stop_after)
    except KeyboardInterrupt:
        pass
    finally:
        runner.stop()
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        echo_template("scheduler_stopped.txt", holder=runner.holder)
