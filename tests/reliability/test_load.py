"""Load: gunicorn on 127.0.0.1 with PostgreSQL, only acknowledging (RUN_WORKER=0), and two
`flask --app wsgi worker` processes running the conversations; 10 000 inbound messages
from 500 citizens through 50 concurrent senders, 20 % of them redelivered with the same
MessageSid, conversations interleaved, each sender posting its next message as soon as
the previous one was acknowledged (a burst: the workers get a backlog) → every request
2xx, webhook p99 far under Twilio's 15 s, each ticket created once, each message answered
once, replies in order per citizen, each reply sent once, zero 5xx.

`LOAD_PACE=reply` makes each sender wait for the reply before its next message instead
(at most 50 messages in flight: the reply latency without a backlog)."""

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
    inbound_statuses,
    percentile_ms,
    replies_out_of_order,
    reply_latencies,
    scan_log,
    unsent,
    wait_until,
)
from tests.support.privacy_scan import Identifiers

pytestmark = pytest.mark.reliability

CITIZENS = int(os.environ.get("LOAD_CITIZENS", 500))
PACE = os.environ.get("LOAD_PACE", "ack")
TICKETS_EACH = 4                        # five messages each: 20 per citizen
SENDERS = 50
WORKERS = 2
WEBHOOK_P99_LIMIT_MS = 1500             # a tenth of Twilio's 15 s


def test_ten_thousand_messages_from_five_hundred_citizens(pg_url, rig_factory, capsys):
    rig = rig_factory(pg_url, RUN_WORKER="0")
    rig.web.start()
    workers = [rig.worker(f"worker-{n}").start() for n in range(WORKERS)]
    conversations = [conversation(i, TICKETS_EACH, "ld") for i in range(CITIZENS)]
    total = sum(map(len, conversations))
    driver = LoadDriver(rig.web.base_url, conversations, senders=SENDERS, redeliver=0.2,
                        give_up_after=5, pace=PACE, fake=rig.fake)
    result = driver.run(rig.env["PUBLIC_BASE_URL"])
    figures = result.figures()
    with capsys.disabled():          # before the wait: these hold even if the workers lag
        print(f"\n[load] pace {PACE}: {figures['requests']} requests acknowledged in "
              f"{figures['seconds']} s; webhook p50 {figures['p50_ms']} ms, p99 "
              f"{figures['p99_ms']} ms; inbound {inbound_statuses(rig.rt)}")

    def done() -> bool:
        return inbound_statuses(rig.rt).get("processed") == total and unsent(rig.rt) == 0

    drained = wait_until(done, 300, "the workers to process every message and send the replies")
    for worker in workers:
        worker.stop()
    rig.web.stop()

    sids = {form["MessageSid"] for conv in conversations for form in conv}
    assert result.errors == {} and set(result.statuses) == {200}, (
        dict(result.statuses), dict(result.errors))
    assert result.acked == sids and not result.unanswered
    assert figures["p99_ms"] <= WEBHOOK_P99_LIMIT_MS, figures
    assert inbound_statuses(rig.rt) == {"processed": total}
    tickets = assert_tickets_once(rig.rt, range(CITIZENS), TICKETS_EACH)
    assert_one_answer_per_message(rig.rt, sids)
    out_of_order = replies_out_of_order(rig.rt, rig.fake, conversations)
    assert not out_of_order, f"{len(out_of_order)} citizens, e.g. {out_of_order[:3]}"
    delivered = assert_delivered_exactly_once(
        rig.rt, rig.fake, ordered=[citizen_phone(i) for i in range(CITIZENS)])
    latency = reply_latencies(rig.rt, rig.fake, result.first_post)
    assert set(latency) == sids
    logs = [rig.web.log(), *(worker.log() for worker in workers)]
    for log in logs:
        problems = scan_log(log)
        assert problems["tracebacks"] == 0 and problems["errors"] == 0, log[-5000:]
        assert Identifiers.collect(rig.rt).leaks(log) == [], "a NIK or phone number was logged"

    threads = ", ".join(str(w.threads) for w in workers)
    overall = total / (figures["seconds"] + drained)
    with capsys.disabled():
        print(f"\n[load] pace {PACE}: {figures['messages']} messages + "
              f"{figures['redelivered']} redeliveries = {figures['requests']} requests in "
              f"{figures['seconds']} s: {figures['requests_per_s']} req/s; webhook p50 "
              f"{figures['p50_ms']} ms, p95 {figures['p95_ms']} ms, p99 {figures['p99_ms']} "
              f"ms, max {figures['max_ms']} ms; {WORKERS} workers ({threads} threads) done "
              f"{drained:.1f} s after the last request ({overall:.0f} messages/s "
              f"overall); webhook to reply at Twilio p50 "
              f"{percentile_ms(latency.values(), 0.5)} ms, p99 "
              f"{percentile_ms(latency.values(), 0.99)} ms, max "
              f"{percentile_ms(latency.values(), 1.0)} ms; {tickets} tickets; {delivered} "
              f"outbound messages delivered exactly once, replies in order per citizen; "
              f"statuses {dict(result.statuses)}")
