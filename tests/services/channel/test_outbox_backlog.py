"""A large outbox backlog (thousands of messages, a few officers with hundreds each) must
not slow each claim down quadratically: found under load, where one claim took 20 s."""

from __future__ import annotations

import time

from sqlalchemy import insert, select

from models import Message
from services.channel.delivery import _claim

OFFICERS = [f"+62812000001{i:02d}" for i in range(4)]


def test_a_claim_stays_fast_and_takes_only_queue_heads_with_a_big_backlog(rt, clock):
    now = clock()
    rows = []
    for n in range(8000):
        phone = OFFICERS[n % 4] if n % 3 == 0 else f"+628573{n % 600:07d}"
        rows.append({"direction": "out", "phone": phone, "body": f"pesan {n}", "media": [],
                     "kind": "reply", "status": "pending", "attempts": 0,
                     "next_attempt_at": now, "created_at": now})
    with rt.transaction() as db:
        db.execute(insert(Message), rows)
    started = time.perf_counter()
    claimed = _claim(rt, "w1", 50)
    elapsed = time.perf_counter() - started
    assert len(claimed) == 50 and elapsed < 2.0, elapsed
    with rt.sessions() as db:
        for row, _ in claimed:
            earlier = db.scalar(select(Message.id).where(
                Message.phone == row.phone, Message.id < row.id,
                Message.status.in_(("pending", "sending"))))
            assert earlier is None, "a message was claimed before an older one to its number"
    assert len({row.phone for row, _ in claimed}) == 50


def test_with_both_lanes_waiting_a_claim_takes_each_lanes_head_and_stays_fast(rt, clock):
    now = clock()
    rows = []
    for n in range(8000):
        phone = OFFICERS[n % 4] if n % 3 == 0 else f"+628573{n % 600:07d}"
        rows.append({"direction": "out", "phone": phone, "body": f"pesan {n}", "media": [],
                     "kind": "reply", "lane": "reply" if n % 2 else "notice",
                     "status": "pending", "attempts": 0, "next_attempt_at": now,
                     "created_at": now})
    with rt.transaction() as db:
        db.execute(insert(Message), rows)
    started = time.perf_counter()
    claimed = _claim(rt, "w1", 200)
    elapsed = time.perf_counter() - started
    assert len(claimed) == 200 and elapsed < 2.0, elapsed
    with rt.sessions() as db:
        for row, _ in claimed:
            earlier = db.scalar(select(Message.id).where(
                Message.phone == row.phone, Message.lane == row.lane, Message.id < row.id,
                Message.status.in_(("pending", "sending"))))
            assert earlier is None, "a message was claimed before an older one in its lane"
    lanes = [(row.phone, row.lane) for row, _ in claimed]
    assert len(set(lanes)) == 200 and {lane for _, lane in lanes} == {"reply", "notice"}
