"""Crashes: kill -9 the web server (gunicorn's master and workers) twice under load and
the scheduler in the middle of a sweep, restart them → nothing acknowledged with a 2xx is
lost, no outbound message is lost or sent twice, every breach is recorded once."""

from __future__ import annotations

import sys
import threading
import time

import pytest
from sqlalchemy import func, select, text

from models import Breach, Message
from services.channel.inbound import Inbound, store_inbound
from tests.reliability.harness import (
    LoadDriver,
    Process,
    assert_breached_once,
    assert_delivered_exactly_once,
    assert_one_answer_per_message,
    assert_tickets_once,
    citizen_phone,
    conversation,
    scan_log,
    seed_overdue_tickets,
    unsent,
    wait_until,
)
from tests.support.privacy_scan import Identifiers

pytestmark = pytest.mark.reliability

CITIZENS, TICKETS_EACH = 100, 4           # 2 000 messages


def test_kill_9_of_the_web_server_mid_load(pg_url, rig_factory, capsys):
    rig = rig_factory(pg_url)
    rig.web.start()
    conversations = [conversation(i, TICKETS_EACH, "kw") for i in range(CITIZENS)]
    total = sum(map(len, conversations))
    driver = LoadDriver(rig.web.base_url, conversations, senders=40, give_up_after=120)
    acked_at_kill: list[set[str]] = []
    downtime: list[float] = []

    def crash_twice():
        for share in (0.3, 0.65):
            wait_until(lambda s=share: len(driver.result.acked) >= s * total, 300,
                       f"{share:.0%} of the load", every=0.05)
            rig.web.kill9()
            with driver._lock:
                acked_at_kill.append(set(driver.result.acked))
            started = time.monotonic()
            time.sleep(1)
            rig.web.start()
            downtime.append(time.monotonic() - started)

    crasher = threading.Thread(target=crash_twice)
    crasher.start()
    result = driver.run(rig.env["PUBLIC_BASE_URL"])
    crasher.join()
    drained = wait_until(lambda: unsent(rig.rt) == 0, 180, "the outbox to drain")
    rig.web.stop()

    sids = {form["MessageSid"] for conv in conversations for form in conv}
    assert len(acked_at_kill) == 2 and result.acked == sids
    assert_one_answer_per_message(rig.rt, sids)        # includes everything acked at a kill
    assert_tickets_once(rig.rt, range(CITIZENS), TICKETS_EACH)
    delivered = assert_delivered_exactly_once(
        rig.rt, rig.fake, ordered=[citizen_phone(i) for i in range(CITIZENS)])
    failed = {s: n for s, n in result.statuses.items() if s >= 500}
    assert not failed, failed
    assert Identifiers.collect(rig.rt).leaks(rig.web.log()) == []
    with capsys.disabled():
        print(f"\n[crash web] kill -9 at {len(acked_at_kill[0])} and {len(acked_at_kill[1])} "
              f"of {total} messages acknowledged; back after "
              f"{', '.join(f'{d:.1f} s' for d in downtime)}; {result.requests} requests, "
              f"connection errors {dict(result.errors)}, statuses {dict(result.statuses)}; "
              f"nothing acknowledged was lost; {delivered} messages delivered exactly once, "
              f"outbox drained {drained:.1f} s after the last request")


def test_kill_9_of_the_scheduler_mid_sweep(pg_url, rig_factory, capsys):
    rig = rig_factory(pg_url)
    tickets = seed_overdue_tickets(rig.rt, 600)
    runner = rig.scheduler()
    rig_factory.processes.append(runner)

    def breaches() -> int:
        with rig.rt.sessions() as db:
            return db.scalar(select(func.count()).select_from(Breach))

    runner.start()
    wait_until(lambda: breaches() >= 60, 120, "the sweep to start breaching", every=0.05)
    runner.kill9()
    at_kill = breaches()
    assert at_kill < len(tickets), "the sweep finished before the kill: nothing was tested"
    started = time.monotonic()
    runner.start()                          # waits for the dead holder's lease to expire
    wait_until(lambda: breaches() == len(tickets), 180, "every breach")
    wait_until(lambda: unsent(rig.rt) == 0, 180, "the outbox to drain")
    recovered = time.monotonic() - started
    runner.stop()

    counts = assert_breached_once(rig.rt, tickets)
    delivered = assert_delivered_exactly_once(rig.rt, rig.fake)
    problems = scan_log(runner.log())
    assert problems["tracebacks"] == 0, runner.log()[-4000:]
    with capsys.disabled():
        print(f"\n[crash scheduler] kill -9 after {at_kill} of {len(tickets)} breaches; a new "
              f"scheduler took the lease and finished in {recovered:.1f} s; "
              f"{counts['breaches']} breaches recorded once, {counts['notices']} breach "
              f"notices queued once; {delivered} messages delivered exactly once")


def _inbox_worker(rig, name: str) -> Process:
    return Process(name, [sys.executable, "-m", "flask", "--app", "wsgi", "worker",
                          "--threads", "1"], rig.env, rig.log_dir)


def _waiting_on_conversations(rt) -> bool:
    with rt.sessions() as db:
        return bool(db.scalar(text(
            "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE c.relname = 'conversation' AND NOT l.granted")))


def test_kill_9_of_an_inbox_worker_mid_message(pg_url, rig_factory, capsys):
    """A worker killed while it runs a conversation: another takes the message over after
    the lease and handles it once (the dead one's effects never commit)."""
    rig = rig_factory(pg_url, INBOUND_LEASE_SECONDS="3", RUN_WORKER="0")
    first, second = _inbox_worker(rig, "worker-a"), _inbox_worker(rig, "worker-b")
    rig_factory.processes.extend([first, second])
    phone, sid = citizen_phone(1), "SMkill9".ljust(34, "0")
    # Hold the conversation table: the worker blocks inside the handler, mid-transaction.
    blocker = rig.rt.engine.connect()
    hold = blocker.begin()
    blocker.execute(text("LOCK TABLE conversation IN ACCESS EXCLUSIVE MODE"))
    try:
        first.start()
        wait_until(lambda: "Inbox worker: 1 threads" in first.log(), 60, "worker a to start",
                   every=0.1)
        assert store_inbound(rig.rt, Inbound(sid=sid, phone=phone, body="MENU"))
        wait_until(lambda: _waiting_on_conversations(rig.rt), 30,
                   "worker a to be inside the conversation", every=0.05)
        first.kill9()
    finally:
        hold.rollback()
        blocker.close()
    started = time.monotonic()
    second.start()
    wait_until(lambda: _status(rig.rt, sid) == "processed", 60, "worker b to take it over",
               every=0.1)
    taken_over = time.monotonic() - started
    wait_until(lambda: unsent(rig.rt) == 0, 60, "the reply to leave")
    second.stop()
    assert_one_answer_per_message(rig.rt, {sid})
    with rig.rt.sessions() as db:
        attempts = db.scalar(select(Message.attempts).where(Message.sid == sid))
    assert attempts == 2                                    # claimed by a, then by b
    assert len(rig.fake.by_recipient().get(phone, [])) == 1   # one reply, sent once
    with capsys.disabled():
        print(f"\n[crash worker] kill -9 mid-message; taken over and handled once "
              f"{taken_over:.1f} s later (lease 3 s)")


def _status(rt, sid: str) -> str | None:
    with rt.sessions() as db:
        return db.scalar(select(Message.status).where(Message.sid == sid))
