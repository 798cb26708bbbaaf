"""A leave that starts mid-week with open tickets, driven through chat and the sweep:
who holds each ticket, who is told, who is charged at each deadline (SPEC §3, §4)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from models import (
    Breach,
    LedgerEntry,
    Message,
    OfficerMonth,
    Staff,
    StaffEvent,
    Ticket,
    TicketEvent,
)
from services.reports.daily import daily_report
from services.reports.daily_scope import officers_in_region
from services.reports.verify import verify_month
from services.tickets.sweep import sweep
from tests.support.chat import Chat, file_ktp
from tests.support.clock import wib

pytestmark = pytest.mark.twilio

SITI, AGUS, DEWI = "+6281200000101", "+6281200000102", "+6281200000103"
LURAH_KETINTANG, LURAH_JAGIR = "+6281200000901", "+6281200000902"
W1, W2, W3, W4, W5 = (f"+628570000000{i}" for i in range(1, 6))


@pytest.fixture
def chat(client, rt, fake_twilio, roster):
    return Chat(client, rt, fake_twilio)


def _at(clock, *when):
    clock.set(wib(*when))


def _sweep(rt, clock, chat, *when):
    _at(clock, *when)
    result = sweep(rt, clock())
    chat.deliver()
    return result


def _holder(rt, number: int) -> str | None:
    with rt.sessions() as db:
        ticket = db.get(Ticket, number)
        return ticket.officer.phone if ticket.officer else None


def _ids(rt) -> dict[str, int]:
    with rt.sessions() as db:
        return {s.phone: s.id for s in db.scalars(select(Staff))}


def _ledger(rt, officer_id: int) -> list[tuple[int, str, Decimal]]:
    with rt.sessions() as db:
        return [(e.ticket_id, e.key, e.percent) for e in db.scalars(
            select(LedgerEntry).where(LedgerEntry.officer_id == officer_id)
            .order_by(LedgerEntry.ticket_id, LedgerEntry.id))]


def test_a_leave_from_wednesday_moves_open_tickets_and_the_blame_follows_the_holder(
        chat, rt, clock):
    _at(clock, 2026, 11, 23, 10, 0)                          # Monday
    t1 = file_ktp(chat, W1)                                  # due Tue 10:00: breaches first
    _at(clock, 2026, 11, 23, 14, 0)
    t2 = file_ktp(chat, W2)                                  # Siti finishes it Tuesday
    _sweep(rt, clock, chat, 2026, 11, 24, 10, 0)             # Tue 10:00: t1 breached (Siti)
    _at(clock, 2026, 11, 24, 11, 0)
    chat.send(SITI, f"SELESAI {t2} sudah jadi")
    _at(clock, 2026, 11, 24, 12, 0)
    t3 = file_ktp(chat, W3)                                  # due Wed 12:00, in the leave
    _at(clock, 2026, 11, 24, 15, 0)
    [reply] = chat.send(SITI, "CUTI besok 26-11-2026 demam")
    assert "Cuti Anda tercatat: Rabu, 25 November 2026 s.d. Kamis, 26 November 2026 (demam)" \
        in reply
    assert "Ketintang RW 3 → Agus Santoso" in reply
    assert "dialihkan ke pengganti mulai Rabu, 25 Nov 2026 pukul 08.00 WIB" in reply
    assert "Siti Rahmawati cuti Rabu, 25 November 2026 s.d. Kamis" in chat.last(AGUS)
    assert "Siti Rahmawati cuti" in chat.last(LURAH_KETINTANG)
    assert not any("cuti" in body for body in chat.inbox(LURAH_JAGIR))
    assert {_holder(rt, t) for t in (t1, t3)} == {SITI}       # nothing moves before Wednesday

    _at(clock, 2026, 11, 25, 7, 0)                           # Wed 07:00: routing already knows
    t4 = file_ktp(chat, W4)
    assert _holder(rt, t4) == AGUS and f"Tiket baru #{t4}" in chat.last(AGUS)
    before = len(chat.inbox(AGUS))
    assert _sweep(rt, clock, chat, 2026, 11, 25, 8, 0).leaves_started == 1
    assert _holder(rt, t1) == _holder(rt, t3) == AGUS
    handed = chat.inbox(AGUS)[before:]
    assert [f"Tiket #{t} DIALIHKAN kepada Anda dari Siti Rahmawati" in body
            for t, body in zip((t1, t3), handed, strict=True)] == [True, True]
    assert "NIK: 3578012309900001" in handed[0]              # the whole ticket message
    for citizen, number in ((W1, t1), (W3, t3)):
        assert f"Tiket #{number} (Ketintang RW 3) kini ditangani oleh petugas Agus Santoso" \
            in chat.last(citizen)
    assert "2 tiket terbuka dialihkan" in chat.last(SITI)
    assert _sweep(rt, clock, chat, 2026, 11, 25, 8, 1).leaves_started == 0   # once only
    assert len(chat.inbox(AGUS)) == before + 2

    siti_before = len(chat.inbox(SITI))
    _sweep(rt, clock, chat, 2026, 11, 25, 12, 0)             # t3's deadline, in the leave
    assert f"tiket #{t3}" in chat.last(AGUS) and "melewati batas waktu" in chat.last(AGUS)
    assert len(chat.inbox(SITI)) == siti_before              # nothing charged to her
    ids = _ids(rt)
    with rt.sessions() as db:
        blamed = {b.ticket_id: b.officer_id for b in db.scalars(select(Breach))}
        tallies = {t.officer_id: t.breaches for t in db.scalars(select(OfficerMonth))}
        moved = db.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t3,
                                                     TicketEvent.kind == "transferred")).one()
    assert blamed == {t1: ids[SITI], t3: ids[AGUS]}
    assert tallies[ids[SITI]] == 1 and tallies[ids[AGUS]] == 1
    assert moved.at == wib(2026, 11, 25, 8, 0) and moved.actor_id is None
    assert moved.details["reason"] == "leave" and moved.details["from_officer"] == ids[SITI]
    # t1 was late before the leave (5 % to Siti); its late day completes Wed 10:00, Agus's.
    assert _ledger(rt, ids[SITI]) == [(t1, "breach", Decimal("5.00"))]
    assert _ledger(rt, ids[AGUS]) == [(t1, "late:1", Decimal("2.00")),
                                      (t3, "breach", Decimal("5.00"))]
    assert verify_month(rt, "2026-11") == []

    with rt.sessions() as db:
        wednesday = daily_report(rt, db, wib(2026, 11, 25, 0, 0).date(), officers_in_region(db),
                                 clock())
    rows = {o.name: o for o in wednesday.officers}
    assert rows["Siti Rahmawati"].on_leave and rows["Siti Rahmawati"].idle
    agus = rows["Agus Santoso"]
    assert (agus.received, agus.breaches, agus.on_leave) == (3, 1, False)

    _at(clock, 2026, 11, 27, 9, 0)                           # Friday: Siti is back
    t5 = file_ktp(chat, W5)
    assert _holder(rt, t5) == SITI and _holder(rt, t3) == AGUS   # no automatic return
    assert "bukan tiket Anda" in chat.send(SITI, f"SELESAI {t3}")[0]


def test_without_a_backup_the_lurah_gets_one_list_of_the_waiting_tickets(chat, rt, clock):
    first = file_ktp(chat, W1, "Ketintang RW 4")             # Dewi: RW 4 and 5, no backup
    second = file_ktp(chat, W2, "Ketintang RW 5")
    [reply] = chat.send(LURAH_KETINTANG, "CUTI Dewi besok besok")
    assert "Ketintang RW 4 → TANPA PENGGANTI" in reply
    assert "Cuti Anda tercatat oleh Lurah Ketintang" in chat.last(DEWI)
    lurah_before = len(chat.inbox(LURAH_KETINTANG))
    _sweep(rt, clock, chat, 2026, 11, 24, 8, 0)
    assert _holder(rt, first) is None and _holder(rt, second) is None
    [alert] = chat.inbox(LURAH_KETINTANG)[lurah_before:]
    assert "PERLU TINDAKAN: Dewi Lestari mulai cuti" in alert
    assert f"#{first} KTP elektronik, Ketintang RW 4" in alert and f"#{second}" in alert
    assert "menunggu petugas pengganti" in chat.last(W1)
    with rt.sessions() as db:
        started = db.scalars(select(StaffEvent).where(StaffEvent.kind == "leave_started")).one()
    assert started.details["unassigned"] == [first, second]
    _at(clock, 2026, 11, 24, 9, 0)
    third = file_ktp(chat, W3, "Ketintang RW 4")              # during the leave: unassigned
    assert _holder(rt, third) is None and "tidak punya petugas aktif" in \
        chat.last(LURAH_KETINTANG)


def test_a_leave_from_today_set_in_office_hours_moves_the_tickets_at_once(chat, rt, clock):
    number = file_ktp(chat, W1)
    clock.set(wib(2026, 11, 23, 11, 30))
    replies = chat.send(SITI, "cuti hari ini 24-11-2026 anak sakit")
    assert "Cuti Anda tercatat" in replies[0] and "Cuti Anda mulai berlaku" in replies[1]
    assert "pukul 11.30 WIB" in replies[0]                  # from now, not from 08:00
    assert _holder(rt, number) == AGUS
    with rt.sessions() as db:
        event = db.scalars(select(TicketEvent).where(TicketEvent.kind == "transferred")).one()
    assert event.at == wib(2026, 11, 23, 11, 30)


def test_a_sweep_that_runs_late_still_hands_over_as_of_the_first_working_minute(
        chat, rt, clock):
    _at(clock, 2026, 11, 24, 10, 0)                         # Tue: due Wed 10:00
    number = file_ktp(chat, W1)
    chat.send(SITI, "CUTI 25-11-2026 25-11-2026")
    result = _sweep(rt, clock, chat, 2026, 11, 25, 12, 0)   # the scheduler was down till noon
    assert (result.leaves_started, result.breached) == (1, 1)
    ids = _ids(rt)
    with rt.sessions() as db:
        breach = db.scalars(select(Breach)).one()
        moved = db.scalars(select(TicketEvent).where(TicketEvent.kind == "transferred")).one()
    assert breach.officer_id == ids[AGUS] and breach.ticket_id == number
    assert moved.at == wib(2026, 11, 25, 8, 0)
    assert verify_month(rt, "2026-11") == []


def test_ending_a_leave_early_sends_new_tickets_back_but_keeps_the_moved_ones(
        chat, rt, clock):
    number = file_ktp(chat, W1)
    chat.send(SITI, "CUTI hari ini besok")
    assert _holder(rt, number) == AGUS
    [reply] = chat.send(SITI, "CUTI BATAL")
    assert "diakhiri. Mulai Senin, 23 November 2026 tiket baru RW Anda kembali" in reply
    assert "tetap dipegang pengganti" in reply
    assert "Cuti Siti Rahmawati" in chat.last(AGUS) and "diakhiri" in chat.last(AGUS)
    assert _holder(rt, file_ktp(chat, W2)) == SITI
    assert _holder(rt, number) == AGUS
    assert "Tidak ada cuti yang tercatat" in chat.send(SITI, "CUTI")[0]
    with rt.sessions() as db:
        kinds = [e.kind for e in db.scalars(select(StaffEvent).order_by(StaffEvent.id))]
        message = db.scalars(select(Message).where(Message.phone == W1)
                             .order_by(Message.id.desc())).first()
    assert kinds == ["leave_set", "leave_started", "leave_ended"]
    assert "Agus Santoso" in message.body
