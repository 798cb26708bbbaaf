"""Migration 0005: `staff.on_leave_until` becomes leave rows with history, and back."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from models import Leave, Staff, StaffEvent, UTCDateTime
from services.core import schema
from services.core.context import Ctx
from services.core.db import make_engine
from services.leave.booking import set_leave
from services.people.leave_days import on_leave_ids
from tests.support.clock import wib

SITI, DEWI = "+6281200000101", "+6281200000103"
staff = sa.table("staff", sa.column("id", sa.Integer), sa.column("on_leave_until", sa.Date),
                 sa.column("updated_at", UTCDateTime()))


def _staff_ids(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT phone, id FROM staff")).all())


def test_on_leave_until_becomes_a_leave_and_comes_back_on_downgrade(rt, roster, database_url):
    engine = make_engine(database_url)
    try:
        ids = _staff_ids(engine)
        schema.downgrade(engine, "0003")
        assert "nip" not in {c["name"] for c in inspect(engine).get_columns("staff")}
        with engine.begin() as conn:
            for phone, until, updated in ((SITI, date(2026, 11, 30), wib(2026, 11, 23, 9)),
                                          (DEWI, date(2026, 1, 5), wib(2026, 1, 2, 9))):
                conn.execute(staff.update().where(staff.c.id == ids[phone])
                             .values(on_leave_until=until, updated_at=updated))
        schema.upgrade(engine, settings=rt.settings)
        assert "on_leave_until" not in {c["name"] for c in inspect(engine).get_columns("staff")}
    finally:
        engine.dispose()
    with rt.sessions() as db:
        leaves = {leave.staff_id: leave for leave in db.scalars(select(Leave))}
        siti, dewi = leaves[ids[SITI]], leaves[ids[DEWI]]
        assert (siti.starts_on, siti.ends_on, siti.source) == (date(2026, 11, 23),
                                                               date(2026, 11, 30), "roster")
        assert siti.takes_effect_at == wib(2026, 11, 23, 8, 0)
        assert (dewi.starts_on, dewi.ends_on) == (date(2026, 1, 2), date(2026, 1, 5))
        assert on_leave_ids(db, ids.values(), date(2026, 11, 25)) == {ids[SITI]}
        events = db.scalars(select(StaffEvent)).all()
        assert {e.kind for e in events} == {"leave_set"} and len(events) == 2
    engine = make_engine(database_url)
    try:
        schema.downgrade(engine, "0003")
        with engine.connect() as conn:
            back = dict(conn.execute(text("SELECT id, on_leave_until FROM staff WHERE "
                                          "on_leave_until IS NOT NULL")).all())
        assert {k: str(v) for k, v in back.items()} == {ids[SITI]: "2026-11-30",
                                                        ids[DEWI]: "2026-01-05"}
    finally:
        schema.upgrade(engine)
        engine.dispose()


def test_the_staff_event_log_refuses_update_and_delete(rt, roster):
    with rt.transaction() as db:
        ctx = Ctx(db, rt.now(), rt)
        siti = db.scalar(select(Staff).where(Staff.phone == SITI))
        set_leave(ctx, siti, ctx.today, ctx.today, "", by=siti, source="chat")
    for statement in ("DELETE FROM staff_event", "UPDATE staff_event SET kind = 'x'"):
        with pytest.raises(DBAPIError, match="append-only"):
            with rt.engine.begin() as conn:
                conn.execute(text(statement))
