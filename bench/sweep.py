"""Benchmark: the SLA sweep costs the same with 10 k or 1 M tickets when as many are due.

    .venv/bin/python bench/sweep.py                 # 10 k and 1 M, SQLite and PostgreSQL
    .venv/bin/python bench/sweep.py --sizes 10000,100000 --due 200

Each database holds `size` tickets: `due` of them due per round (half a breach, half a
reminder), a few open ones not yet due, the rest closed. Timed at each size: the sweep's
two candidate queries (median of many runs) and a full sweep (median of three rounds,
each with its own `due` tickets). The 1 M / 10 k ratio should stay at or below 1.5.
PostgreSQL is used when BENCH_DATABASE_URL (or TEST_DATABASE_URL, or the local default)
answers; each run makes a throw-away schema and drops it.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common import pg_base_url  # noqa: E402  (bench/ is on sys.path when run as a script)

from models import RW, Citizen, Kecamatan, Kelurahan, Role, Staff, Ticket  # noqa: E402
from services.core import schema  # noqa: E402
from services.core.clock import ManualClock  # noqa: E402
from services.core.db import make_engine  # noqa: E402
from services.core.runtime import build_runtime  # noqa: E402
from services.core.settings import load_settings  # noqa: E402
from services.tickets.sweep import due_for_breach, due_for_reminder, sweep  # noqa: E402

T0 = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Jakarta")).astimezone(UTC)
ROUNDS = 3
FAR = T0 + timedelta(days=10)
TICKET_COLUMNS = ("id", "service", "status", "citizen_id", "rw_id", "officer_id", "kk_new",
                  "media", "evidence", "submitted_at", "clock_started_at", "deadline_at",
                  "reminder_at", "reminder_sent_at", "breached_at", "closed_at", "version")
EVENT_COLUMNS = ("ticket_id", "at", "kind", "actor_kind", "status", "officer_id", "details")


def round_at(r: int) -> datetime:
    """When sweep round `r` (1-based) runs."""
    return T0 + timedelta(hours=r)


def _layout(size: int, due: int) -> dict[int, tuple[str, int]]:
    """Which ticket ids are open, spread evenly through the table: id → (kind, round)."""
    special = [("breach", r) for r in range(1, ROUNDS + 1) for _ in range(due // 2)]
    special += [("remind", r) for r in range(1, ROUNDS + 1) for _ in range(due - due // 2)]
    special += [("later", 0)] * due
    step = size // len(special)
    return {1 + i * step: kind for i, kind in enumerate(special)}


def ticket_rows(size: int, due: int, ids: tuple[int, int, int]):
    """Every ticket as a tuple in TICKET_COLUMNS order (aware datetimes)."""
    citizen, rw, officer = ids
    layout = _layout(size, due)
    for i in range(1, size + 1):
        kind, r = layout.get(i, ("closed", 0))
        if kind == "closed":
            start = T0 - timedelta(days=1 + i % 365)
            deadline = start + timedelta(days=1)
            yield (i, "KTP", "resolved", citizen, rw, officer, False, "[]", "[]", start, start,
                   deadline, start + timedelta(hours=18), start + timedelta(hours=18),
                   deadline if i % 7 == 0 else None, deadline + timedelta(hours=i % 7), 3)
            continue
        start = T0 - timedelta(days=1)
        if kind == "breach":       # reminded already; its deadline falls in round r
            deadline, remind, sent = round_at(r) - timedelta(minutes=1), start, start
        elif kind == "remind":     # 75 % reached in round r; deadline far off
            deadline, remind, sent = FAR, round_at(r) - timedelta(minutes=1), None
        else:                      # open, nothing due in any round
            deadline, remind, sent = FAR, FAR - timedelta(hours=2), None
        yield (i, "KTP", "new", citizen, rw, officer, False, "[]", "[]", start, start,
               deadline, remind, sent, None, None, 1)


def event_rows(size: int, officer: int):
    """One `submitted` event per ticket (the breach looks up who held the ticket)."""
    for i in range(1, size + 1):
        yield (i, T0 - timedelta(days=1 + i % 365), "submitted", "citizen", "new", officer, "{}")


def _seed_people(rt) -> tuple[int, int, int]:
    with rt.transaction() as db:
        kec = Kecamatan(name="Gayungan")
        kel = Kelurahan(name="Ketintang", kecamatan=kec)
        officer = Staff(name="Siti", phone="+6281200000101", role=Role.OFFICER,
                        tpp_base=5_000_000, active=True, created_at=T0, updated_at=T0)
        lurah = Staff(name="Lurah", phone="+6281200000901", role=Role.SUPERVISOR, active=True,
                      scope_kecamatan=kec, scope_kelurahan=kel, created_at=T0, updated_at=T0)
        place = RW(kelurahan=kel, number=3, officer=officer)
        citizen = Citizen(phone="+6285700000001", created_at=T0)
        db.add_all([kec, kel, officer, lurah, place, citizen])
        db.flush()
        return citizen.id, place.id, officer.id


def _sqlite_values(engine, table, rows):
    # Store datetimes exactly as the app's column type would (naive UTC text on SQLite).
    processors = [c.type.bind_processor(engine.dialect) if "_at" in c.name or c.name == "at"
                  else None for c in table]
    cache: dict = {}
    for row in rows:
        out = []
        for value, proc in zip(row, processors, strict=True):
            if proc is not None and value is not None:
                if value not in cache:
                    cache[value] = proc(value)
                value = cache[value]
            out.append(value)
        yield tuple(out)


def bulk_insert(engine, table_name: str, columns: tuple[str, ...], rows) -> None:
    """executemany on SQLite, COPY on PostgreSQL."""
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "sqlite":
            table = Ticket.metadata.tables[table_name]
            cols = [table.c[name] for name in columns]
            marks = ", ".join("?" * len(columns))
            sqlite = raw.driver_connection   # autocommit mode: one explicit transaction
            sqlite.execute("BEGIN")
            sqlite.executemany(
                f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({marks})",
                _sqlite_values(engine, cols, rows))
            sqlite.execute("COMMIT")
        else:
            with raw.cursor() as cur, cur.copy(
                    f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def build(url: str, size: int, due: int):
    """A migrated database with `size` tickets; returns its runtime."""
    settings = load_settings({"IGNORE_ENVIRONMENT": True, "DATABASE_URL": url,
                              "MESSAGING_TRANSPORT": "console", "OUTBOX_SENDER_THREAD": False})
    rt = build_runtime(settings, clock=ManualClock(T0))
    schema.upgrade(rt.engine)
    citizen, rw, officer = _seed_people(rt)
    bulk_insert(rt.engine, "ticket", TICKET_COLUMNS, ticket_rows(size, due, (citizen, rw, officer)))
    bulk_insert(rt.engine, "ticket_event", EVENT_COLUMNS, event_rows(size, officer))
    if rt.engine.dialect.name == "postgresql":
        with rt.engine.begin() as conn:   # what autovacuum does on a live server
            conn.exec_driver_sql("ANALYZE")
    return rt


def time_candidates(rt, repeats: int = 100, warm_up: int = 10) -> tuple[float, int]:
    """Median seconds for both candidate queries, as the sweep runs them; and how many."""
    samples = []
    now = round_at(1)
    with rt.sessions() as db:
        for _ in range(warm_up + repeats):
            started = time.perf_counter()
            found = len(db.scalars(due_for_breach(now)).all())
            found += len(db.scalars(due_for_reminder(now)).all())
            samples.append(time.perf_counter() - started)
            db.rollback()
    return statistics.median(samples[warm_up:]), found


def time_sweeps(rt, due: int) -> float:
    """Median seconds of a full sweep over ROUNDS rounds, each with `due` tickets due."""
    samples = []
    for r in range(1, ROUNDS + 1):
        started = time.perf_counter()
        result = sweep(rt, round_at(r))
        samples.append(time.perf_counter() - started)
        done = result.breached + result.reminded
        if done != due:
            raise SystemExit(f"round {r}: expected {due} handled, got {result.as_dict()}")
    return statistics.median(samples)


def _databases(pg_url: str | None, workdir: Path):
    """(backend, url, cleanup) for each size's fresh database."""
    def sqlite(size: int):
        path = workdir / f"sweep_{size}.db"
        return f"sqlite:///{path}", lambda: [p.unlink(missing_ok=True)
                                            for p in workdir.glob(f"sweep_{size}.db*")]

    def postgresql(size: int):
        name = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(pg_url)
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        url = make_url(pg_url).update_query_dict({"options": f"-csearch_path={name}"})

        def drop() -> None:
            with admin.begin() as conn:
                conn.exec_driver_sql(f'DROP SCHEMA "{name}" CASCADE')
            admin.dispose()
        return url.render_as_string(hide_password=False), drop

    yield "sqlite", sqlite
    if pg_url:
        yield "postgresql", postgresql


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--due", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    logging.basicConfig(level=logging.ERROR)   # one warning per message queued otherwise
    pg_url = pg_base_url()
    with tempfile.TemporaryDirectory(prefix="bench_sweep_") as tmp:
        for backend, make in _databases(pg_url, Path(tmp)):
            figures = {}
            for size in sizes:
                url, cleanup = make(size)
                try:
                    started = time.perf_counter()
                    rt = build(url, size, args.due)
                    built = time.perf_counter() - started
                    query, found = time_candidates(rt)
                    full = time_sweeps(rt, args.due)
                    rt.close()
                finally:
                    cleanup()
                figures[size] = (query, full)
                print(f"{backend:10} {size:>9,} tickets ({found} due): candidate query "
                      f"{query * 1000:7.2f} ms, full sweep {full * 1000:8.1f} ms "
                      f"(built in {built:.0f} s)", flush=True)
            small, large = figures[min(sizes)], figures[max(sizes)]
            print(f"{backend:10} ratio {max(sizes):,} / {min(sizes):,}: candidate query "
                  f"{large[0] / small[0]:.2f}, full sweep {large[1] / small[1]:.2f} "
                  f"(target <= 1.5)", flush=True)


if __name__ == "__main__":
    main()
