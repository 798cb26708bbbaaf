"""What the report reads instead of recounting: the officers' monthly tally and the
lateness stored at each close; kept by the services, backfilled by the migration, checked
by `report verify`."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from models import Ticket
from services.core import schema
from services.core.db import make_engine
from services.ledger.tally import counted_tallies, stored_tallies
from services.reports.monthly import monthly_report
from services.reports.verify import verify_month
from services.tickets.breaches import excuse_breach
from services.tickets.deadlines import late_minutes
from services.tickets.lifecycle import rate, reject
from tests.services.reports.test_ledger_report import LURAH, SITI, City
from tests.support.clock import wib


@pytest.fixture
def city(rt, roster, clock):
    return City(rt, clock)


def _a_month(city) -> list[int]:
    """On time and rated, late and rated, excused, rejected, and one still open and late."""
    on_time, late, excused, rejected, still_open = (
        city.file(wib(2026, 11, 23, 10, i), phone=f"+62857000000{i:02d}") for i in range(1, 6))
    city.close(wib(2026, 11, 23, 15), on_time)
    city.sweep(wib(2026, 11, 24, 10, 30))                 # four breaches at 10:0x
    city.officer_does(wib(2026, 11, 24, 11), LURAH, excuse_breach, excused, "banjir")
    city.close(wib(2026, 11, 25, 9), late)
    city.close(wib(2026, 11, 25, 10), excused)
    city.officer_does(wib(2026, 11, 25, 11), SITI, reject, rejected, "bukan wilayah kami")
    for number, stars, i in ((on_time, 5, 1), (late, 2, 2)):
        city.at(wib(2026, 11, 25, 12), lambda ctx, n=number, s=stars, p=i: rate(
            ctx, city_citizen(ctx, p), ctx.db.get(Ticket, n), s))
    city.sweep(wib(2026, 11, 26, 10, 30))                 # the open one accrues a late day
    return [on_time, late, excused, rejected, still_open]


def city_citizen(ctx, i):
    from services.people.directory import citizen_by_phone

    return citizen_by_phone(ctx.db, f"+62857000000{i:02d}", ctx.now)


def test_services_keep_the_tally_and_the_lateness(city, rt):
    numbers = _a_month(city)
    with rt.sessions() as db:
        stored = stored_tallies(db, "2026-11")
        assert stored == counted_tallies(db, "2026-11", rt.settings.zone)
        siti = city.staff(db, SITI).id
        closed, on_time, rated, stars, breaches, excused, percent = stored[siti]
        assert (closed, on_time, rated, stars, breaches, excused) == (4, 1, 2, 7, 4, 1)
        for ticket in db.scalars(select(Ticket).where(Ticket.id.in_(numbers))):
            if ticket.closed_at is None:
                assert ticket.late_minutes is None
            else:
                assert ticket.late_minutes == late_minutes(rt.calendar, ticket, ticket.closed_at)
    row = city.officer_row("2026-11")
    assert (row.closed, row.on_time, row.breaches, row.excused) == (4, 1, 4, 1)
    assert row.deduction_percent == float(percent)
    report = monthly_report(rt, "2026-11")
    assert [(c.ticket, c.closed) for c in report.compensation] == [
        (n, n != numbers[-1]) for n in numbers[1:]]
    assert verify_month(rt, "2026-11") == []


def test_verify_catches_a_tampered_tally_and_lateness(city, rt, runner):
    numbers = _a_month(city)
    with rt.engine.begin() as conn:
        conn.execute(text("UPDATE officer_month SET closed = closed + 1"))
        conn.execute(text("UPDATE ticket SET late_minutes = 1 WHERE id = :id"),
                     {"id": numbers[1]})
    result = runner.invoke(args=["report", "verify", "--month", "2026-11"])
    assert result.exit_code == 1
    assert "ditutup: rekap bulanan berbeda dari hitungan ulang (tersimpan: 5, seharusnya: 4)" \
        in result.output
    assert f"tiket #{numbers[1]} late_minutes: menit kerja terlambat tersimpan berbeda" \
        in result.output


def test_the_migration_backfills_what_the_services_keep(city, rt, database_url):
    _a_month(city)
    before = monthly_report(rt, "2026-11").to_dict()
    engine = make_engine(database_url)
    try:
        schema.downgrade(engine, "0001")                 # as a database made before 0002
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM ticket")).scalar() == 5
        schema.upgrade(engine, settings=rt.settings)
    finally:
        schema.upgrade(engine)
        engine.dispose()
    after = monthly_report(rt, "2026-11").to_dict()
    assert after | {"generated_at": ""} == before | {"generated_at": ""}
    assert verify_month(rt, "2026-11") == []
