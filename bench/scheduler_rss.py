"""Benchmark: peak memory (VmHWM) of the scheduler process on a busy morning.

    .venv/bin/python bench/scheduler_rss.py          # SQLite, and PostgreSQL if it answers

The database is the report benchmark's month (100 k tickets, 1,400 officers, 185
supervisors). A child process builds the app exactly as `flask --app wsgi scheduler run`
does, starts the leased APScheduler, and runs each of its jobs once at 07:00 WIB on
1 December 2026 (a manual clock): the SLA sweep (reminders, breaches, late days), every
supervisor's daily digest, the month close of November (the whole report, frozen), and
the outbox delivering all of it (console transport). It then reports its peak resident
set size.
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from common import ROOT, backends, fresh_database, peak_rss_mb, pg_base_url

MORNING = datetime(2026, 12, 1, 7, 0, tzinfo=ZoneInfo("Asia/Jakarta"))


def child(url: str) -> None:
    """In the measured process: the scheduler, its jobs once each, then the figures."""
    from services.core.clock import ManualClock
    from services.jobs import JOBS, LeasedScheduler
    from wsgi import create_app

    started = peak_rss_mb_self()
    app = create_app({"DATABASE_URL": url, "MESSAGING_TRANSPORT": "console",
                      "OUTBOX_SENDER_THREAD": "0", "LOG_LEVEL": "ERROR",
                      "CLOCK": ManualClock(MORNING)})
    rt = app.extensions["layanan"]
    # The APScheduler machinery and the lease as in `scheduler run`; the jobs are run here,
    # once each and in order, rather than by their timers (which would race the calls).
    runner = LeasedScheduler(rt, jobs=[])
    runner.start()
    outcomes, seconds = {}, {}
    # The morning's order: sweep, digests, month close; then the outbox sends it all.
    order = ["sla-sweep", "daily-digest", "month-close", "outbox-deliver"]
    try:
        for job in sorted(JOBS, key=lambda j: order.index(j.id) if j.id in order else 99):
            begun = time.perf_counter()
            outcomes[job.id] = str(job.run(rt))[:200]
            seconds[job.id] = round(time.perf_counter() - begun, 2)
    finally:
        runner.stop()
        rt.close()
    print(json.dumps({"peak_rss_mb": peak_rss_mb_self(), "rss_at_start_mb": started,
                      "job_seconds": seconds, "outcomes": outcomes}))


def peak_rss_mb_self() -> float:
    import os

    return peak_rss_mb(os.getpid())


def measure(backend: str, pg_url: str | None, workdir: Path) -> dict:
    from report import build

    with fresh_database(backend, workdir, pg_url) as url:
        rt, sizes = build(url, 1400, 100_000)
        rt.close()
        done = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", url],
                              capture_output=True, text=True, cwd=ROOT, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"scheduler child failed:\n{done.stderr[-3000:]}")
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    return {"backend": backend, "sizes": sizes, **figures}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return []
    logging.basicConfig(level=logging.ERROR)
    pg_url = pg_base_url()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_sched_") as tmp:
        for backend in backends(pg_url):
            result = measure(backend, pg_url, Path(tmp))
            results.append(result)
            print(f"{backend:10} scheduler peak RSS {result['peak_rss_mb']:.0f} MiB "
                  f"(at start {result['rss_at_start_mb']:.0f} MiB); jobs "
                  f"{result['job_seconds']}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
