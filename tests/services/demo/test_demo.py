"""The demo: a roster of the whole city, and working days played through the real doors."""

from __future__ import annotations

import csv
import shutil
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.conversation import handle_message
from models import RW, Breach, Kecamatan, Kelurahan, Role, Staff, Ticket, TicketEvent
from services.demo.city_roster import BALAI_FILE, ROSTER_FILE, balai_csv, build_balai, build_roster
from services.demo.city_roster import roster_csv as demo_roster_csv
from services.demo.play import (
    DemoOptions,
    check_database,
    import_demo_roster,
    plan_demo,
    play_demo,
)
from services.people.phones import normalize_phone
from tests.support.files import ROOT, SAMPLE_ROSTER

SAMPLE_BALAI = ROOT / "data" / "sample_balai.csv"
TODAY = date(2026, 11, 23)           # Monday: the demo plays Thu 19 and Fri 20 November
SMALL = DemoOptions(days=2, seed=7, per_day=25, roster=SAMPLE_ROSTER, balai=SAMPLE_BALAI)


def play(rt, options: DemoOptions = SMALL):
    """What `flask --app wsgi demo` does, on the small sample roster."""
    check_database(rt, options)
    roster, balai = import_demo_roster(rt, options)
    assert roster.ok and balai.ok, (roster.problems, balai.problems)
    return play_demo(rt, handle_message, options, plan_demo(rt, options, TODAY))


def fingerprint(rt) -> list[tuple]:
    """Every ticket's shape: what a second run with the same seed must reproduce."""
    with rt.sessions() as db:
        return [tuple(row) for row in db.execute(
            select(Ticket.id, Ticket.service, Ticket.status, Ticket.rw_id, Ticket.officer_id,
                   Ticket.submitted_at, Ticket.closed_at, Ticket.breached_at, Ticket.rating)
            .order_by(Ticket.id))]


# --- the generated roster ------------------------------------------------------------


def test_committed_demo_files_are_what_the_generator_writes():
    lines, sizes = build_roster()
    assert ROSTER_FILE.read_text(encoding="utf-8") == demo_roster_csv(lines)
    assert BALAI_FILE.read_text(encoding="utf-8") == balai_csv(build_balai(sizes))


def test_demo_roster_covers_the_city_with_fictional_people():
    rows = list(csv.DictReader(ROSTER_FILE.open(encoding="utf-8")))
    official = list(csv.DictReader((ROOT / "data" / "surabaya_wilayah.csv").open()))
    places = {(r["kecamatan"], r["kelurahan"]) for r in official}
    officers = [r for r in rows if r["role"] == "officer"]
    assert {(r["kecamatan"], r["kelurahan"]) for r in officers} == places   # all 153
    rws = {(r["kecamatan"], r["kelurahan"], n) for r in officers for n in r["rw"].split(";")}
    assert 1300 <= len(rws) <= 1420
    supervisors = [r for r in rows if r["role"] == "supervisor"]
    assert len([r for r in supervisors if r["kelurahan"]]) == 153          # a lurah each
    assert len([r for r in supervisors if r["kecamatan"] and not r["kelurahan"]]) == 31
    assert [r for r in supervisors if not r["kecamatan"]]                   # the city
    assert any(r["role"] == "backup" for r in rows)
    phones = [normalize_phone(r["phone"]) for r in rows]
    assert len(set(phones)) == len(rows)
    assert all(p.startswith(("+62812000", "+62812999")) for p in phones)
    assert all(4_000_000 <= int(r["tpp_base"]) <= 6_500_000 for r in rows if r["tpp_base"])
    new_officers = [r for r in officers if normalize_phone(r["phone"]) >= "+6281200001000"]
    assert all(1 <= len(r["rw"].split(";")) <= 3 for r in new_officers)
    for row in csv.DictReader(BALAI_FILE.open(encoding="utf-8")):
        assert -7.35 <= float(row["latitude"]) <= -7.18
        assert 112.60 <= float(row["longitude"]) <= 112.83


# --- playing days ---------------------------------------------------------------------


def test_short_demo_plays_every_scene(rt):
    result = play(rt)
    assert result.plan.days == [date(2026, 11, 19), date(2026, 11, 20)]
    assert result.tickets >= 40
    assert result.statuses.get("resolved", 0) >= 20
    assert result.breaches >= 1 and result.excused == 1
    assert result.digests == 2 * 4                   # 4 supervisors, 2 working days
    assert result.ratings >= 5
    assert result.differences == 0                   # `report verify` is clean
    with rt.sessions() as db:
        kinds = dict(db.execute(select(TicketEvent.kind, func.count())
                                .group_by(TicketEvent.kind)).all())
        excused_by = db.scalar(select(Staff.scope_kelurahan_id)
                               .join(Breach, Breach.excused_by_id == Staff.id))
        backup = db.scalar(select(Staff).where(Staff.name == "Agus Santoso"))
        taken = db.scalar(select(func.count(Ticket.id)).where(Ticket.officer_id == backup.id))
    for kind in ("acknowledged", "asked", "answered", "transferred", "resolved", "rated",
                 "breached", "excused", "reminded"):
        assert kinds.get(kind), f"no {kind} event: {kinds}"
    assert excused_by is not None                     # a lurah, in chat
    assert taken >= 3                                 # Siti on leave: her backup took over
    assert result.scenes["officer_on_leave"] == 1


def test_same_seed_same_tickets(rt, tmp_path, sqlite_template, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("one backend is enough to compare two runs")
    play(rt)
    other = tmp_path / "other.db"
    shutil.copy(sqlite_template, other)
    from wsgi import create_app

    twin = create_app({"IGNORE_ENVIRONMENT": True, "SECRET_KEY": "test-secret",
                       "DATABASE_URL": f"sqlite:///{other}",
                       "MESSAGING_TRANSPORT": "console", "OUTBOX_SENDER_THREAD": False,
                       "RUN_WORKER": False,   # the demo runs each message inline
                       "MEDIA_FETCH_THREAD": False, "MEDIA_DIR": str(tmp_path / "twin")})
    twin_rt = twin.extensions["layanan"]
    try:
        play(twin_rt)
        assert fingerprint(twin_rt) == fingerprint(rt)
    finally:
        twin_rt.close()


def test_the_demo_never_mixes_with_other_staff(rt, runner, tmp_path):
    stranger = tmp_path / "roster.csv"
    stranger.write_text("role,name,phone,kecamatan,kelurahan,rw,tpp_base\n"
                        "officer,Asli,0813-1111-2222,Gayungan,Ketintang,1,5000000\n")
    assert runner.invoke(args=["roster", "import", str(stranger)]).exit_code == 0
    result = runner.invoke(args=["demo", "--days", "1"])
    assert result.exit_code == 1
    assert "tidak ada di roster demo" in result.output
    with rt.sessions() as db:
        assert db.scalar(select(func.count(Staff.id))) == 1


def test_demo_command_on_the_city_roster(rt, runner):
    """The real command on the whole city (small volume); a second run changes nothing."""
    result = runner.invoke(args=["demo", "--days", "2", "--per-day", "15", "--seed", "3"])
    assert result.exit_code == 0, result.output
    assert "Demo selesai" in result.output and "/simulator" in result.output
    assert "report verify: 0 selisih" in result.output
    with rt.sessions() as db:
        assert db.scalar(select(func.count(Kecamatan.id)).where(Kecamatan.code.is_not(None))) == 31
        assert db.scalar(select(func.count(Kelurahan.id))
                         .where(Kelurahan.code.is_not(None))) == 153
        assert db.scalar(select(func.count(RW.id)).where(RW.latitude.is_not(None))) == len(
            BALAI_FILE.read_text().splitlines()) - 1
        assert db.scalar(select(func.count(Staff.id)).where(Staff.role == Role.SUPERVISOR)) \
            == 185
    before = fingerprint(rt)
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "sudah dimainkan" in again.output
    reimport = runner.invoke(args=["roster", "import", str(ROSTER_FILE)])
    assert " 0 baru, 0 diperbarui" in reimport.output
    assert fingerprint(rt) == before
