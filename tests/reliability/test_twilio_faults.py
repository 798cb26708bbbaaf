"""Twilio faults under real traffic: while citizens write to gunicorn, the (fake) Twilio
API answers 500, then 429, then hangs past the client's time-out (having taken the
message), then drops connections → after it recovers every outbound message is delivered
exactly once, in order per recipient."""

from __future__ import annotations

import threading
import time

import pytest

from tests.reliability.harness import (
    LoadDriver,
    assert_delivered_exactly_once,
    assert_one_answer_per_message,
    assert_tickets_once,
    citizen_phone,
    conversation,
    unsent,
    wait_until,
)

pytestmark = pytest.mark.reliability

CITIZENS, TICKETS_EACH = 120, 2
# Time-outs hit message creation only: a hanging list call just delays the retry.
CREATE = {"applies_to": ("create",)}
STRETCHES = [("500", {}), ("429", {}), ("hang", {"hang_seconds": 3, "accept": True, **CREATE}),
             ("drop", {}), ("hang", {"hang_seconds": 3, "accept": False, **CREATE})]


def test_twilio_errors_rate_limits_and_timeouts_for_a_stretch(pg_url, rig_factory, capsys):
    rig = rig_factory(pg_url)
    rig.web.start()
    conversations = [conversation(i, TICKETS_EACH, "tf") for i in range(CITIZENS)]
    driver = LoadDriver(rig.web.base_url, conversations, senders=20, give_up_after=5)

    def misbehave():
        time.sleep(1)
        for kind, extra in STRETCHES:
            rig.fake.fault(kind, seconds=2.5, **extra)
            time.sleep(2.5)
        rig.fake.recover()

    chaos = threading.Thread(target=misbehave)
    chaos.start()
    result = driver.run(rig.env["PUBLIC_BASE_URL"])
    chaos.join()
    drained = wait_until(lambda: unsent(rig.rt) == 0, 180, "the outbox to drain")
    rig.web.stop()

    sids = {form["MessageSid"] for conv in conversations for form in conv}
    assert set(result.statuses) == {200} and not result.errors
    assert_tickets_once(rig.rt, range(CITIZENS), TICKETS_EACH)
    assert_one_answer_per_message(rig.rt, sids)
    delivered = assert_delivered_exactly_once(
        rig.rt, rig.fake, ordered=[citizen_phone(i) for i in range(CITIZENS)])
    calls = rig.fake.statuses()
    assert calls.get(500) and calls.get(429) and calls.get(0), calls
    accepted_unanswered = sum(1 for c in rig.fake.snapshot() if not c.answered)
    assert accepted_unanswered, "no message was taken by Twilio behind a time-out"
    with capsys.disabled():
        print(f"\n[twilio faults] {result.requests} webhook requests in "
              f"{result.seconds:.1f} s; Twilio calls by answer {dict(sorted(calls.items()))} "
              f"(0 = dropped or abandoned); {accepted_unanswered} message(s) taken by Twilio "
              f"whose answer never came, none sent twice; {delivered} messages delivered "
              f"exactly once, in order; outbox drained {drained:.1f} s after the last request")
