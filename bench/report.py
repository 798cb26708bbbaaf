"""Benchmark: the monthly report and the city-wide digest against bare counts of their rows.

    .venv/bin/python bench/report.py            # SQLite, and PostgreSQL if it answers
    .venv/bin/python bench/report.py --officers 1400 --tickets 100000

A month (November 2026) of 100 k tickets for 1,400 officers, each serving one of 1,400 RWs
in Surabaya's 153 kelurahan: most closed on time, about 6 % late (with their breach and
ledger entries, a few excused), the rest still open at the end of the month. Timed (median):
the month's report (`compute_report`, as `report monthly` and the dashboard use it), and
the city supervisor's digest for 30 November built and rendered to its text. Each is
compared with bare `SELECT count(*)` queries over the same rows (the same tables and WHERE
clauses the report or digest reads, one count per table, summed). Target: at most 2×.

The rows are bulk-loaded around the services, so the build also stores what the services
keep as they go (untimed): each closed ticket's late working minutes, as `_close` stores
them, and the officers' monthly tally (`services.tally.rebuild_month`, the recount
`report verify` checks the kept tally against).
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from common import backends, fresh_database, pg_base_url
from sqlalchemy import text
from sweep import bulk_insert

from services.core import schema
from services.core.clock import ManualClock
from services.core.context import Ctx
from services.core.runtime import build_runtime
from services.core.settings import load_settings
from services.ledger.month import month_bounds
from services.ledger.tally import rebuild_month
from services.regions.wilayah import official_kelurahan
from services.reports.digest_figures import build_digest
from services.reports.monthly import compute_report
from services.tickets.deadlines import late_minutes_between
from sla.clock import StatusChange, deadline
from sla.digest_period import digest_period
from sla.ledger import BreachFacts, LedgerRates, expected_entries, month_of

WIB = ZoneInfo("Asia/Jakarta")
MONTH = "2026-11"
NOW = datetime(2026, 11, 30, 16, 0, tzinfo=WIB)          # Monday, the month's last working day
DIGEST_DATE = date(2026, 11, 30)
T0 = datetime(2026, 10, 1, tzinfo=UTC)
LATE_SHARE, OPEN_SHARE, EXCUSED_SHARE = 0.06, 0.01, 0.05
SLA = timedelta(minutes=480)

STAFF_COLUMNS = ("id", "name", "phone", "role", "tpp_base", "active", "scope_kecamatan_id",
                 "scope_kelurahan_id", "created_at", "updated_at")
TICKET_COLUMNS = ("id", "service", "status", "citizen_id", "rw_id", "officer_id", "kk_new",
                  "media", "evidence", "submitted_at", "clock_started_at", "deadline_at",
                  "reminder_at", "reminder_sent_at", "breached_at", "closed_at", "rating",
                  "version", "late_minutes")
EVENT_COLUMNS = ("ticket_id", "at", "kind", "actor_kind", "status", "officer_id", "details")
BREACH_COLUMNS = ("ticket_id", "officer_id", "deadline_at", "recorded_at", "excused_at",
                  "excused_by_id", "excuse_reason")
LEDGER_COLUMNS = ("officer_id", "ticket_id", "key", "kind", "percent", "effective_at", "month",
                  "created_at", "actor_id", "reason")


def _regions(engine, officers: int) -> tuple[list[tuple], list[int]]:
    """Kecamatan and kelurahan (official); returns `officers` RW rows and the kelurahan ids."""
    kecamatan: dict[str, int] = {}
    kel_rows, kec_rows = [], []
    for i, k in enumerate(official_kelurahan(), start=1):
        if k.kecamatan not in kecamatan:
            kecamatan[k.kecamatan] = len(kecamatan) + 1
            kec_rows.append((kecamatan[k.kecamatan], k.kecamatan_code, k.kecamatan))
        kel_rows.append((i, k.code, k.name, kecamatan[k.kecamatan]))
    rw_rows = [(i + 1, kel_rows[i % len(kel_rows)][0], i // len(kel_rows) + 1, i + 1)
               for i in range(officers)]
    bulk_insert(engine, "kecamatan", ("id", "code", "name"), kec_rows)
    bulk_insert(engine, "kelurahan", ("id", "code", "name", "kecamatan_id"), kel_rows)
    return rw_rows, [r[0] for r in kel_rows]


def _staff(officers: int, kelurahan: list[int]) -> list[tuple]:
    rows = [(i, f"Petugas {i:04d}", f"+628120000{i:04d}", "officer", 4_000_000 + 1_000 * (i % 2500),
             True, None, None, T0, T0) for i in range(1, officers + 1)]
    base = officers
    kel_to_kec = {}
    for k_id, k in zip(kelurahan, official_kelurahan(), strict=True):
        kel_to_kec[k_id] = int(k.kecamatan_code[-2:])
    for n, k_id in enumerate(kelurahan, start=1):
        rows.append((base + n, f"Lurah {n}", f"+628129999{n:04d}", "supervisor", 0, True,
                     kel_to_kec[k_id], k_id, T0, T0))
    base += len(kelurahan)
    for n in sorted(set(kel_to_kec.values())):
        rows.append((base + n, f"Camat {n}", f"+628129998{n:04d}", "supervisor", 0, True, n, None,
                     T0, T0))
    rows.append((base + 100, "Kota", "+6281299970001", "supervisor", 0, True, None, None, T0, T0))
    return rows


def _working_instants(rt, rng: random.Random, count: int) -> list[datetime]:
    start, _ = month_bounds(MONTH, WIB)
    days = [d for d in (start.astimezone(WIB).date() + timedelta(days=i) for i in range(30))
            if rt.calendar.is_working_day(d) and d < DIGEST_DATE]
    return sorted(datetime.combine(rng.choice(days), datetime.min.time(), tzinfo=WIB)
                  + timedelta(hours=8, seconds=rng.randrange(7 * 3600 + 1800))
                  for _ in range(count))


def build(url: str, officers: int, tickets: int):
    """The month's data; returns a runtime whose clock reads NOW."""
    settings = load_settings({"IGNORE_ENVIRONMENT": True, "DATABASE_URL": url,
                              "MESSAGING_TRANSPORT": "console", "OUTBOX_SENDER_THREAD": False})
    rt = build_runtime(settings, clock=ManualClock(NOW))
    schema.upgrade(rt.engine)
    rng = random.Random(f"report:{officers}:{tickets}")  # noqa: S311 - test data
    rw_rows, kelurahan = _regions(rt.engine, officers)
    staff = _staff(officers, kelurahan)
    bulk_insert(rt.engine, "staff", STAFF_COLUMNS, staff)
    bulk_insert(rt.engine, "rw", ("id", "kelurahan_id", "number", "officer_id"), rw_rows)
    rws = [r[0] for r in rw_rows]
    bulk_insert(rt.engine, "citizen", ("id", "phone", "created_at"),
                [(i, f"+62857{i:08d}", T0) for i in range(1, tickets // 2 + 1)])
    rows, events, breaches, ledger = [], [], [], []
    rates, cal, lurah_of = LedgerRates(), rt.calendar, {}
    for s in staff:
        if s[7] is not None:
            lurah_of[s[7]] = s[0]
    for i, submitted in enumerate(_working_instants(rt, rng, tickets), start=1):
        rw = rws[rng.randrange(len(rws))]
        due = deadline(cal, [StatusChange(submitted, "new")], SLA)
        roll = rng.random()
        breached = closed = excused = None
        if roll < OPEN_SHARE:
            status = "in_progress"
            breached = due if due <= NOW else None
        elif roll < OPEN_SHARE + LATE_SHARE:
            status, breached = "resolved", due
            closed = cal.add_working_time(due, timedelta(minutes=rng.uniform(10, 900)))
            if closed > NOW:
                status, closed = "in_progress", None
        else:
            status = "resolved" if rng.random() < 0.96 else "rejected"
            closed = cal.add_working_time(submitted, SLA * rng.uniform(0.05, 0.95))
        if breached and rng.random() < EXCUSED_SHARE:
            excused = breached + timedelta(hours=20)
            excused = excused if excused <= NOW else None
        rating = rng.choice((5, 5, 4, 4, 3)) if closed and rng.random() < 0.7 else None
        rows.append((i, "KTP" if rng.random() < 0.65 else "KK", status, 1 + i % (tickets // 2),
                     rw, rw, False, "[]", "[]", submitted, submitted, due, due - SLA / 4,
                     None, breached, closed, rating, 3,
                     late_minutes_between(cal, due, closed, NOW) if closed else None))
        events.append((i, submitted, "submitted", "citizen", "new", rw, "{}"))
        if closed:
            events.append((i, closed, status, "staff", status, rw, "{}"))
        if breached:
            breaches.append((i, rw, breached, breached, excused,
                             lurah_of.get(kelurahan[(rw - 1) % len(kelurahan)]) if excused
                             else None, "server gangguan" if excused else None))
            facts = BreachFacts(i, breached, closed, excused, breaches[-1][5],
                                breaches[-1][6], [(submitted, rw)])
            for e in expected_entries(cal, facts, NOW.astimezone(UTC), rates):
                ledger.append((e.officer_id, i, e.key, e.kind, float(e.percent),
                               e.effective_at, month_of(e.effective_at, cal), e.effective_at,
                               e.actor_id, e.reason))
    bulk_insert(rt.engine, "ticket", TICKET_COLUMNS, rows)
    bulk_insert(rt.engine, "ticket_event", EVENT_COLUMNS, events)
    bulk_insert(rt.engine, "breach", BREACH_COLUMNS, breaches)
    bulk_insert(rt.engine, "ledger_entry", LEDGER_COLUMNS, ledger)
    # What the services keep as they close, rate, breach and excuse (rows were bulk-loaded).
    with rt.transaction() as db:
        rebuild_month(db, MONTH, rt.settings.zone)
    # A month-old table in production has been through autovacuum (statistics and the
    # visibility map); a freshly loaded one has not. Both timed sides read the same tables.
    vacuum = "VACUUM ANALYZE" if rt.engine.dialect.name == "postgresql" else "ANALYZE"
    with rt.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(vacuum)
    return rt, {"tickets": len(rows), "breaches": len(breaches), "ledger": len(ledger),
                "officers": officers}


def _report_counts(rt) -> list[str]:
    """One bare count per table the report reads, with the report's own WHERE clause."""
    return [
        "SELECT count(*) FROM staff WHERE role <> 'supervisor'",
        "SELECT count(*) FROM rw JOIN kelurahan ON rw.kelurahan_id = kelurahan.id "
        "JOIN kecamatan ON kelurahan.kecamatan_id = kecamatan.id",
        "SELECT count(*) FROM ticket WHERE closed_at >= :start AND closed_at < :end "
        "AND status IN ('resolved', 'rejected') AND officer_id IS NOT NULL",
        "SELECT count(*) FROM breach WHERE deadline_at >= :start AND deadline_at < :end",
        "SELECT count(*) FROM ledger_entry WHERE month = :month",
    ]


def _digest_counts(rt) -> list[str]:
    """The digest's row sets: the period's new, closed and breached tickets, the open
    overdue and due-today ones, the month's unexcused breaches (top officers)."""
    return [
        "SELECT count(*) FROM ticket WHERE submitted_at >= :pstart AND submitted_at < :pend",
        "SELECT count(*) FROM ticket WHERE closed_at >= :pstart AND closed_at < :pend",
        "SELECT count(*) FROM breach WHERE deadline_at >= :pstart AND deadline_at < :pend",
        "SELECT count(*) FROM ticket WHERE status IN ('new', 'in_progress', 'waiting_citizen') "
        "AND ((status IN ('new', 'in_progress') AND deadline_at <= :now) "
        "OR breached_at IS NOT NULL)",
        "SELECT count(*) FROM ticket WHERE status IN ('new', 'in_progress') AND "
        "deadline_at > :now AND deadline_at >= :dstart AND deadline_at < :dend",
        "SELECT count(*) FROM breach WHERE excused_at IS NULL AND deadline_at >= :start "
        "AND deadline_at < :pend",
    ]


def _params(rt) -> dict:
    start, end = month_bounds(MONTH, WIB)
    period = digest_period(rt.calendar, DIGEST_DATE)
    day = datetime.combine(DIGEST_DATE, datetime.min.time(), tzinfo=WIB)
    values = {"start": start, "end": end, "month": MONTH, "pstart": period.start,
              "pend": period.end, "now": NOW, "dstart": day, "dend": day + timedelta(days=1)}
    if rt.engine.dialect.name == "sqlite":   # stored as naive UTC text there
        values = {k: v.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
                  if isinstance(v, datetime) else v for k, v in values.items()}
    return values


def _count_all(rt, queries: list[str], params: dict) -> list[int]:
    with rt.engine.connect() as conn:
        return [conn.execute(text(q), params).scalar_one() for q in queries]


def time_all(rt, repeats: int) -> dict:
    """Median seconds of the report, the digest, and their bare counts."""
    params = _params(rt)
    with rt.sessions() as db:
        city = db.execute(text("SELECT id FROM staff WHERE role = 'supervisor' AND "
                               "scope_kecamatan_id IS NULL")).scalar_one()

    def report() -> None:
        with rt.sessions() as db:
            compute_report(rt, db, MONTH, NOW)

    def digest() -> None:
        from models import Staff

        with rt.sessions() as db:
            ctx = Ctx(db, NOW, rt)
            supervisor = db.get(Staff, city)
            figures = build_digest(ctx, supervisor, DIGEST_DATE)
            ctx.text("digest", digest=figures, zone=rt.settings.zone)

    figures = {}
    for name, fn, queries in (("report", report, _report_counts(rt)),
                              ("digest", digest, _digest_counts(rt))):
        counted = _count_all(rt, queries, params)
        bare, real = _alternating(lambda q=queries: _count_all(rt, q, params), fn, repeats)
        figures[name] = {"seconds": real, "bare_count_seconds": bare, "ratio": real / bare,
                         "rows_counted": counted}
    return figures


def _alternating(bare, real, repeats: int) -> tuple[float, float]:
    """Medians of both, timed in turns (so a busy moment hurts both alike)."""
    bare(), real()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for fn, out in ((bare, samples[0]), (real, samples[1])):
            started = time.perf_counter()
            fn()
            out.append(time.perf_counter() - started)
    return statistics.median(samples[0]), statistics.median(samples[1])


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=1400)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    pg_url = pg_base_url()
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_report_") as tmp:
        for backend in backends(pg_url):
            with fresh_database(backend, Path(tmp), pg_url) as url:
                started = time.perf_counter()
                rt, sizes = build(url, args.officers, args.tickets)
                built = time.perf_counter() - started
                try:
                    figures = time_all(rt, args.repeats)
                finally:
                    rt.close()
            results.append({"backend": backend, "sizes": sizes, "built_seconds": built,
                            **figures})
            for name in ("report", "digest"):
                f = figures[name]
                print(f"{backend:10} {name:6} {f['seconds'] * 1000:8.1f} ms vs bare counts "
                      f"{f['bare_count_seconds'] * 1000:7.1f} ms ({sum(f['rows_counted']):,} "
                      f"rows): ratio {f['ratio']:.2f} (target <= 2) [{sizes}]", flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    return results


if __name__ == "__main__":
    main()
