"""The day's output per officer (e-Performance), checked against the tickets' own rows and
against the export shape written down in docs/DAILY_EXPORT.md."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from models import Breach, Staff, Ticket, TicketStatus
from services.core.paths import ROOT
from services.reports.daily import daily_report, day_bounds
from services.reports.daily_export import daily_csv, daily_dict
from services.reports.daily_scope import RegionUnknown, officers_in_region, officers_of
from tests.support.chat import Chat
from tests.support.officer_day import CITIZENS, FORMULA_REASON, NIK, SITI, play_tuesday

pytestmark = pytest.mark.twilio
TUESDAY = date(2026, 11, 24)


@pytest.fixture
def tuesday(client, rt, fake_twilio, roster, clock):
    return play_tuesday(Chat(client, rt, fake_twilio), rt, clock)


def _report(rt, clock, day=TUESDAY, **region):
    with rt.sessions() as db:
        return daily_report(rt, db, day, officers_in_region(db, **region), clock())


def test_each_figure_of_the_day(rt, clock, tuesday):
    rows = {o.name: o for o in _report(rt, clock).officers}
    siti = rows["Siti Rahmawati"]
    assert (siti.nip, siti.phone, siti.on_leave) == ("198503122010012004", "0812****0101", False)
    assert (siti.received, siti.acknowledged, siti.finished_on_time, siti.finished_late,
            len(siti.rejected), siti.transferred, siti.breaches) == (1, 1, 1, 1, 1, 1, 1)
    on_time, late = siti.finished
    assert (on_time.number, on_time.on_time, on_time.working_minutes) == (tuesday.on_time,
                                                                         True, 390.0)
    assert on_time.evidence == [f"http://localhost/dashboard/tickets/{tuesday.on_time}#bukti-1"]
    assert (late.number, late.on_time, late.working_minutes, late.evidence) == (
        tuesday.late, False, 510.0, [])
    assert (late.service, late.rw) == ("KTP", "Ketintang RW 3")
    assert [(r.number, r.reason) for r in siti.rejected] == [(tuesday.refused, FORMULA_REASON)]
    bambang = rows["Bambang Wijaya"]
    assert (bambang.received, bambang.acknowledged, bambang.breaches) == (1, 1, 0)
    assert rows["Agus Santoso"].idle


def test_the_figures_match_the_ticket_and_breach_rows(rt, clock, tuesday):
    start, end = day_bounds(rt, TUESDAY)
    report = _report(rt, clock)
    with rt.sessions() as db:
        for row in report.officers:
            closed = db.execute(select(Ticket.status, Ticket.breached_at.is_not(None),
                                       func.count()).where(
                Ticket.officer_id == row.officer_id, Ticket.closed_at >= start,
                Ticket.closed_at < end).group_by(Ticket.status, Ticket.breached_at.is_not(None))
            ).all()
            counts = {(status, late): n for status, late, n in closed}
            assert row.finished_on_time == counts.get((TicketStatus.RESOLVED, False), 0)
            assert row.finished_late == counts.get((TicketStatus.RESOLVED, True), 0)
            assert len(row.rejected) == sum(n for (s, _), n in counts.items()
                                            if s is TicketStatus.REJECTED)
            assert row.breaches == db.scalar(select(func.count(Breach.id)).where(
                Breach.officer_id == row.officer_id, Breach.deadline_at >= start,
                Breach.deadline_at < end))


def test_another_day_and_a_region(rt, clock, tuesday):
    monday = {o.name: o for o in _report(rt, clock, date(2026, 11, 23)).officers}
    assert monday["Siti Rahmawati"].received == 3 and monday["Siti Rahmawati"].idle is False
    assert monday["Siti Rahmawati"].finished == []
    jagir = _report(rt, clock, kelurahan="jagir")
    assert [o.name for o in jagir.officers] == ["Bambang Wijaya", "Rina Kusuma"]
    with rt.sessions() as db, pytest.raises(RegionUnknown):
        officers_in_region(db, kecamatan="Atlantis")
    sunday = _report(rt, clock, date(2026, 11, 22))
    assert sunday.working_day is False and all(o.idle for o in sunday.officers)


def _shape(value):
    """The structure of a JSON value: keys and value types, lists by their first item."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    if isinstance(value, float):
        return "number"
    return type(value).__name__


def _documented_example() -> dict:
    text = (ROOT / "docs" / "DAILY_EXPORT.md").read_text(encoding="utf-8")
    return json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))


def test_the_json_export_has_the_documented_shape(rt, clock, tuesday):
    with rt.sessions() as db:
        siti = db.scalar(select(Staff).where(Staff.phone == SITI))
        report = daily_report(rt, db, TUESDAY, officers_of(siti), clock())
    exported = json.loads(json.dumps(daily_dict(report, rt.settings.zone, "Siti")))
    example = _documented_example()
    assert _shape(exported) == _shape(example)
    officer = exported["officers"][0]
    assert officer["finished"][0]["submitted_at"] == "2026-11-23T11:00:00+07:00"
    assert exported["date"] == "2026-11-24" and exported["schema"] == example["schema"]


def test_the_csv_names_the_nip_on_every_row_and_neutralises_formulas(rt, clock, tuesday):
    body = daily_csv(_report(rt, clock, kelurahan="Ketintang"), rt.settings.zone)
    officers, tickets = body.split("\r\n\r\n")
    rows = list(csv.DictReader(io.StringIO(officers)))
    assert {r["nama"]: r["nip"] for r in rows}["Siti Rahmawati"] == "198503122010012004"
    lines = list(csv.DictReader(io.StringIO(tickets)))
    assert {r["tiket"] for r in lines} == {f"#{tuesday.on_time}", f"#{tuesday.late}",
                                          f"#{tuesday.refused}"}
    assert all(r["nip"] == "198503122010012004" for r in lines)
    refusal = next(r for r in lines if r["hasil"] == "ditolak")
    assert refusal["alasan"] == "'" + FORMULA_REASON
    assert NIK not in body and not any(c in body or c[1:] in body for c in CITIZENS)
