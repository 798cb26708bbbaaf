"""Run every benchmark and rewrite bench/RESULTS.md.

    .venv/bin/python bench/run_all.py          # about 10 minutes on a 2-core machine

Everything talks only to 127.0.0.1: SQLite in a temporary directory, and PostgreSQL when
BENCH_DATABASE_URL (or TEST_DATABASE_URL, or postgresql://postgres@127.0.0.1:5432/test)
answers, in throw-away schemas. wrk must be installed (`apt-get install -y wrk`).
"""

from __future__ import annotations

import platform
import shlex
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import inbound
import inbound_e2e
import report
import scheduler_rss
from common import ROOT, machine, pg_base_url
from sqlalchemy import create_engine, text

RESULTS = ROOT / "bench" / "RESULTS.md"


def _load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def _postgres_version(url: str | None) -> str:
    if url is None:
        return "not available (SQLite only)"
    engine = create_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar_one()
    engine.dispose()
    return f"PostgreSQL {version} on 127.0.0.1"


def _wrk_version() -> str:
    done = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
    return (done.stdout or done.stderr).splitlines()[0].split(" Copyright")[0]


def _errors(errors: dict[str, int]) -> str:
    return ", ".join(f"{n} {kind.replace('_', ' ')}" for kind, n in errors.items()) or "0"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def _inbound_section(results: list[dict]) -> list[str]:
    lines = ["## 1. Inbound webhook: the acknowledgement against a bare Flask view", "",
             "Both under `gunicorn -w 2 --threads 4` (gthread) on 127.0.0.1, loaded by the same "
             "`wrk -t2 -c16` script for 15 s after a 3 s warm-up, replaying pre-signed Twilio "
             "webhook requests, each with a new MessageSid: citizens filing KTP requests in chat "
             "(KTP → RW → NIK → description → YA). Measured is what Twilio waits for: the real "
             "app validates every X-Twilio-Signature, stores the message once (INSERT … ON "
             "CONFLICT DO NOTHING on the MessageSid), commits and answers empty TwiML. The "
             "conversations run afterwards in the inbox workers, which are off here "
             "(`RUN_WORKER=0`, no `flask worker`; section 2 measures them), as is outbox "
             "delivery. The bare app is one Flask view returning empty TwiML.", "",
             "| database | app | req/s | p50 ms | p99 ms | errors | ratio real/bare "
             "(target ≥ 0.5) |", "|---|---|---:|---:|---:|---|---|"]
    for r in results:
        for name in ("real", "bare"):
            run = r[name]
            ratio = (f"{r['ratio']:.3f} ({_verdict(r['ratio'] >= 0.5)})" if name == "real"
                     else "")
            lines.append(f"| {r['backend']} | {name} | {run['throughput']:.0f} | "
                         f"{run['p50_ms']:.1f} | {run['p99_ms']:.1f} | "
                         f"{_errors(run['errors'])} | {ratio} |")
    problems = [f"{r['backend']}: {p}" for r in results for p in r.get("problems", [])]
    lines += ["", "Every acknowledged message was stored once and waits for a worker "
              "(inbound messages of the measured run by status: "
              + "; ".join(f"{r['backend']} {r['inbound_statuses']}" for r in results) + ")."
              if not problems else "**Violations:** " + "; ".join(problems) + ".", ""]
    return lines


def _e2e_section(results: list[dict]) -> list[str]:
    lines = ["## 2. Inbound end to end on PostgreSQL: webhook, workers, reply at Twilio "
             "(`bench/inbound_e2e.py`)", ""]
    if not results:
        return lines + ["Not run: PostgreSQL did not answer.", ""]
    head = results[0]
    lines += [f"`gunicorn -w 2 --threads 4` with `RUN_WORKER=0` (it only acknowledges) and "
              f"{head['workers']} `flask --app wsgi worker` processes (they run the "
              "conversations and, through their outbox sender, send the replies) on PostgreSQL, "
              "sending to a fake Twilio API on 127.0.0.1 that notes when each message arrives. "
              f"50 concurrent senders, {head['messages']:,} messages from "
              f"{head['messages'] // 5:,} citizens each filing a KTP request step by step, "
              f"{head['redelivered']:,} of them (20 %) delivered twice with the same "
              "MessageSid (half at the same moment, half later). A sender posts a citizen's "
              "next message once the reply to the previous one reached Twilio (a citizen "
              "answers the bot's question), so at most 50 are in flight; 250 messages first "
              "as a warm-up. Reply latency: from the first webhook POST of a message to its "
              "reply arriving at Twilio.", "",
              "| what | measured | target |", "|---|---:|---|",
              f"| webhook p50 | {head['webhook_p50_ms']:.1f} ms | |",
              f"| webhook p99 | {head['webhook_p99_ms']:.1f} ms | ≤ 50 ms "
              f"({_verdict(head['webhook_p99_ms'] <= 50)}) |",
              f"| webhook to reply at Twilio p50 | {head['reply_p50_ms']:.0f} ms | ≤ 200 ms "
              f"({_verdict(head['reply_p50_ms'] <= 200)}) |",
              f"| webhook to reply at Twilio p99 | {head['reply_p99_ms']:.0f} ms | ≤ 1 s "
              f"({_verdict(head['reply_p99_ms'] <= 1000)}) |",
              f"| webhook to reply at Twilio, slowest | {head['reply_max_ms']:.0f} ms | |", "",
              "Where the median reply's time went: webhook to stored "
              f"{head['reply_parts_p50_ms']['stored']:.1f} ms, stored to a worker starting the "
              f"conversation {head['reply_parts_p50_ms']['picked_up']:.0f} ms, conversation "
              f"started to reply at Twilio {head['reply_parts_p50_ms']['at_twilio']:.0f} ms "
              "(medians of each part; with 50 messages in flight, reply p50 ≈ 50 / throughput).",
              ""]
    bad = [f"{r['workers']} workers: {v}" for r in results for v in r["violations"]]
    lines += ["Checked after every run: each message stored and processed once, answered by "
              "exactly one reply, replies reaching Twilio in order per citizen, each outbound "
              "message sent exactly once, one ticket per citizen, nothing left queued or unsent: "
              + ("**violations:** " + "; ".join(bad) if bad else "no violation") + ".", "",
              "Conversation throughput, same workload, one run each (the database is shared, "
              "each run with its own citizens; every process shares the machine's CPUs with "
              "PostgreSQL, gunicorn and the load generator):", "",
              "| worker processes | threads each | messages/s | seconds | webhook p99 ms | "
              "reply p50 ms | reply p99 ms | worker peak RSS MiB |",
              "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(results, key=lambda r: r["workers"]):
        threads = ", ".join(str(t) for t in r["threads"]) or "in the web process"
        lines.append(f"| {r['workers']} | {threads} | {r['messages_per_s']:.0f} | "
                     f"{r['seconds']:.1f} | {r['webhook_p99_ms']:.1f} | "
                     f"{r['reply_p50_ms']:.0f} | {r['reply_p99_ms']:.0f} | "
                     f"{r['worker_peak_rss_mb']:.0f} |")
    return lines + [""]


def _report_section(results: list[dict]) -> list[str]:
    lines = ["## 4. Monthly report and city-wide digest against bare counts", "",
             "One month, 100,000 tickets, 1,400 officers (one RW each, in the 153 kelurahan), "
             "about 6 % late with breaches and ledger entries. `report` is `compute_report` "
             "(what `report monthly`, the dashboard and the month close run); `digest` is the "
             "city supervisor's digest for 30 November built and rendered. The baseline is one "
             "bare `SELECT count(*)` per table each reads, with the same WHERE clause, summed. "
             "Medians of 7, timed in turns.", "",
             "| database | what | time ms | bare counts ms | rows counted | ratio (target ≤ 2) |",
             "|---|---|---:|---:|---:|---|"]
    for r in results:
        for name in ("report", "digest"):
            f = r[name]
            lines.append(f"| {r['backend']} | {name} | {f['seconds'] * 1000:.1f} | "
                         f"{f['bare_count_seconds'] * 1000:.1f} | {sum(f['rows_counted']):,} | "
                         f"{f['ratio']:.2f} ({_verdict(f['ratio'] <= 2)}) |")
    return lines + [""]


def _memory_section(web: list[dict], scheduler: list[dict]) -> list[str]:
    lines = ["## 5. Peak memory (VmHWM)", "",
             "Web worker: the largest gunicorn worker of the real app after the inbound run "
             "(acknowledging only; the inbox worker processes' peak is in section 2). "
             "Scheduler: a process built like `scheduler run`, running each job once on "
             "1 December 07:00 over the report benchmark's month (sweep, 185 digests, the "
             "month close of 100 k tickets, then the outbox).", "",
             "| database | web worker MiB | scheduler MiB | scheduler jobs (s) |",
             "|---|---:|---:|---|"]
    for w, s in zip(web, scheduler, strict=True):
        jobs = ", ".join(f"{k} {v}" for k, v in s["job_seconds"].items())
        lines.append(f"| {w['backend']} | {w['worker_peak_rss_mb']:.0f} | "
                     f"{s['peak_rss_mb']:.0f} | {jobs} |")
    return lines + [""]


def main() -> None:
    started = time.perf_counter()
    command = "python bench/run_all.py"
    pg_url = pg_base_url()
    load_before = _load()
    print("== 1. inbound", flush=True)
    web = inbound.main([])
    print("== 2. inbound end to end", flush=True)
    e2e = inbound_e2e.main([])
    print("== 3. sweep", flush=True)
    sweep = subprocess.run([sys.executable, str(ROOT / "bench" / "sweep.py")], cwd=ROOT,
                           capture_output=True, text=True, check=True)
    print(sweep.stdout, end="", flush=True)
    print("== 4. report and digest", flush=True)
    reports = report.main([])
    print("== 5. scheduler memory", flush=True)
    scheduler = scheduler_rss.main([])
    minutes = (time.perf_counter() - started) / 60
    lines = ["# Benchmark results", "",
             f"Generated {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `{command}` "
             f"in {minutes:.1f} minutes.", "",
             f"- Machine: {machine()}",
             f"- Database: SQLite {sqlite3.sqlite_version} (file, WAL); "
             f"{_postgres_version(pg_url)}",
             f"- Load generator: {_wrk_version()}",
             f"- Load average before / after: {load_before} / {_load()} "
             "(other processes on this machine count too)",
             f"- Python {platform.python_version()}, "
             f"{shlex.join(sys.argv) if len(sys.argv) > 1 else 'no arguments'}", ""]
    lines += _inbound_section(web)
    lines += _e2e_section(e2e)
    lines += ["## 3. SLA sweep at 10 k and 1 M tickets (`bench/sweep.py`)", "",
              "Same number due (200 per round) in both; target: 1 M / 10 k ratio ≤ 1.5.", "",
              "```", sweep.stdout.rstrip(), "```", ""]
    lines += _report_section(reports)
    lines += _memory_section(web, scheduler)
    lines += ["Where the targets are missed, what the profiles showed and what was changed: "
              "`bench/PROFILE.md`.", ""]
    RESULTS.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {RESULTS.relative_to(ROOT)} in {minutes:.1f} min", flush=True)


if __name__ == "__main__":
    main()
