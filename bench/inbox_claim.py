"""Benchmark: the cost of one inbox claim (`claim_next`) against the number of messages
waiting, on PostgreSQL, with the statistics a burst leaves (none) and after ANALYZE.

    .venv/bin/python bench/inbox_claim.py              # 50, 1 000 and 5 000 queued
    .venv/bin/python bench/inbox_claim.py 10000

Each size gets a fresh schema with N queued inbound messages from N / 20 senders (a
burst: twenty messages each). Prints the median of three claims. Not part of run_all.py:
it is the profile behind bench/PROFILE.md's "the claim is quadratic".
"""

from __future__ import annotations

import statistics
import sys
import time

from common import fresh_database, pg_base_url
from sqlalchemy import insert

from models import Message
from services.channel.inbox import claim_next
from services.core import schema
from services.core.db import make_engine
from services.core.runtime import build_runtime
from services.core.settings import load_settings


def median_claim_ms(rt, worker: str, repeats: int = 3) -> float:
    samples = []
    for n in range(repeats):
        started = time.perf_counter()
        claim_next(rt, f"{worker}-{n}")
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


def main(argv: list[str]) -> None:
    pg_url = pg_base_url()
    if pg_url is None:
        raise SystemExit("bench/inbox_claim.py needs PostgreSQL")
    for backlog in [int(a) for a in argv] or [50, 1_000, 5_000]:
        with fresh_database("postgresql", None, pg_url) as url:
            engine = make_engine(url)
            schema.upgrade(engine)
            engine.dispose()
            rt = build_runtime(load_settings({"IGNORE_ENVIRONMENT": True, "DATABASE_URL": url,
                                              "MESSAGING_TRANSPORT": "console",
                                              "OUTBOX_SENDER_THREAD": False}))
            try:
                now, senders = rt.now(), max(1, backlog // 20)
                with rt.transaction() as db:
                    db.execute(insert(Message), [
                        {"direction": "in", "sid": f"SM{n:032d}", "body": "KTP",
                         "phone": f"+62858{n % senders:08d}", "media": [], "kind": "reply",
                         "status": "queued", "attempts": 0, "created_at": now}
                        for n in range(backlog)])
                stale = median_claim_ms(rt, "stale")
                with rt.engine.begin() as conn:
                    conn.exec_driver_sql("ANALYZE message")
                analysed = median_claim_ms(rt, "analysed")
            finally:
                rt.close()
        print(f"{backlog:7,} queued from {senders:5,} senders: claim_next {stale:9.1f} ms "
              f"(fresh statistics: {analysed:6.1f} ms)", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
