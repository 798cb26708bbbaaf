"""`scheduler run` with test intervals: the production LeasedScheduler, lease and jobs
(sweep, outbox), but every second instead of every minute, so a test can kill it mid-sweep
and see another take over within seconds.

    python -m tests.reliability.scheduler_proc --sweep-every 1
"""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import timedelta

from services.jobs import Job, LeasedScheduler, deliver_outbox, every, run_sweep
from wsgi import create_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sweep-every", type=float, default=1.0)
    args = parser.parse_args()
    app = create_app()
    rt = app.extensions["layanan"]
    jobs = [Job("sla-sweep", run_sweep, every(seconds=args.sweep_every)),
            Job("outbox-deliver", deliver_outbox, every(seconds=1))]
    runner = LeasedScheduler(rt, jobs, renew_every=timedelta(seconds=1),
                             ttl=timedelta(seconds=4))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    runner.start()
    print(f"scheduler {runner.holder} started", flush=True)
    stop.wait()
    runner.stop()
    rt.close()


if __name__ == "__main__":
    main()
