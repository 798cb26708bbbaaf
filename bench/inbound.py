"""Benchmark: the real `POST /whatsapp/inbound` against a bare Flask view, same server, same load.

    .venv/bin/python bench/inbound.py                   # SQLite, and PostgreSQL if it answers
    .venv/bin/python bench/inbound.py --duration 20 --connections 32
    .venv/bin/python bench/inbound.py --drain           # then let workers process it all

Both apps run under gunicorn with the same workers and threads on 127.0.0.1, loaded by
the same wrk script replaying pre-signed Twilio webhook requests (citizens filing KTP
requests step by step: KTP → RW → NIK → description → YA). What is measured is the
acknowledgement Twilio waits for: the real app checks every X-Twilio-Signature
(VALIDATE_SIGNATURES=1 with an auth token), stores each message once by its MessageSid
(INSERT … ON CONFLICT DO NOTHING), commits and answers empty TwiML. The conversations run
later in the inbox workers, which are off here (RUN_WORKER=0, no `flask worker`), as is
outbox delivery. Each request carries a new MessageSid; afterwards the run checks that
every acknowledged message is stored, once, and waits as `queued`; with `--drain` two
`flask --app wsgi worker` processes then run every stored conversation and the run checks
that each was processed. Target: real throughput at least half the bare view's.
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlencode

from common import (
    ROOT,
    backends,
    children,
    free_port,
    fresh_database,
    peak_rss_mb,
    pg_base_url,
    server,
)
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from models import Direction, Message
from services.core import schema
from services.core.db import make_engine
from services.core.runtime import build_runtime
from services.core.settings import load_settings
from services.demo.cast import KTP_NEEDS
from services.demo.city_roster import ROSTER_FILE
from services.roster.apply import import_roster

AUTH_TOKEN = "bench-auth-token"
ACCOUNT_SID = "AC" + "b" * 32
BOT = "whatsapp:+14155238886"
PUBLIC_BASE_URL = "http://127.0.0.1:5000"
# As in production: approved WhatsApp templates for messages outside the 24-hour window.
CONTENT_TEMPLATES = {f"CONTENT_SID_{kind}": f"HX{kind.lower():0>32}"[:34]
                     for kind in ("NEW_TICKET", "REMINDER", "BREACH", "DIGEST", "NOTICE")}
STEPS = 5                 # messages per citizen: KTP, RW, NIK, description, YA
GROUP = 200               # citizens interleaved, so every stretch of the file has every step


@dataclass
class Run:
    requests: int
    seconds: float
    throughput: float
    p50_ms: float
    p99_ms: float
    errors: dict[str, int]
    wrapped: int
    completed: int = 0            # answered with a 2xx (wrk counts the others as errors)


def _places() -> list[str]:
    rows = list(csv.DictReader(ROSTER_FILE.open(encoding="utf-8")))
    names: dict[str, set[str]] = {}
    for r in rows:
        if r["role"] == "officer":
            names.setdefault(r["kelurahan"], set()).add(r["kecamatan"])
    places = []
    for r in rows:
        if r["role"] != "officer":
            continue
        where = r["kelurahan"] + (f" {r['kecamatan']}" if len(names[r["kelurahan"]]) > 1 else "")
        places += [f"{where} RW {n}" for n in r["rw"].split(";")]
    return places


def _nik(rng: random.Random) -> str:
    day = rng.randint(1, 28) + (40 if rng.random() < 0.5 else 0)
    return f"3578{rng.randint(1, 31):02d}{day:02d}{rng.randint(1, 12):02d}" \
           f"{rng.randint(60, 99):02d}{rng.randint(1, 999):04d}"


def _form(sid: str, phone: str, body: str) -> dict[str, str]:
    # The fields Twilio posts for a WhatsApp text message.
    return {"SmsMessageSid": sid, "NumMedia": "0", "ProfileName": "Warga", "MessageType": "text",
            "SmsSid": sid, "WaId": phone.lstrip("+"), "SmsStatus": "received", "Body": body,
            "To": BOT, "NumSegments": "1", "ReferralNumMedia": "0", "MessageSid": sid,
            "AccountSid": ACCOUNT_SID, "From": f"whatsapp:{phone}", "ApiVersion": "2010-04-01"}


def write_requests(path: Path, count: int, first_phone: int, tag: str) -> None:
    """`count` signed requests: citizens filing KTP requests, GROUP at a time."""
    rng = random.Random(f"inbound:{tag}")  # noqa: S311 - test data
    places, validator = _places(), RequestValidator(AUTH_TOKEN)
    url = PUBLIC_BASE_URL + "/whatsapp/inbound"
    written, group = 0, 0
    with path.open("w", encoding="utf-8") as out:
        while written < count:
            phones = [f"+62857{first_phone + group * GROUP + i:08d}" for i in range(GROUP)]
            scripts = {p: ["KTP", rng.choice(places), _nik(rng), rng.choice(KTP_NEEDS), "YA"]
                       for p in phones}
            for step in range(STEPS):
                for phone in phones:
                    if written == count:
                        return
                    sid = f"SM{tag}{written:030d}"
                    form = _form(sid, phone, scripts[phone][step])
                    out.write(f"{validator.compute_signature(url, form)}\t{urlencode(form)}\n")
                    written += 1
            group += 1


def prepare_database(url: str) -> None:
    """Migrate and import the demo roster (1,087 staff, 1,360 RWs) into an empty database."""
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    settings = load_settings({"IGNORE_ENVIRONMENT": True, "DATABASE_URL": url,
                              "MESSAGING_TRANSPORT": "console", "OUTBOX_SENDER_THREAD": False})
    rt = build_runtime(settings)
    try:
        result = import_roster(rt, ROSTER_FILE.read_bytes())
        if not result.ok:
            raise SystemExit(f"demo roster did not import: {result.problems[:3]}")
    finally:
        rt.close()


def wrk(port: int, requests: Path, seconds: int, connections: int, threads: int) -> Run:
    """One wrk run; the Lua script prints the figures as JSON."""
    done = subprocess.run(
        ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
         "-s", str(ROOT / "bench" / "inbound.lua"), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True, timeout=seconds + 120,
        env={"BENCH_REQUESTS": str(requests), "BENCH_WRK_THREADS": str(threads),
             "PATH": "/usr/bin:/bin"})
    line = next(x for x in done.stdout.splitlines() if x.startswith("BENCH "))
    data = json.loads(line[6:])
    seconds_run = data["duration_us"] / 1e6
    errors = {k: data[k] for k in ("status_errors", "connect_errors", "read_errors", "timeouts")
              if data[k]}
    return Run(data["requests"], seconds_run, data["requests"] / seconds_run,
               data["p50_us"] / 1000, data["p99_us"] / 1000, errors, data["wrapped"],
               data["requests"] - data["status_errors"])


def _gunicorn(app: str, port: int, workers: int, threads: int, extra: list[str]) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-w", str(workers), "--threads", str(threads),
            "-b", f"127.0.0.1:{port}", "--log-level", "warning", *extra, app]


def measure(app: str, extra: list[str], env: dict[str, str], files: tuple[Path, Path],
            args) -> tuple[Run, float]:
    """Warm up, then measure; returns the run and the workers' peak RSS (MiB)."""
    port = free_port()
    argv = _gunicorn(app, port, args.workers, args.threads, extra)
    with server(argv, port, env) as proc:
        wrk(port, files[0], args.warm_up, args.connections, args.wrk_threads)
        run = wrk(port, files[1], args.duration, args.connections, args.wrk_threads)
        rss = max((peak_rss_mb(pid) for pid in children(proc.pid)), default=float("nan"))
    return run, rss


def inbound_statuses(url: str, tag: str = "r") -> dict[str, int]:
    """The measured run's inbound messages (MessageSid `SM<tag>…`) by status."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(select(Message.status, func.count())
                                     .where(Message.direction == Direction.IN.value,
                                            Message.sid.like(f"SM{tag}%"))
                                     .group_by(Message.status)).all())
    finally:
        engine.dispose()


def check_stored(url: str, run: Run, connections: int) -> list[str]:
    """Every acknowledged message stored once and waiting: what is wrong (empty: nothing).

    The MessageSid is unique in the table, so "once" is the database's; what is checked is
    that no acknowledged message is missing (wrk stops with up to `connections` requests
    in flight, which may be stored without their answer being counted) and that nothing
    was processed, so the run measured acknowledging only."""
    statuses = inbound_statuses(url)
    stored = sum(statuses.values())
    problems = []
    if run.wrapped:
        problems.append(f"the request file wrapped {run.wrapped} times: some MessageSids "
                        "were sent twice (prepare more with --requests)")
    elif not run.completed <= stored <= run.completed + connections + run.errors.get(
            "timeouts", 0):
        problems.append(f"{run.completed} messages acknowledged but {stored} stored")
    if set(statuses) - {"queued"}:
        problems.append(f"not all waiting as queued: {statuses}")
    return problems


def drain(url: str, env: dict[str, str], expected: int, workers: int = 2,
          timeout: float = 900) -> dict:
    """Run `workers` × `flask --app wsgi worker` until every stored message is processed."""
    procs = []
    started = time.perf_counter()
    with tempfile.TemporaryFile(mode="w+") as log:
        try:
            for _ in range(workers):
                procs.append(subprocess.Popen(
                    [sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT,
                    env={**os.environ, **env}, stdout=log, stderr=log, text=True))
            while time.perf_counter() - started < timeout:
                statuses = inbound_statuses(url)
                if statuses.get("processed", 0) >= expected or \
                        any(p.poll() is not None for p in procs):
                    break
                time.sleep(1)
        finally:
            for proc in procs:
                proc.terminate()
            for proc in procs:
                try:
                    proc.wait(30)
                except subprocess.TimeoutExpired:
                    proc.kill()
            if any(p.returncode not in (0, -15) for p in procs):
                log.seek(0)
                print(log.read()[-3000:], file=sys.stderr)
    seconds = time.perf_counter() - started
    statuses = inbound_statuses(url)
    return {"workers": workers, "seconds": round(seconds, 1), "statuses": statuses,
            "messages_per_s": round(statuses.get("processed", 0) / seconds, 1)}


def bench_backend(backend: str, pg_url: str | None, workdir: Path, files, args) -> dict:
    with fresh_database(backend, workdir, pg_url) as url:
        prepare_database(url)
        env = {"DATABASE_URL": url, "MESSAGING_TRANSPORT": "console", "VALIDATE_SIGNATURES": "1",
               "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
               "RUN_WORKER": "0", "OUTBOX_SENDER_THREAD": "0", "RUN_SCHEDULER": "0",
               "LOG_LEVEL": "WARNING", "SECRET_KEY": "bench", **CONTENT_TEMPLATES}
        real, rss = measure("wsgi:create_app()", [], env, files, args)
        statuses = inbound_statuses(url)
        problems = check_stored(url, real, args.connections)
        drained = drain(url, env, sum(statuses.values())) if args.drain else None
        if drained and set(drained["statuses"]) != {"processed"}:
            problems.append(f"after the workers: {drained['statuses']}")
    bare, _ = measure("bare_app:create_app()", ["--pythonpath", str(ROOT / "bench")],
                      {"LOG_LEVEL": "WARNING"}, files, args)
    return {"backend": backend, "real": asdict(real), "bare": asdict(bare),
            "ratio": real.throughput / bare.throughput, "worker_peak_rss_mb": rss,
            "inbound_statuses": statuses, "problems": problems, "drain": drained}


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warm-up", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--requests", type=int, default=100_000,
                        help="signed requests prepared for the measured run (each sent once)")
    parser.add_argument("--drain", action="store_true",
                        help="afterwards run 2 inbox workers until every message is processed")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("bench/inbound.py needs the wrk load generator: apt-get install -y wrk")
    logging.basicConfig(level=logging.ERROR)
    pg_url = pg_base_url()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_inbound_") as tmp:
        workdir = Path(tmp)
        files = (workdir / "warm_up.txt", workdir / "run.txt")
        write_requests(files[0], 10_000, 0, "w")
        write_requests(files[1], args.requests, 10_000_000, "r")
        for backend in backends(pg_url):
            result = bench_backend(backend, pg_url, workdir, files, args)
            results.append(result)
            real, bare = result["real"], result["bare"]
            print(f"{backend:10} real {real['throughput']:7.0f} req/s p50 {real['p50_ms']:6.1f} "
                  f"ms p99 {real['p99_ms']:6.1f} ms | bare {bare['throughput']:7.0f} req/s "
                  f"p50 {bare['p50_ms']:5.1f} ms p99 {bare['p99_ms']:5.1f} ms | ratio "
                  f"{result['ratio']:.2f} (target >= 0.5) | worker peak RSS "
                  f"{result['worker_peak_rss_mb']:.0f} MiB | stored {result['inbound_statuses']}"
                  f"{' | ERRORS ' + str(real['errors']) if real['errors'] else ''}"
                  f"{' | REPEATED SIDS' if real['wrapped'] else ''}", flush=True)
            if result["drain"]:
                d = result["drain"]
                print(f"{backend:10} drained by {d['workers']} workers in {d['seconds']} s: "
                      f"{d['messages_per_s']} messages/s, {d['statuses']}", flush=True)
            for problem in result["problems"]:
                print(f"{backend:10} VIOLATION: {problem}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    if any(r["problems"] for r in main()):
        raise SystemExit("bench/inbound.py: acknowledged messages missing or processed "
                         "(see VIOLATION above)")
