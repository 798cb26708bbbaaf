"""Crash of an inbox worker: `kill -9` of a real `flask --app wsgi worker` process while
its threads are in the middle of messages → another worker handles every message exactly
once: one ticket per request, one answer per message, in order per citizen, nothing left
claimed, every reply delivered once.

To be sure the kill lands mid-message, the test holds a lock on the ticket table (as a
slow database would): each "YA" that opens a ticket then waits inside its transaction,
after the conversation has written its other rows. Worker A takes the burst alone until
every one of its threads waits there; worker B starts; A is killed; the lock is released.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text

from tests.reliability.harness import (
    LoadDriver,
    assert_delivered_exactly_once,
    assert_one_answer_per_message,
    assert_tickets_once,
    citizen_phone,
    conversation,
    inbound_statuses,
    replies_out_of_order,
    scan_log,
    unsent,
    wait_until,
)

pytestmark = pytest.mark.reliability

CITIZENS, TICKETS_EACH = 60, 2          # 600 messages


def _blocked_by(rt, pid: int) -> int:
    """How many database sessions wait on the lock held by backend `pid`."""
    with rt.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity "
                                 "WHERE :pid = ANY(pg_blocking_pids(pid))"),
                            {"pid": pid}).scalar_one()


def _done(rt, total: int) -> bool:
    statuses = inbound_statuses(rt)
    return sum(statuses.values()) == total and statuses.get("processed") == total \
        and unsent(rt) == 0


def test_kill_9_of_a_worker_mid_message(pg_url, rig_factory, capsys):
    rig = rig_factory(pg_url, RUN_WORKER="0")
    rig.web.start()
    first = rig.worker("worker-a").start()
    conversations = [conversation(i, TICKETS_EACH, "wk") for i in range(CITIZENS)]
    total = sum(map(len, conversations))
    sids = {form["MessageSid"] for conv in conversations for form in conv}

    locker = rig.rt.engine.connect()
    holding = locker.begin()
    locker.exec_driver_sql("LOCK TABLE ticket IN SHARE ROW EXCLUSIVE MODE")
    locker_pid = locker.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
    try:
        driver = LoadDriver(rig.web.base_url, conversations, senders=20, redeliver=0.2,
                            give_up_after=60)
        load = threading.Thread(target=driver.run, args=(rig.env["PUBLIC_BASE_URL"],))
        load.start()
        threads = first.threads or 1
        wait_until(lambda: _blocked_by(rig.rt, locker_pid) >= threads, 120,
                   f"all {threads} threads of worker A to be mid-message", every=0.1)
        time.sleep(0.5)                      # nothing else of A's moves: its threads all wait
        mid_message = _blocked_by(rig.rt, locker_pid)
        second = rig.worker("worker-b").start()
        time.sleep(1.0)                      # B claims what it may beside A's held messages
        first.kill9()
        killed_at = time.monotonic()
    finally:
        holding.rollback()                   # A's orphaned transactions now roll back
        locker.close()
    load.join()
    result = driver.result
    wait_until(lambda: _done(rig.rt, total), 180,
               "worker B to process every message and the outbox to drain")
    recovered = time.monotonic() - killed_at
    second.stop()
    rig.web.stop()

    assert result.acked == sids and not result.errors, (dict(result.statuses),
                                                        dict(result.errors))
    assert inbound_statuses(rig.rt) == {"processed": total}, "a message was left claimed"
    assert_one_answer_per_message(rig.rt, sids)
    tickets = assert_tickets_once(rig.rt, range(CITIZENS), TICKETS_EACH)
    out_of_order = replies_out_of_order(rig.rt, rig.fake, conversations)
    assert not out_of_order, out_of_order[:5]
    delivered = assert_delivered_exactly_once(
        rig.rt, rig.fake, ordered=[citizen_phone(i) for i in range(CITIZENS)])
    for process in (second, rig.web):
        problems = scan_log(process.log())
        assert problems["tracebacks"] == 0, process.log()[-4000:]
    with capsys.disabled():
        print(f"\n[crash worker] {total} messages ({result.redelivered} redelivered) in a "
              f"burst; kill -9 of worker A ({threads} threads) with {mid_message} "
              f"messages mid-transaction; worker B finished {recovered:.1f} s after the "
              f"kill; every message processed once, {tickets} tickets once, replies in "
              f"order per citizen; {delivered} messages delivered exactly once")
