"""Delivery through the mocked Twilio API: retries, permanent failures, exactly once, order."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from models import Message
from services.channel.delivery import deliver_due
from services.core.outbox import Envelope, queue

pytestmark = pytest.mark.twilio
ALICE, BOB = "+6285700000001", "+6285700000002"


def _queue(rt, to=ALICE, body="Halo", n=1):
    with rt.transaction() as db:
        for i in range(n):
            queue(db, rt.settings, rt.now(), Envelope(to=to, body=f"{body} {i}", kind="reply"))


def _rows(rt) -> list[Message]:
    with rt.sessions() as db:
        return list(db.scalars(select(Message).where(Message.direction == "out")
                               .order_by(Message.id)))


def test_201_marks_the_message_with_twilios_sid(rt, fake_twilio):
    _queue(rt)
    assert deliver_due(rt, rt.transport)["sent"] == 1
    [row] = _rows(rt)
    assert row.sid == fake_twilio.sent[0].sid and row.status == "queued" and row.attempts == 1
    assert fake_twilio.sent[0].body == "Halo 0"


@pytest.mark.parametrize("status, code", [(429, 20429), (500, None), (503, None), (400, 63018)])
def test_retryable_errors_end_in_exactly_one_delivery(rt, fake_twilio, status, code):
    fake_twilio.fail_next(status, code, times=2)
    _queue(rt)
    deliver_due(rt, rt.transport)
    assert fake_twilio.calls == 3
    assert [s.body for s in fake_twilio.sent] == ["Halo 0"]
    [row] = _rows(rt)
    assert row.status == "queued" and row.attempts == 3


@pytest.mark.parametrize("code", [21211, 21610, 63016])
def test_errors_that_cannot_succeed_fail_at_once(rt, fake_twilio, code):
    fake_twilio.fail_next(400, code)
    _queue(rt)
    counts = deliver_due(rt, rt.transport)
    assert counts == {"sent": 0, "retry": 0, "failed": 1}
    assert fake_twilio.calls == 1
    [row] = _rows(rt)
    assert (row.status, row.error_code, row.attempts) == ("failed", code, 1)


def test_network_errors_are_retried(rt, fake_twilio, monkeypatch):
    import requests
    real_send = requests.Session.send
    failures = {"left": 2}

    def flaky(self, request, **kwargs):
        if failures["left"]:
            failures["left"] -= 1
            raise requests.ConnectionError("connection refused")
        return real_send(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", flaky)
    _queue(rt)
    deliver_due(rt, rt.transport)
    # The send failed, then the look-up for it (not an attempt), then it went.
    assert len(fake_twilio.sent) == 1 and _rows(rt)[0].attempts == 2


def test_retries_stop_at_the_limit_and_the_message_is_marked_failed(rt, fake_twilio):
    fake_twilio.fail_next(500, times=20)
    _queue(rt)
    deliver_due(rt, rt.transport)
    [row] = _rows(rt)
    assert row.status == "failed" and row.attempts == rt.settings.outbox_max_attempts
    assert fake_twilio.sent == []


def test_backoff_waits_before_the_next_attempt(overrides, rt, fake_twilio, clock):
    fake_twilio.fail_next(500)
    rt.settings = type(rt.settings)(**{**rt.settings.__dict__, "outbox_backoff_seconds": 30.0})
    _queue(rt)
    deliver_due(rt, rt.transport)
    assert fake_twilio.calls == 1 and fake_twilio.sent == []
    deliver_due(rt, rt.transport)
    assert fake_twilio.calls == 1  # not yet due
    clock.advance(seconds=46)
    deliver_due(rt, rt.transport)
    assert len(fake_twilio.sent) == 1


def test_order_per_recipient_survives_a_retry(rt, fake_twilio):
    fake_twilio.fail_next(500)
    _queue(rt, ALICE, "A", n=3)
    _queue(rt, BOB, "B", n=2)
    deliver_due(rt, rt.transport)
    assert fake_twilio.to(ALICE) == ["A 0", "A 1", "A 2"]
    assert fake_twilio.to(BOB) == ["B 0", "B 1"]


def test_two_senders_never_send_a_message_twice(rt, fake_twilio):
    for i in range(8):
        _queue(rt, f"+62857000001{i:02d}", "Pesan", n=5)
    barrier = threading.Barrier(2)

    def sender(name):
        barrier.wait()
        deliver_due(rt, rt.transport, limit=3, worker=name)

    threads = [threading.Thread(target=sender, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    bodies = [(s.to, s.body) for s in fake_twilio.sent]
    assert len(bodies) == 40 and len(set(bodies)) == 40
    assert all(r.status == "queued" for r in _rows(rt))


def test_a_crashed_senders_claim_is_recovered_after_its_lease(rt, fake_twilio, clock):
    _queue(rt)
    with rt.transaction() as db:  # a sender claimed it, then died before sending
        row = db.scalar(select(Message))
        row.status, row.claimed_by, row.claimed_until = "sending", "dead", clock()
    clock.advance(seconds=1)
    deliver_due(rt, rt.transport)
    assert [s.body for s in fake_twilio.sent] == ["Halo 0"]


@pytest.fixture
def threaded(overrides):
    overrides["OUTBOX_SENDER_THREAD"] = True
    return overrides


def test_a_committed_message_reaches_twilio_without_a_flush(threaded, client, fake_twilio):
    from tests.support.whatsapp import Phone

    started = time.monotonic()
    Phone(client, ALICE).send("MENU")
    while not fake_twilio.sent and time.monotonic() - started < 5:
        time.sleep(0.02)
    elapsed = time.monotonic() - started
    assert fake_twilio.to(ALICE), "the reply never reached the mocked Twilio API"
    assert elapsed < 2.0
