"""The officers page: who is on leave and who covers, setting and ending leave, and giving
tickets back after a leave (CSRF-checked, in the region only)."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from models import Leave, Staff, StaffEvent, Ticket, TicketEvent
from services.tickets.sweep import sweep
from tests.support.chat import Chat, file_ktp
from tests.support.clock import wib
from tests.support.dashboard import LURAH_KETINTANG, csrf_of, log_in

pytestmark = pytest.mark.twilio

SITI, AGUS, BAMBANG = "+6281200000101", "+6281200000102", "+6281200000201"
WARGA = "+6285700000001"


@pytest.fixture
def chat(client, rt, fake_twilio, roster):
    return Chat(client, rt, fake_twilio)


@pytest.fixture
def lurah(client, rt, chat):
    log_in(client, rt, LURAH_KETINTANG)
    return client


def _id(rt, phone: str) -> int:
    with rt.sessions() as db:
        return db.scalar(select(Staff.id).where(Staff.phone == phone))


def _page(client) -> str:
    return html.unescape(client.get("/dashboard/officers").get_data(as_text=True))


def _post(client, path: str, **form):
    token = csrf_of(client.get("/dashboard/officers"))
    return client.post(path, data={**form, "csrf_token": token})


def test_the_page_shows_who_is_away_until_when_and_who_covers(lurah, chat, rt):
    chat.send(SITI, "CUTI hari ini 25-11-2026 sakit")
    chat.send("+6281200000103", "CUTI 30-11-2026 30-11-2026")
    page = _page(lurah)
    assert "Siti Rahmawati</strong> cuti s.d. Rabu, 25 November 2026 (sakit)" in page
    assert "digantikan: Ketintang RW 1: Agus Santoso; Ketintang RW 2: Agus Santoso" in page
    assert "Akan cuti</strong> Senin, 30 November 2026" in page
    assert "Ketintang RW 4: tanpa pengganti" in page
    assert "Akhiri cuti hari ini" in page and "Batalkan cuti" in page


def test_the_lurah_sets_a_leave_and_everyone_is_told(lurah, chat, rt):
    siti = _id(rt, SITI)
    response = _post(lurah, f"/dashboard/officers/{siti}/leave", starts_on="2026-11-24",
                     ends_on="2026-11-26", reason="diklat")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/dashboard/officers#petugas-{siti}")
    assert "Cuti tersimpan" in _page(lurah)
    chat.deliver()
    assert "Cuti Anda tercatat oleh Lurah Ketintang" in chat.last(SITI)
    assert "Anda menggantikan" in chat.last(AGUS)
    with rt.sessions() as db:
        leave = db.scalars(select(Leave)).one()
        event = db.scalars(select(StaffEvent)).one()
        assert (leave.source, leave.set_by.phone, leave.reason) == (
            "dashboard", LURAH_KETINTANG, "diklat")
        assert event.details["source"] == "dashboard" and event.actor.phone == LURAH_KETINTANG


@pytest.mark.parametrize("form, notice", [
    ({"starts_on": "2026-11-20", "ends_on": "2026-11-24"}, "Tanggal mulai cuti sudah lewat"),
    ({"starts_on": "2026-11-26", "ends_on": "2026-11-25"}, "Tanggal selesai cuti sebelum"),
    ({"starts_on": "2026-11-24", "ends_on": "2027-01-30"}, "paling lama 30 hari"),
    ({"starts_on": "", "ends_on": "besok"}, "Isi tanggal mulai dan selesai"),
])
def test_a_bad_leave_form_is_refused_clearly(lurah, rt, form, notice):
    response = _post(lurah, f"/dashboard/officers/{_id(rt, SITI)}/leave", **form)
    assert response.status_code == 303
    assert notice in _page(lurah)
    with rt.sessions() as db:
        assert db.scalars(select(Leave)).all() == []


def test_an_officer_of_another_region_is_not_found(lurah, rt):
    assert _post(lurah, f"/dashboard/officers/{_id(rt, BAMBANG)}/leave",
                 starts_on="2026-11-24", ends_on="2026-11-24").status_code == 404
    assert _post(lurah, "/dashboard/officers/999999/leave", starts_on="2026-11-24",
                 ends_on="2026-11-24").status_code == 404
    with rt.sessions() as db:
        assert db.scalars(select(Leave)).all() == []


def test_tickets_go_back_only_when_the_lurah_assigns_them(lurah, chat, rt, clock):
    number = file_ktp(chat, WARGA)
    chat.send(SITI, "CUTI hari ini hari ini")
    assert "Tiket untuk ditugaskan" in _page(lurah)
    with rt.sessions() as db:
        leave = db.scalars(select(Leave)).one()
    clock.set(wib(2026, 11, 24, 8, 0))                     # Tuesday: Siti is back
    sweep(rt, clock())
    log_in(lurah, rt, LURAH_KETINTANG)                     # yesterday's session has ended
    page = _page(lurah)
    assert f'action="/dashboard/tickets/{number}/assign"' in page
    assert f'<option value="{_id(rt, SITI)}" selected>Siti Rahmawati</option>' in page
    assert _post(lurah, f"/dashboard/leave/{leave.id}/end").status_code == 303
    assert "Cuti ini sudah berakhir" in _page(lurah)
    response = _post(lurah, f"/dashboard/tickets/{number}/assign", officer_id=_id(rt, SITI))
    assert response.status_code == 303 and "Tiket ditugaskan" in _page(lurah)
    chat.deliver()
    assert f"Tiket #{number} DIALIHKAN kepada Anda dari Agus Santoso (ditugaskan oleh " \
           "pengawas)" in chat.last(SITI)
    assert "tidak lagi Anda tangani: kini dipegang Siti Rahmawati" in chat.last(AGUS)
    assert "kini ditangani oleh petugas Siti Rahmawati" in chat.last(WARGA)
    with rt.sessions() as db:
        ticket = db.get(Ticket, number)
        last = db.scalars(select(TicketEvent).where(TicketEvent.ticket_id == number)
                          .order_by(TicketEvent.id.desc())).first()
        assert ticket.officer.phone == SITI
        assert (last.kind, last.details["reason"], last.actor.phone) == (
            "transferred", "supervisor", LURAH_KETINTANG)
    assert f"/dashboard/tickets/{number}/assign" not in _page(lurah)
    timeline = html.unescape(lurah.get(f"/dashboard/tickets/{number}").get_data(as_text=True))
    assert "Dipindahkan dari Siti Rahmawati ke Agus Santoso (petugas cuti)" in timeline
    assert "Dipindahkan dari Agus Santoso ke Siti Rahmawati (ditugaskan pengawas)" in timeline


def test_a_ticket_cannot_go_to_an_officer_on_leave_or_outside_the_region(lurah, chat, rt):
    number = file_ktp(chat, WARGA)
    chat.send(AGUS, "CUTI hari ini hari ini")
    _post(lurah, f"/dashboard/tickets/{number}/assign", officer_id=_id(rt, AGUS))
    assert "sedang cuti atau tidak aktif" in _page(lurah)
    _post(lurah, f"/dashboard/tickets/{number}/assign", officer_id=_id(rt, BAMBANG))
    assert "Pilih petugas di wilayah Anda" in _page(lurah)
    _post(lurah, f"/dashboard/tickets/{number}/assign", officer_id="x")
    assert _post(lurah, "/dashboard/tickets/999999/assign",
                 officer_id=_id(rt, SITI)).status_code == 404
    with rt.sessions() as db:
        assert db.get(Ticket, number).officer.phone == SITI
