"""Load: gunicorn on 127.0.0.1 with PostgreSQL; 10 000 inbound messages from 500 citizens
through 50 concurrent senders, 20 % of them redelivered with the same MessageSid,
conversations interleaved → every request 2xx, each ticket created once, each reply sent
once, zero 5xx."""

from __future__ import annotations

import os

import pytest

from tests.reliability.harness import (
    LoadDriver,
    assert_delivered_exactly_once,
    assert_one_answer_per_message,
    assert_tickets_once,
    citizen_phone,
    conversation,
    scan_log,
    unsent,
    wait_until,
)
from tests.support.privacy_scan import Identifiers

pytestmark = pytest.mark.reliability

CITIZENS = int(os.environ.get("LOAD_CITIZENS", 500))
TICKETS_EACH = 4                        # five messages each: 20 per citizen
SENDERS = 50


def test_ten_thousand_messages_from_five_hundred_citizens(pg_url, rig_factory, capsys):
    rig = rig_factory(pg_url)
    rig.web.start()
    conversations = [conversation(i, TICKETS_EACH, "ld") for i in range(CITIZENS)]
    driver = LoadDriver(rig.web.base_url, conversations, senders=SENDERS, redeliver=0.2,
                        give_up_after=5)
    result = driver.run(rig.env["PUBLIC_BASE_URL"])
    drained = wait_until(lambda: unsent(rig.rt) == 0, 180, "the outbox to drain")
    rig.web.stop()

    sids = {form["MessageSid"] for conv in conversations for form in conv}
    assert result.errors == {} and set(result.statuses) == {200}, (
        dict(result.statuses), dict(result.errors))
    assert result.acked == sids
    tickets = assert_tickets_once(rig.rt, range(CITIZENS), TICKETS_EACH)
    assert_one_answer_per_message(rig.rt, sids)
    delivered = assert_delivered_exactly_once(
        rig.rt, rig.fake, ordered=[citizen_phone(i) for i in range(CITIZENS)])
    log = rig.web.log()
    problems = scan_log(log)
    assert problems["tracebacks"] == 0 and problems["errors"] == 0, log[-5000:]
    assert Identifiers.collect(rig.rt).leaks(log) == [], "a NIK or phone number was logged"

    figures = result.figures()
    with capsys.disabled():
        print(f"\n[load] {figures['messages']} messages + {figures['redelivered']} "
              f"redeliveries = {figures['requests']} requests in {figures['seconds']} s: "
              f"{figures['requests_per_s']} req/s; latency p50 {figures['p50_ms']} ms, "
              f"p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} ms, "
              f"max {figures['max_ms']} ms; {tickets} tickets; {delivered} outbound "
              f"messages delivered exactly once, outbox drained {drained:.1f} s after the "
              f"last request; statuses {dict(result.statuses)}")
