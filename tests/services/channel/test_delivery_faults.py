"""Twilio misbehaving over real HTTP (tests/fake_twilio_server.py): 500s, 429s, answers that
never come (after the message was or was not created), dropped connections, crashed
senders. After recovery every message is delivered exactly once, in order per number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from models import Message
from services.channel.delivery import _send_one, deliver_due
from services.core.outbox import Envelope, queue
from services.core.transport import Outgoing
from tests.support.whatsapp import twilio_server_settings

RECIPIENTS = [f"+628570000{i:04d}" for i in range(12)]


@pytest.fixture
def overrides(overrides, fake_twilio_server):
    return {**overrides, **twilio_server_settings(fake_twilio_server, timeout=0.4),
            "OUTBOX_BACKOFF_SECONDS": 2}


def _queue_round(rt, label: str) -> None:
    with rt.transaction() as db:
        for phone in RECIPIENTS:
            queue(db, rt.settings, rt.now(), Envelope(to=phone, body=f"{label} untuk {phone}"))


def _unsent(rt) -> int:
    with rt.sessions() as db:
        return db.scalar(select(func.count()).select_from(Message).where(
            Message.direction == "out", Message.status.in_(("pending", "sending"))))


def _drain(rt, clock, rounds: int = 60) -> None:
    """Deliver, letting backoffs and leases pass on the manual clock, until nothing is left."""
    for _ in range(rounds):
        deliver_due(rt, rt.transport)
        if not _unsent(rt):
            return
        clock.advance(seconds=70)
    raise AssertionError(f"{_unsent(rt)} message(s) still unsent")


def _assert_exactly_once_in_order(rt, fake) -> None:
    with rt.sessions() as db:
        rows = list(db.scalars(select(Message).where(Message.direction == "out")
                               .order_by(Message.id)))
    assert {r.status for r in rows} == {"queued"}, [(r.id, r.status, r.error_message)
                                                   for r in rows if r.status != "queued"]
    created = fake.snapshot()
    assert len(created) == len(rows), "a message reached Twilio twice (or never)"
    assert sorted(r.sid for r in rows) == sorted(c.sid for c in created)
    for phone in RECIPIENTS:
        expected = [r.body for r in rows if r.phone == phone]
        assert [c.body for c in fake.by_recipient()[phone]] == expected


@pytest.mark.parametrize("fault, extra", [
    ("500", {}), ("503", {}), ("429", {}), ("drop", {}),
    ("hang", {"hang_seconds": 1.0, "accept": True}),     # Twilio took it; the answer was lost
    ("hang", {"hang_seconds": 1.0, "accept": False}),
])
def test_a_stretch_of_one_fault_ends_in_exactly_once_delivery(rt, clock, fake_twilio_server,
                                                              fault, extra):
    fake = fake_twilio_server
    _queue_round(rt, "Pertama")
    deliver_due(rt, rt.transport)
    _queue_round(rt, "Kedua")
    _queue_round(rt, "Ketiga")
    fake.fault(fault, count=4 if fault == "hang" else 30, **extra)
    deliver_due(rt, rt.transport)
    clock.advance(seconds=5)
    deliver_due(rt, rt.transport)
    assert fake.statuses().get(201, 0) >= len(RECIPIENTS)
    fake.recover()
    _drain(rt, clock)
    _assert_exactly_once_in_order(rt, fake)


def test_mixed_faults_then_recovery(rt, clock, fake_twilio_server):
    fake = fake_twilio_server
    for label in ("Satu", "Dua", "Tiga", "Empat"):
        _queue_round(rt, label)
    fake.fault("500", count=10)
    fake.fault("429", count=10)
    fake.fault("hang", count=3, hang_seconds=0.8, accept=True)
    fake.fault("drop", count=3)
    fake.fault("hang", count=2, hang_seconds=0.8, accept=False)
    for _ in range(4):
        deliver_due(rt, rt.transport)
        clock.advance(seconds=3)
    fake.recover()
    _drain(rt, clock)
    _assert_exactly_once_in_order(rt, fake)
    statuses = fake.statuses()
    assert statuses.get(500) and statuses.get(429) and statuses.get(0)


def test_a_sender_that_died_after_twilio_took_the_message_is_not_repeated(
        rt, clock, fake_twilio_server):
    fake = fake_twilio_server
    _queue_round(rt, "Halo")
    with rt.transaction() as db:  # a sender claimed every row, sent, then was killed -9
        rows = list(db.scalars(select(Message).where(Message.direction == "out")))
        for row in rows:
            row.status, row.claimed_by, row.claimed_until = "sending", "dead", clock()
    for row in rows[:7]:   # it got through seven of them before dying
        rt.transport.send(Outgoing(to=row.phone, body=row.body))
    clock.advance(seconds=1)
    _drain(rt, clock)
    _assert_exactly_once_in_order(rt, fake)


def test_a_batch_that_outlived_its_lease_does_not_send_a_taken_row(rt, clock,
                                                                   fake_twilio_server):
    _queue_round(rt, "Halo")
    with rt.transaction() as db:
        row = db.scalar(select(Message).order_by(Message.id))
        row.status, row.claimed_by, row.claimed_until = "sending", "slow", clock()
    clock.advance(seconds=30)   # the slow sender's lease is long gone …
    with rt.transaction() as db:  # … and another sender has taken the row over
        db.execute(update(Message).where(Message.id == row.id).values(claimed_by="other"))
    assert _send_one(rt, rt.transport, row, False, "slow") is None
    assert fake_twilio_server.snapshot() == []


def test_a_slow_batch_renews_its_lease_before_each_send(rt, clock, fake_twilio_server):
    _queue_round(rt, "Halo")
    with rt.transaction() as db:
        row = db.scalar(select(Message).order_by(Message.id))
        row.status, row.claimed_by, row.claimed_until = "sending", "slow", clock()
    clock.advance(seconds=30)   # expired, but nobody took it: still ours to send
    assert _send_one(rt, rt.transport, row, False, "slow") == "sent"
    assert [c.body for c in fake_twilio_server.snapshot()] == [row.body]


def test_a_half_hour_twilio_outage_loses_nothing_with_the_default_retries(
        rt, clock, fake_twilio_server):
    fake = fake_twilio_server
    _queue_round(rt, "Halo")
    fake.fault("503")                       # until recovered
    for _ in range(30):                     # thirty minutes of a manual clock
        deliver_due(rt, rt.transport)
        clock.advance(minutes=1)
    assert fake.snapshot() == [] and _unsent(rt) == len(RECIPIENTS)
    fake.recover()
    _drain(rt, clock)
    _assert_exactly_once_in_order(rt, fake)


def _crashed_mid_send(rt, clock, rows: list[Message]) -> None:
    """A sender claimed these rows and was killed -9 while sending them."""
    with rt.transaction() as db:
        db.execute(update(Message).where(Message.id.in_([r.id for r in rows])).values(
            status="sending", claimed_by="dead", claimed_until=clock()))
    clock.advance(seconds=1)


def test_two_lanes_in_flight_to_one_number_are_each_recovered_as_themselves(
        rt, clock, fake_twilio_server):
    fake, phone = fake_twilio_server, RECIPIENTS[0]
    with rt.transaction() as db:
        asked = Message(direction="in", phone=phone, body="MASUK", status="processed",
                        sid="SMinbound", created_at=rt.now())
        db.add(asked)
        db.flush()
        [notice] = queue(db, rt.settings, rt.now(), Envelope(to=phone, body="Rekap",
                                                              kind="digest"))
        notice.content_sid, notice.content_variables = "HX" + "1" * 32, {"1": "Rekap"}
        [reply] = queue(db, rt.settings, rt.now(), Envelope(to=phone, body="Tautan masuk",
                                                             in_reply_to_id=asked.id))
    _crashed_mid_send(rt, clock, [notice, reply])
    rt.transport.send(Outgoing(to=phone, body="Tautan masuk"))   # only the reply got out
    _drain(rt, clock)
    created = fake.snapshot()
    assert sorted((c.body or "", c.content_sid or "") for c in created) == [
        ("", "HX" + "1" * 32), ("Tautan masuk", "")], "one went twice, or never"
    with rt.sessions() as db:
        sids = {m.body: m.sid for m in db.scalars(select(Message).where(
            Message.direction == "out"))}
    assert sids == {"Rekap": next(c.sid for c in created if c.content_sid),
                    "Tautan masuk": next(c.sid for c in created if not c.content_sid)}


@pytest.mark.parametrize("attempts, status", [(0, "sending"), (2, "pending")])
def test_a_failed_look_up_is_not_counted_as_a_send_attempt(rt, clock, fake_twilio_server,
                                                           attempts, status):
    fake = fake_twilio_server
    with rt.transaction() as db:
        [row] = queue(db, rt.settings, rt.now(), Envelope(to=RECIPIENTS[0], body="Halo"))
    _crashed_mid_send(rt, clock, [row])          # a crash mid-send, or a retry in backoff
    with rt.transaction() as db:
        db.execute(update(Message).where(Message.id == row.id).values(
            status=status, attempts=attempts, claimed_until=clock() - timedelta(seconds=1)))
    fake.fault("500", count=3, applies_to=("list",))
    for _ in range(3):
        assert deliver_due(rt, rt.transport) == {"sent": 0, "retry": 1, "failed": 0}
        with rt.sessions() as db:
            after = db.get(Message, row.id)
        assert (after.attempts, after.status, after.claimed_by) == (attempts, status, None)
        clock.advance(seconds=70)
    assert [c.kind for c in fake.calls] == ["list"] * 3   # never sent blind
    _drain(rt, clock)
    with rt.sessions() as db:
        after = db.get(Message, row.id)
    assert (after.status, after.attempts) == ("queued", attempts + 1)
    assert [c.body for c in fake.snapshot()] == ["Halo"]
