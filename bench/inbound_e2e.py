"""Benchmark: inbound end to end on PostgreSQL — webhook, inbox workers, reply at Twilio.

    .venv/bin/python bench/inbound_e2e.py                    # 2 workers, then 1 and 4
    .venv/bin/python bench/inbound_e2e.py --workers 2        # only the headline run

gunicorn (`-w 2 --threads 4`, RUN_WORKER=0: it only acknowledges) and N
`flask --app wsgi worker` processes (they run the conversations and, through their outbox
sender, send the replies) on a fresh PostgreSQL schema with the demo city roster, sending
to the fake Twilio API on 127.0.0.1 (tests/support/fake_twilio_server.py, in this
process), which notes when each message arrives. 50 concurrent senders play Twilio and
2 000 citizens, each filing a KTP request step by step (KTP → RW → NIK → description →
YA): 10 000 messages, 20 % of them delivered twice with the same MessageSid (half at the
same moment on a second connection, half later). A sender posts a citizen's next message
once the reply to the previous one reached Twilio (a citizen answers the bot's question),
so at most 50 messages are in flight.

Measured: the webhook's latency (p50, p99; target p99 ≤ 50 ms); from the first webhook
POST of a message to its reply handed to Twilio (p50 ≤ 200 ms, p99 ≤ 1 s); conversation
throughput (messages processed and answered per second) with 1, 2 and 4 worker processes.
Checked, with every violation printed: each message stored and processed once, answered by
exactly one reply, replies reaching Twilio in order per citizen, every outbound message
sent exactly once, one ticket per citizen, nothing left queued or unsent.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import children, free_port, fresh_database, peak_rss_mb, pg_base_url, server
from inbound import _form, _nik, _places, prepare_database
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from models import Citizen, Message, Ticket
from services.core.runtime import build_runtime
from services.core.settings import load_settings
from services.demo.cast import KTP_NEEDS
from tests.reliability.harness import (
    LoadDriver,
    Worker,
    app_environment,
    assert_delivered_exactly_once,
    inbound_statuses,
    percentile_ms,
    replies_out_of_order,
    reply_latencies,
    unsent,
    wait_until,
)
from tests.support.fake_twilio_server import FakeTwilioServer

SENDERS = 50
CITIZENS = 2_000            # five messages each: 10 000
WARM_UP_CITIZENS = 50       # 250 messages, not counted
REDELIVER = 0.2
TARGETS = {"webhook_p99_ms": 50, "reply_p50_ms": 200, "reply_p99_ms": 1000}


def citizens(count: int, first: int, tag: str) -> list[list[dict[str, str]]]:
    """`count` citizens' conversations, each one KTP request in five messages."""
    rng = random.Random(f"e2e:{tag}")  # noqa: S311 - test data
    places = _places()
    conversations = []
    for n in range(count):
        phone = f"+62858{first + n:08d}"
        texts = ["KTP", rng.choice(places), _nik(rng), rng.choice(KTP_NEEDS), "YA"]
        conversations.append([_form(f"SM{tag}{n:08d}{k:02d}".ljust(34, "0"), phone, body)
                              for k, body in enumerate(texts)])
    return conversations


def _tickets_per_citizen(rt, phones: set[str]) -> Counter:
    with rt.sessions() as db:
        rows = db.execute(select(Citizen.phone, func.count(Ticket.id))
                          .join(Ticket, Ticket.citizen_id == Citizen.id)
                          .group_by(Citizen.phone)).all()
    return Counter({phone: n for phone, n in rows if phone in phones})


def check(rt, fake, conversations, drivers, total: int) -> list[str]:
    """Everything that should hold after a run (`total`: inbound messages stored by all
    runs so far in this database); one line per violation."""
    sids = {form["MessageSid"] for conv in conversations for form in conv}
    problems = []
    acked: set[str] = set()
    for driver in drivers:
        result = driver.result
        acked |= result.acked
        bad = {status: n for status, n in result.statuses.items() if not 200 <= status < 300}
        if bad or result.errors:
            problems.append(f"webhook answers not 2xx: {bad}, connection errors "
                            f"{dict(result.errors)}")
        if result.unanswered:
            problems.append(f"{len(result.unanswered)} replies did not reach Twilio within "
                            f"{driver.reply_timeout:.0f} s, e.g. {result.unanswered[:3]}")
    if acked != sids:
        problems.append(f"{len(sids - acked)} messages never acknowledged")
    statuses = inbound_statuses(rt)
    if statuses != {"processed": total}:
        problems.append(f"inbound messages by status {statuses}, expected {total} processed")
    problems += replies_out_of_order(rt, fake, conversations)
    try:
        assert_delivered_exactly_once(rt, fake)
    except AssertionError as exc:
        problems.append(f"outbound delivery: {exc}")
    if unsent(rt):
        problems.append(f"{unsent(rt)} outbound messages left unsent")
    phones = {conv[0]["From"].removeprefix("whatsapp:") for conv in conversations}
    tickets = _tickets_per_citizen(rt, phones)
    wrong = {p: tickets.get(p, 0) for p in phones if tickets.get(p, 0) != 1}
    if wrong:
        problems.append(f"{len(wrong)} citizens without exactly one ticket, e.g. "
                        f"{dict(list(wrong.items())[:3])}")
    return problems


def latency_parts(rt, fake, first_post: dict[str, float]) -> dict[str, float]:
    """Where the reply latency goes, medians in ms: webhook POST → stored (the inbound
    row's created_at), stored → a worker starts the conversation (the reply's created_at,
    the turn's clock), conversation started → reply at Twilio (the conversation, its
    commit, the outbox sender's wake-up and the send)."""
    arrived = {c.sid: c.received_at for c in fake.snapshot()}
    reply = aliased(Message)
    with rt.sessions() as db:
        rows = db.execute(select(Message.sid, Message.created_at, reply.sid, reply.created_at)
                          .join(reply, reply.in_reply_to_id == Message.id)
                          .where(Message.direction == "in", reply.kind == "reply")).all()
    parts: dict[str, list[float]] = {"stored": [], "picked_up": [], "at_twilio": []}
    for sid, stored, reply_sid, started in rows:
        if sid not in first_post or reply_sid not in arrived:
            continue
        parts["stored"].append(stored.timestamp() - first_post[sid])
        parts["picked_up"].append((started - stored).total_seconds())
        parts["at_twilio"].append(arrived[reply_sid] - started.timestamp())
    return {k: percentile_ms(v, 0.5) for k, v in parts.items()}


def run(url: str, fake: FakeTwilioServer, rt, workers: int, threads: int | None, args,
        workdir: Path, done_before: int, index: int) -> dict:
    """One end-to-end run with `workers` worker processes (0: the web process's own
    worker thread); `done_before` inbound messages are in the database from earlier runs."""
    started = time.perf_counter()
    port = free_port()
    env = app_environment(url, port, fake, LOG_LEVEL="WARNING", VALIDATE_SIGNATURES="1",
                          **({"RUN_WORKER": "0"} if workers else {}))
    argv = [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b",
            f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:create_app()"]
    procs = [Worker(env, workdir, f"worker-{index}-{n}", threads) for n in range(workers)]
    warm = citizens(WARM_UP_CITIZENS, 9_000_000 + index * 100_000, f"w{index}")
    measured = citizens(args.citizens, index * 100_000, f"r{index}")
    total = done_before + sum(map(len, warm + measured))
    try:
        with server(argv, port, env) as web:
            for proc in procs:
                proc.start()
            setup = time.perf_counter() - started
            base = f"http://127.0.0.1:{port}"
            warm_up = LoadDriver(base, warm, senders=SENDERS, redeliver=REDELIVER,
                                 pace="reply", fake=fake, reply_timeout=30)
            warm_up.run(env["PUBLIC_BASE_URL"])
            driver = LoadDriver(base, measured, senders=SENDERS, redeliver=REDELIVER,
                                pace="reply", fake=fake, reply_timeout=30, seed=index)
            result = driver.run(env["PUBLIC_BASE_URL"])
            wait_until(lambda: unsent(rt) == 0
                       and inbound_statuses(rt).get("processed") == total,
                       60, "the last messages to be processed and sent")
            rss = max(peak_rss_mb(pid) for pid in
                      ([p.proc.pid for p in procs] or children(web.pid)))
            threads_seen = [p.threads for p in procs]
    finally:
        for proc in procs:
            proc.stop()
    problems = check(rt, fake, warm + measured, [warm_up, driver], total)
    latency = reply_latencies(rt, fake, result.first_post)
    parts = latency_parts(rt, fake, result.first_post)
    sids = [form["MessageSid"] for conv in measured for form in conv]
    mine = [latency[sid] for sid in sids if sid in latency]
    # From the first POST of the measured run to the last of its replies reaching Twilio.
    first = min(result.first_post[sid] for sid in sids)
    last = max((result.first_post[sid] + latency[sid] for sid in sids if sid in latency),
               default=first)
    figures = result.figures()
    messages = sum(map(len, measured))
    span = max(last - first, 1e-9)
    return {"workers": workers, "threads": threads_seen, "messages": messages,
            "redelivered": result.redelivered, "requests": result.requests,
            "webhook_p50_ms": figures["p50_ms"], "webhook_p99_ms": figures["p99_ms"],
            "reply_p50_ms": percentile_ms(mine, 0.5), "reply_p99_ms": percentile_ms(mine, 0.99),
            "reply_max_ms": percentile_ms(mine, 1.0), "seconds": round(span, 1),
            "messages_per_s": round(messages / span, 1), "worker_peak_rss_mb": round(rss),
            "setup_s": round(setup, 1), "stored": total, "reply_parts_p50_ms": parts,
            "violations": problems}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[2, 1, 4],
                        help="worker processes per run (the first run is the headline)")
    parser.add_argument("--threads", type=int, help="--threads of each worker (default: "
                        "the worker's own)")
    parser.add_argument("--citizens", type=int, default=CITIZENS,
                        help="citizens of the measured run, five messages each")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    pg_url = pg_base_url()
    if pg_url is None:
        print("bench/inbound_e2e.py needs PostgreSQL: skipped")
        return []
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_e2e_") as tmp, \
            fresh_database("postgresql", Path(tmp), pg_url) as url, FakeTwilioServer() as fake:
        prepare_database(url)       # once: the runs use their own citizens in one database
        rt = build_runtime(load_settings({"IGNORE_ENVIRONMENT": True, "DATABASE_URL": url,
                                          "MESSAGING_TRANSPORT": "console",
                                          "OUTBOX_SENDER_THREAD": False}))
        stored = 0
        try:
            for index, workers in enumerate(args.workers):
                r = run(url, fake, rt, workers, args.threads, args, Path(tmp), stored, index)
                stored = r["stored"]
                results.append(r)
                print(f"e2e {workers} worker(s) ({r['threads']} threads): {r['messages']} "
                      f"messages + {r['redelivered']} redelivered in {r['seconds']} s = "
                      f"{r['messages_per_s']} messages/s | webhook p50 {r['webhook_p50_ms']} ms "
                      f"p99 {r['webhook_p99_ms']} ms | webhook to reply at Twilio p50 "
                      f"{r['reply_p50_ms']} ms p99 {r['reply_p99_ms']} ms max "
                      f"{r['reply_max_ms']} ms | worker peak RSS {r['worker_peak_rss_mb']} MiB "
                      f"| started in {r['setup_s']} s | reply p50 parts: webhook to stored "
                      f"{r['reply_parts_p50_ms']['stored']} ms, stored to picked up "
                      f"{r['reply_parts_p50_ms']['picked_up']} ms, picked up to at Twilio "
                      f"{r['reply_parts_p50_ms']['at_twilio']} ms", flush=True)
                for problem in r["violations"]:
                    print(f"e2e {workers} worker(s) VIOLATION: {problem}", flush=True)
        finally:
            rt.close()
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    if any(r["violations"] for r in main()):
        raise SystemExit("bench/inbound_e2e.py: violations (see above)")
