"""The scheduler lease: one holder at a time; a dead holder is replaced after expiry."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from sqlalchemy import select

from models import SchedulerLease
from services.core.clock import system_clock
from services.core.lease import acquire_lease, lease_holder, release_lease
from services.jobs import JOBS, LEASE_NAME, Job, LeasedScheduler, every

TTL = timedelta(seconds=30)


def test_one_holder_renews_and_the_other_waits_for_expiry(rt, clock):
    start = rt.now()
    assert acquire_lease(rt, "jobs", "A", TTL, rt.now())
    assert not acquire_lease(rt, "jobs", "B", TTL, rt.now())
    clock.advance(seconds=10)
    assert acquire_lease(rt, "jobs", "A", TTL, rt.now())      # renewed until +40 s
    clock.advance(seconds=29)
    assert not acquire_lease(rt, "jobs", "B", TTL, rt.now())
    assert lease_holder(rt, "jobs", rt.now()) == "A"

    clock.advance(seconds=1)                                    # A died after its renewal
    assert lease_holder(rt, "jobs", rt.now()) is None
    assert acquire_lease(rt, "jobs", "B", TTL, rt.now())
    assert not acquire_lease(rt, "jobs", "A", TTL, rt.now())   # A is back: too late
    assert lease_holder(rt, "jobs", rt.now()) == "B"
    with rt.sessions() as db:
        row = db.get(SchedulerLease, "jobs")
        assert row.acquired_at == start + timedelta(seconds=40)  # B's, not A's


def test_a_released_lease_is_taken_over_at_once(rt):
    assert acquire_lease(rt, "jobs", "A", TTL, rt.now())
    assert not release_lease(rt, "jobs", "B", rt.now())         # only the holder releases
    assert release_lease(rt, "jobs", "A", rt.now())
    assert acquire_lease(rt, "jobs", "B", TTL, rt.now())


def test_many_contenders_at_once_exactly_one_wins(rt):
    barrier = threading.Barrier(8)
    won: list[str] = []

    def contend(name: str) -> None:
        barrier.wait()
        if acquire_lease(rt, "race", name, TTL, rt.now()):
            won.append(name)

    threads = [threading.Thread(target=contend, args=(f"p{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(won) == 1
    with rt.sessions() as db:
        assert db.scalars(select(SchedulerLease.holder)).all() == won


def _wait_for(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_two_schedulers_one_runs_jobs_and_the_other_takes_over_when_it_dies(rt):
    runs: list[tuple[str, float]] = []
    renew, ttl = timedelta(seconds=0.2), timedelta(seconds=1)

    def scheduler(name: str) -> LeasedScheduler:
        job = Job("tick", lambda _rt: runs.append((name, time.monotonic())), every(seconds=0.05))
        return LeasedScheduler(rt, [job], holder=name, renew_every=renew, ttl=ttl,
                               clock=system_clock)

    first, second = scheduler("first"), scheduler("second")
    first.start()
    second.start()
    try:
        assert _wait_for(lambda: len(runs) >= 5)
        assert {name for name, _ in runs} == {"first"}
        assert lease_holder(rt, LEASE_NAME, system_clock()) == "first"

        died = time.monotonic()
        first.stop(release=False)            # killed: no release, its lease just runs out
        assert _wait_for(lambda: any(name == "second" for name, _ in runs))
        took_over = min(at for name, at in runs if name == "second")
        assert took_over - died >= (ttl - renew).total_seconds() - 0.05
        assert all(at <= died for name, at in runs if name == "first")
        assert lease_holder(rt, LEASE_NAME, system_clock()) == "second"
    finally:
        first.stop()
        second.stop()
    assert lease_holder(rt, LEASE_NAME, system_clock()) is None  # released on a clean stop


def test_the_jobs_are_declared_once_with_stable_ids():
    ids = [job.id for job in JOBS]
    assert ids[:2] == ["sla-sweep", "outbox-deliver"] and len(set(ids)) == len(ids)
    sweep_job = JOBS[0]
    assert sweep_job.trigger == {"trigger": "interval", "minutes": 1}


def test_the_web_process_runs_the_scheduler_only_when_asked(overrides, rt):
    from wsgi import create_app

    assert lease_holder(rt, LEASE_NAME, rt.now()) is None      # tests never start it
    app = create_app({**overrides, "RUN_SCHEDULER": True})
    web_rt = app.extensions["layanan"]
    try:
        assert lease_holder(web_rt, LEASE_NAME, web_rt.now()) is not None
    finally:
        web_rt.close()
    assert lease_holder(rt, LEASE_NAME, rt.now()) is None      # stopped and released


def test_other_flask_commands_never_start_the_scheduler(overrides, rt):
    import click

    from wsgi import create_app

    # `flask db upgrade` with RUN_SCHEDULER=1 (as `./dev serve` exports it) loads the app
    # inside the `flask` group's context: it must not run jobs, nor grab the lease.
    with click.Context(click.Group("flask"), info_name="flask"):
        app = create_app({**overrides, "RUN_SCHEDULER": True})
    try:
        assert lease_holder(rt, LEASE_NAME, rt.now()) is None
    finally:
        app.extensions["layanan"].close()
