"""A named database lease: one holder at a time, renewed while alive, taken over at expiry.

Both steps are single statements, so the database decides every race:
1. `INSERT … ON CONFLICT DO NOTHING` creates the row the first time anyone asks;
2. `UPDATE … WHERE name = :name AND (holder = :me OR expires_at <= :now)` renews it for
   its holder or hands an expired one over. PostgreSQL re-checks that WHERE on the row
   version a concurrent winner committed; SQLite runs one writer at a time. Exactly one
   contender sees its row updated.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import case, or_, select, update

from models import SchedulerLease
from services.core.db import upsert_insert
from services.core.runtime import Runtime

log = logging.getLogger(__name__)


def _insert_if_absent(rt: Runtime, name: str, holder: str, now: datetime,
                      ttl: timedelta):
    return (upsert_insert(rt.engine, SchedulerLease)
            .values(name=name, holder=holder, acquired_at=now, expires_at=now + ttl)
            .on_conflict_do_nothing(index_elements=["name"]))


def acquire_lease(rt: Runtime, name: str, holder: str, ttl: timedelta,
                  now: datetime) -> bool:
    """Take or renew the lease `name` for `holder` until `now + ttl`; False if held by another."""
    table = SchedulerLease.__table__
    renew = (update(table)
             .where(table.c.name == name,
                    or_(table.c.holder == holder, table.c.expires_at <= now))
             .values(holder=holder, expires_at=now + ttl,
                     acquired_at=case((table.c.holder == holder, table.c.acquired_at),
                                      else_=now)))
    with rt.transaction() as db:
        db.execute(_insert_if_absent(rt, name, holder, now, ttl))
        return db.execute(renew).rowcount == 1


def release_lease(rt: Runtime, name: str, holder: str, now: datetime) -> bool:
    """Give the lease up at once (a clean shutdown), so another holder need not wait."""
    table = SchedulerLease.__table__
    with rt.transaction() as db:
        done = db.execute(update(table)
                          .where(table.c.name == name, table.c.holder == holder)
                          .values(expires_at=now))
        return done.rowcount == 1


def lease_holder(rt: Runtime, name: str, now: datetime) -> str | None:
    """Who holds the lease `name` at `now`, or None when it is free or expired."""
    with rt.sessions() as db:
        row = db.scalar(select(SchedulerLease).where(SchedulerLease.name == name))
    if row is None or row.expires_at <= now:
        return None
    return row.holder
