"""Hand-computed months: the ledger, the report, verify and the month close."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, text

from models import RW, Kelurahan, LedgerEntry, Ticket
from services.reports.month_close import close_month
from services.reports.monthly import monthly_report
from services.reports.monthly_csv import report_csv
from services.reports.verify import verify_month
from services.tickets.breaches import excuse_breach
from services.tickets.lifecycle import (
    acknowledge,
    ask_citizen,
    citizen_answered,
    transfer,
)
from tests.support.clock import wib
from tests.support.ledger_city import BAMBANG, LURAH, NIK, SITI, City


@pytest.fixture
def city(rt, roster, clock):
    return City(rt, clock)


def test_one_breach(city, rt):
    t = city.file(wib(2026, 11, 23, 10))
    city.sweep(wib(2026, 11, 24, 10, 1))
    city.close(wib(2026, 11, 24, 12), t)
    row = city.officer_row("2026-11")
    assert (row.closed, row.on_time, row.breaches, row.timeliness, row.iki) == (1, 0, 1, 0, 0)
    assert (row.deduction_percent, row.deduction_rp, row.tpp_after) == (5.0, 260_000, 4_940_000)
    [comp] = monthly_report(rt, "2026-11").compensation
    assert (comp.ticket, comp.late_minutes, comp.days, comp.amount) == (t, 120, 1, 50_000)
    assert verify_month(rt, "2026-11") == []


def test_a_breach_left_open_three_working_days(city, rt):
    t = city.file(wib(2026, 11, 23, 10))
    for day in (24, 25, 26, 27):
        city.sweep(wib(2026, 11, day, 10, 30))
        city.sweep(wib(2026, 11, day, 10, 30))  # twice: nothing doubles
    city.close(wib(2026, 11, 27, 11), t)
    with rt.sessions() as db:
        keys = sorted(db.scalars(select(LedgerEntry.key)))
    assert keys == ["breach", "late:1", "late:2", "late:3"]
    row = city.officer_row("2026-11")
    assert (row.deduction_percent, row.deduction_rp) == (11.0, 572_000)
    [comp] = monthly_report(rt, "2026-11").compensation
    assert (comp.late_minutes, comp.days, comp.amount) == (1500, 4, 200_000)
    assert verify_month(rt, "2026-11") == []


def test_an_excused_breach_costs_the_officer_nothing_but_the_citizen_is_still_owed(city, rt):
    t = city.file(wib(2026, 11, 23, 10))
    city.sweep(wib(2026, 11, 24, 11))
    city.officer_does(wib(2026, 11, 24, 12), LURAH, excuse_breach, t, "banjir di balai RW")
    city.close(wib(2026, 11, 24, 13), t)
    row = city.officer_row("2026-11")
    assert (row.breaches, row.excused, row.timeliness, row.deduction_rp) == (1, 1, 100.0, 0)
    with rt.sessions() as db:
        reversal = db.scalar(select(LedgerEntry).where(LedgerEntry.key == "reverse:breach"))
        assert reversal.percent == Decimal("-5") and reversal.reason == "banjir di balai RW"
    assert monthly_report(rt, "2026-11").compensation[0].amount == 50_000
    assert verify_month(rt, "2026-11") == []


def test_a_breach_in_one_month_closed_in_the_next(city, rt):
    t = city.file(wib(2026, 11, 27, 15))           # deadline Mon 30 Nov 15:00
    city.sweep(wib(2026, 11, 30, 15, 1))
    city.sweep(wib(2026, 12, 1, 15, 1))
    city.close(wib(2026, 12, 2, 16), t)
    nov, dec = city.officer_row("2026-11"), city.officer_row("2026-12")
    assert (nov.breaches, nov.closed, nov.deduction_percent) == (1, 0, 5.0)
    assert (dec.breaches, dec.closed, dec.on_time, dec.deduction_percent) == (0, 1, 0, 4.0)
    assert verify_month(rt, "2026-11") == [] and verify_month(rt, "2026-12") == []


def test_a_transfer_moves_later_entries_to_the_new_officer(city, rt):
    t = city.file(wib(2026, 11, 23, 10))
    city.sweep(wib(2026, 11, 24, 10, 5))           # breach: Siti held it
    def to_jagir_2(ctx, officer, ticket):
        target = ctx.db.scalar(select(RW).join(Kelurahan).where(Kelurahan.name == "Jagir",
                                                               RW.number == 2))
        return transfer(ctx, officer, ticket, target)

    city.officer_does(wib(2026, 11, 24, 12), SITI, to_jagir_2, t)
    city.sweep(wib(2026, 11, 25, 10, 5))           # late:1 → Bambang
    city.close(wib(2026, 11, 25, 11), t, phone=BAMBANG)
    assert city.officer_row("2026-11", SITI).deduction_percent == 5.0
    bambang = city.officer_row("2026-11", BAMBANG)
    assert (bambang.deduction_percent, bambang.closed, bambang.breaches) == (2.0, 1, 0)
    assert verify_month(rt, "2026-11") == []


def test_a_pause_moves_the_deadline_and_the_lateness(city, rt):
    t = city.file(wib(2026, 11, 23, 10))
    city.officer_does(wib(2026, 11, 23, 10, 30), SITI, acknowledge, t)
    city.officer_does(wib(2026, 11, 23, 11), SITI, ask_citizen, t, "Foto KK?")
    city.sweep(wib(2026, 11, 24, 10, 30))           # paused: no breach at the old deadline
    city.at(wib(2026, 11, 24, 9), lambda ctx: citizen_answered(
        ctx, ctx.db.get(Ticket, t), "ini", []))
    city.sweep(wib(2026, 11, 24, 16, 1))
    city.close(wib(2026, 11, 25, 9), t)
    [comp] = monthly_report(rt, "2026-11").compensation
    assert comp.late_minutes == 60
    assert city.officer_row("2026-11").deduction_percent == 5.0
    assert verify_month(rt, "2026-11") == []


def test_the_month_is_capped_at_one_hundred_percent(city, rt):
    for i in range(21):
        city.file(wib(2026, 11, 2, 9, i), phone=f"+62857000001{i:02d}")
    city.sweep(wib(2026, 11, 3, 9, 30))
    row = city.officer_row("2026-11")
    assert row.breaches == 21
    assert (row.deduction_percent, row.deduction_rp, row.tpp_after) == (100.0, 5_200_000, 0)


def test_verify_catches_a_tampered_entry(city, rt, runner):
    t = city.file(wib(2026, 11, 23, 10))
    city.sweep(wib(2026, 11, 24, 11))
    assert runner.invoke(args=["report", "verify", "--month", "2026-11"]).exit_code == 0
    with rt.transaction() as db:
        officer = city.staff(db, SITI)
        db.add(LedgerEntry(officer_id=officer.id, ticket_id=t, key="late:9", kind="late_day",
                           percent=Decimal(2), effective_at=wib(2026, 11, 24, 12),
                           month="2026-11", created_at=wib(2026, 11, 24, 12)))
    result = runner.invoke(args=["report", "verify", "--month", "2026-11"])
    assert result.exit_code == 1
    assert f"tiket #{t} late:9: tidak berdasar pada kejadian" in result.output


def test_verify_says_a_missing_late_day_waits_for_the_sweep(city, rt, runner):
    t = city.file(wib(2026, 11, 23, 10))
    city.sweep(wib(2026, 11, 24, 11))
    city.clock.set(wib(2026, 11, 26, 11))            # Wednesday passed, no sweep since
    result = runner.invoke(args=["report", "verify", "--month", "2026-11"])
    assert result.exit_code == 1
    assert f"tiket #{t} late:1: hilang (belum dicatat)" in result.output
    assert "jalankan `flask --app wsgi sla sweep` lalu verifikasi lagi" in result.output
    city.sweep(wib(2026, 11, 26, 11))
    result = runner.invoke(args=["report", "verify", "--month", "2026-11"])
    assert result.exit_code == 0 and "0 selisih" in result.output


def test_verify_catches_a_changed_percentage(city, rt, runner, database_url):
    city.file(wib(2026, 11, 23, 10))
    city.sweep(wib(2026, 11, 24, 11))
    with rt.engine.begin() as conn:  # someone with database rights goes around the trigger
        if "sqlite" in database_url:
            conn.execute(text("DROP TRIGGER ledger_entry_no_update"))
        else:
            conn.execute(text("ALTER TABLE ledger_entry DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE ledger_entry SET percent = 1"))
    result = runner.invoke(args=["report", "verify", "--month", "2026-11"])
    assert result.exit_code == 1 and "persentase berbeda" in result.output


def test_a_closed_month_never_changes_and_late_events_land_in_the_open_month(city, rt):
    t = city.file(wib(2026, 11, 27, 15))             # deadline Mon 30 Nov 15:00
    city.sweep(wib(2026, 11, 30, 15, 5))
    city.clock.set(wib(2026, 12, 1, 0, 10))
    assert close_month(rt, "2026-11") is True
    assert close_month(rt, "2026-11") is False
    before = monthly_report(rt, "2026-11")
    assert before.frozen and city.officer_row("2026-11").deduction_percent == 5.0
    city.officer_does(wib(2026, 12, 2, 9), LURAH, excuse_breach, t, "listrik padam")
    assert monthly_report(rt, "2026-11") == before
    dec = city.officer_row("2026-12")
    assert dec.deduction_percent == 0.0       # 2 % late day, then −5 −2: floored at zero
    with rt.sessions() as db:
        months = dict(db.execute(select(LedgerEntry.key, LedgerEntry.month)).all())
    assert months["breach"] == "2026-11" and months["reverse:breach"] == "2026-12"
    assert verify_month(rt, "2026-11") == [] and verify_month(rt, "2026-12") == []


def test_report_cli_table_csv_and_filters(city, rt, runner, tmp_path):
    t = city.file(wib(2026, 11, 23, 10))
    city.sweep(wib(2026, 11, 24, 11))
    city.close(wib(2026, 11, 24, 12), t)
    out = tmp_path / "nov.csv"
    result = runner.invoke(args=["report", "monthly", "--month", "2026-11", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "Siti Rahmawati" in result.output and "Rp 260.000" in result.output
    assert "Rp 50.000" in result.output
    body = out.read_text()
    assert "0812****0101" in body and "+6281200000101" not in body and NIK not in body
    assert body.splitlines()[0].startswith("nama,telepon,rw,ditutup,tepat_waktu,pelanggaran")
    jagir = runner.invoke(args=["report", "monthly", "--month", "2026-11", "--kelurahan", "Jagir"])
    assert "Siti" not in jagir.output and "Bambang" in jagir.output
    bad = runner.invoke(args=["report", "monthly", "--month", "2026-13"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
    assert "Siti" in report_csv(monthly_report(rt, "2026-11", kecamatan="Gayungan"))
