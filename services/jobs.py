"""The periodic jobs, declared once, run by APScheduler only where the database lease is held.

`flask --app wsgi scheduler run` runs them in their own process; with RUN_SCHEDULER=1 the
web process runs the very same scheduler (`start_background_scheduler`). Start as many as
you like: the lease keeps exactly one active, and when its holder dies another takes over
once the lease expires. Every job is also safe to run twice (row locks and claims), so the
lease is there to avoid wasted work, not to keep the data right.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler

from services.channel.delivery import deliver_due, worker_id
from services.core.clock import Clock
from services.core.lease import acquire_lease, release_lease
from services.core.runtime import Runtime
from services.media.worker import fetch_due_media
from services.reports.digest import daily_digest_job
from services.reports.month_close import month_close_job
from services.tickets.sweep import sweep

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
RENEW_EVERY = timedelta(seconds=10)
LEASE_TTL = timedelta(seconds=30)
# A job more than five minutes late (a busy or suspended process) is dropped; missed
# runs are coalesced into one, and a job never overlaps itself.
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}


@dataclass(frozen=True)
class Job:
    """A periodic job: a stable id, what it runs, and APScheduler trigger arguments."""

    id: str
    run: Callable[[Runtime], object]
    trigger: Mapping[str, Any]


def every(**interval: float) -> dict[str, Any]:
    """An interval trigger: every(minutes=1), every(seconds=10)."""
    return {"trigger": "interval", **interval}


def cron(**fields: Any) -> dict[str, Any]:
    """A cron trigger in the app's zone: cron(day_of_week="mon-fri", hour=7)."""
    return {"trigger": "cron", **fields}


def run_sweep(rt: Runtime) -> object:
    """Reminders and breaches as of now."""
    return sweep(rt, rt.now())


def deliver_outbox(rt: Runtime) -> object:
    """Send whatever the outbox has due (retries included)."""
    return deliver_due(rt, rt.transport)


# Every periodic job, in one place. Ids are stable: logs and the lease refer to them.
JOBS: list[Job] = [
    Job("sla-sweep", run_sweep, every(minutes=1)),
    Job("outbox-deliver", deliver_outbox, every(seconds=10)),
    # Downloads and deletions at Twilio, held photos; a web process also runs them at once.
    Job("media-fetch", fetch_due_media, every(seconds=30)),
    # 07:00 WIB; the later runs only catch up after downtime (once per supervisor per date).
    Job("daily-digest", daily_digest_job, cron(hour="7-15", minute="*/15")),
    # The 1st of each month: freeze the month that ended (later runs that day are no-ops).
    Job("month-close", month_close_job, cron(day=1, hour="0-23", minute=5)),
]


class LeasedScheduler:
    """APScheduler whose jobs run only while this process holds the database lease."""

    def __init__(self, rt: Runtime, jobs: list[Job] | None = None, *,
                 holder: str | None = None, renew_every: timedelta = RENEW_EVERY,
                 ttl: timedelta = LEASE_TTL, clock: Clock | None = None) -> None:
        if ttl <= renew_every:
            raise ValueError("the lease must outlive at least one renewal interval")
        self.rt, self.jobs = rt, list(JOBS if jobs is None else jobs)
        self.holder = holder or worker_id()
        self.renew_every, self.ttl = renew_every, ttl
        self.clock = clock or rt.clock
        self._valid_until: datetime | None = None
        self._lock = threading.Lock()
        self.scheduler = BackgroundScheduler(timezone=rt.settings.zone,
                                             job_defaults=dict(JOB_DEFAULTS))

    def holds_lease(self) -> bool:
        """True while the last renewal still covers now (with a renewal's margin)."""
        with self._lock:
            return self._valid_until is not None and self.clock() < self._valid_until

    def renew(self) -> bool:
        """Take or renew the lease; jobs stop at once if it cannot be renewed."""
        now = self.clock()
        try:
            held = acquire_lease(self.rt, LEASE_NAME, self.holder, self.ttl, now)
        except Exception:  # database down: behave as a non-holder until it is back
            log.exception("scheduler lease: renewal failed")
            held = False
        with self._lock:
            was_held = self._valid_until is not None
            # Stop one renewal before expiry, so a new holder never overlaps us.
            self._valid_until = now + self.ttl - self.renew_every if held else None
        if held != was_held:
            log.info("scheduler %s %s the lease", self.holder,
                     "acquired" if held else "does not hold")
        return held

    def _guarded(self, job: Job) -> Callable[[], None]:
        def run() -> None:
            if self.holds_lease():
                job.run(self.rt)
        run.__name__ = job.id
        return run

    def start(self) -> None:
        """Try the lease now, then renew it and run the jobs in background threads."""
        # APScheduler logs every run at INFO: every 10 s, from every process. Keep errors.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        self.renew()
        self.scheduler.add_job(self.renew, "interval", id="scheduler-lease",
                               seconds=self.renew_every.total_seconds())
        for job in self.jobs:
            self.scheduler.add_job(self._guarded(job), id=job.id, name=job.id, **job.trigger)
        self.scheduler.start()

    def stop(self, release: bool = True) -> None:
        """Stop the jobs (waiting for running ones) and hand the lease over at once."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        with self._lock:
            held, self._valid_until = self._valid_until is not None, None
        if release and held:
            try:
                release_lease(self.rt, LEASE_NAME, self.holder, self.clock())
            except Exception:  # it expires by itself anyway
                log.exception("scheduler lease: release failed")


def start_background_scheduler(rt: Runtime) -> LeasedScheduler:
    """Run the jobs inside this (web) process, under the same lease as `scheduler run`."""
    runner = LeasedScheduler(rt)
    runner.start()
    rt.on_close(runner.stop)
    return runner
