"""An officer who cannot be reached (issue 16.4), driven as users would: a citizen files a
ticket over the signed webhook, the fake Twilio (real HTTP) refuses the officer's
new-ticket message or reports it failed in a signed status callback, and the ticket goes
to the RW's backup with its transfer event; the backup gets the ticket, the citizen the new
name, the lurah which officer, which ticket and why."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from models import Breach, LedgerEntry, Message, Staff
from services.reports.verify import verify_month
from services.tickets.sweep import sweep
from tests.support.media import LURAH_KETINTANG, NIK, SITI, WARGA
from tests.support.unreachable import AGUS, DEWI, UnreachableChat
from tests.support.unreachable import failures as _failures
from tests.support.unreachable import ticket_state as _ticket
from tests.support.unreachable import transfers as _transfers

pytestmark = pytest.mark.twilio_server


@pytest.fixture
def chat(client, rt, fake_twilio_server, roster):
    return UnreachableChat(client, rt, fake_twilio_server)


def _callback(client, fake, sid: str, status: str = "failed", code: int | None = 63024):
    UnreachableChat(client, None, fake).status(sid, status, code)


def _staff_id(rt, phone: str) -> int:
    with rt.sessions() as db:
        return db.scalar(select(Staff.id).where(Staff.phone == phone))


def test_a_new_ticket_refused_63024_goes_to_the_backup_and_everyone_is_told(chat, rt):
    chat.fake.reject(SITI, 63024)
    number = chat.file_ktp()

    ticket, holder, events = _ticket(rt, number)
    assert holder == AGUS
    [moved] = _transfers(events)
    assert (moved["reason"], moved["from_name"], moved["to_name"], moved["error_code"],
            moved["unreached"]) == ("delivery_failed", "Siti Rahmawati", "Agus Santoso",
                                    63024, True)
    assert chat.bodies(SITI) == []                      # Twilio took nothing for her
    [to_agus] = chat.bodies(AGUS)
    assert f"Tiket {ticket.number} DIALIHKAN kepada Anda dari Siti Rahmawati" in to_agus
    assert "pesan ke petugas sebelumnya tidak terkirim" in to_agus and NIK in to_agus
    [to_lurah] = chat.bodies(LURAH_KETINTANG)
    assert f"tiket {ticket.number}" in to_lurah and "Siti Rahmawati" in to_lurah
    assert "nomor ini bukan akun WhatsApp (63024)" in to_lurah
    assert "dialihkan ke Agus Santoso" in to_lurah
    assert "0812****0101" in to_lurah and SITI not in to_lurah      # masked
    submitted, handed = chat.bodies(WARGA)[-2:]
    assert "Siti Rahmawati" in submitted                 # told at submission …
    assert "kini ditangani oleh petugas Agus Santoso" in handed     # … and told again
    [failure] = _failures(rt)
    assert (failure.outcome, failure.error_code, failure.officer_id, failure.to_officer_id) == (
        "moved", 63024, _staff_id(rt, SITI), _staff_id(rt, AGUS))


def test_a_failed_status_callback_later_does_the_same(chat, rt, client):
    number = chat.file_ktp()
    [notice] = chat.received(SITI)
    assert f"Tiket baru #{number}" in notice.body
    assert _ticket(rt, number)[1] == SITI

    _callback(client, chat.fake, notice.sid, "undelivered", 63024)
    chat.deliver()

    _, holder, events = _ticket(rt, number)
    assert holder == AGUS and _transfers(events)[0]["reason"] == "delivery_failed"
    assert any(f"#{number} DIALIHKAN kepada Anda" in b for b in chat.bodies(AGUS))
    [to_lurah] = chat.bodies(LURAH_KETINTANG)
    assert "nomor ini bukan akun WhatsApp (63024)" in to_lurah
    assert "kini ditangani oleh petugas Agus Santoso" in chat.bodies(WARGA)[-1]


def test_a_duplicate_callback_moves_nothing_twice(chat, rt, client):
    number = chat.file_ktp()
    [notice] = chat.received(SITI)
    _callback(client, chat.fake, notice.sid, "failed", 21610)
    chat.deliver()
    sent = len(chat.fake.snapshot())

    _callback(client, chat.fake, notice.sid, "failed", 21610)
    _callback(client, chat.fake, notice.sid, "undelivered", 21610)
    chat.deliver()

    _, holder, events = _ticket(rt, number)
    assert holder == AGUS and len(_transfers(events)) == 1
    assert len(chat.fake.snapshot()) == sent            # nobody told anything again
    assert [f.outcome for f in _failures(rt)] == ["moved"]
    [to_lurah] = chat.bodies(LURAH_KETINTANG)
    assert "berhenti berlangganan" in to_lurah and "(21610)" in to_lurah


def _file_in_rw4(chat) -> int:
    return chat.file_ktp(place="Ketintang RW 4")


def test_without_a_backup_the_lurah_is_told_and_the_ticket_waits_unassigned(chat, rt):
    chat.fake.reject(DEWI, 63003)
    number = _file_in_rw4(chat)

    _, holder, events = _ticket(rt, number)
    assert holder is None
    [moved] = _transfers(events)
    assert moved["to_officer"] is None and moved["from_name"] == "Dewi Lestari"
    [to_lurah] = chat.bodies(LURAH_KETINTANG)
    assert to_lurah.startswith("PERLU TINDAKAN") and "Dewi Lestari" in to_lurah
    assert "nomor tujuan tidak ditemukan di WhatsApp (63003)" in to_lurah
    assert "menunggu tanpa petugas" in to_lurah
    assert "menunggu petugas pengganti" in chat.bodies(WARGA)[-1]
    assert [f.outcome for f in _failures(rt)] == ["unassigned"]


def test_a_backup_who_cannot_be_reached_either_leaves_the_ticket_waiting(chat, rt):
    chat.fake.reject(SITI, 63024)
    chat.fake.reject(AGUS, 30005)
    number = chat.file_ktp()

    _, holder, events = _ticket(rt, number)
    assert holder is None                         # never handed back to Siti
    assert [(t["from_name"], t["to_name"]) for t in _transfers(events)] == [
        ("Siti Rahmawati", "Agus Santoso"), ("Agus Santoso", None)]
    first, second = chat.bodies(LURAH_KETINTANG)
    assert "(63024)" in first and "tidak dikenal atau sudah tidak aktif (30005)" in second
    assert [f.outcome for f in _failures(rt)] == ["moved", "unassigned"]


def test_a_failure_for_a_ticket_no_longer_held_or_closed_is_only_recorded(chat, rt, client):
    number = chat.file_ktp()
    [notice] = chat.received(SITI)
    chat.send(SITI, f"SELESAI {number} sudah dicetak")
    chat.deliver()
    sent = len(chat.fake.snapshot())

    _callback(client, chat.fake, notice.sid, "failed", 63024)
    chat.deliver()

    _, holder, events = _ticket(rt, number)
    assert holder == SITI and _transfers(events) == []
    assert len(chat.fake.snapshot()) == sent
    assert [f.outcome for f in _failures(rt)] == ["ignored"]


def test_a_failure_to_the_citizen_or_the_lurah_moves_nothing(chat, rt, client, clock):
    number = chat.file_ktp()
    _callback(client, chat.fake, chat.received(WARGA)[-1].sid, "failed", 63024)
    clock.advance(days=1, minutes=1)
    sweep(rt, rt.now())                     # the breach: Siti and the lurah are told
    chat.deliver()
    [to_lurah] = chat.received(LURAH_KETINTANG)
    _callback(client, chat.fake, to_lurah.sid, "failed", 63024)
    assert _ticket(rt, number)[1] == SITI
    assert [f.outcome for f in _failures(rt)] == ["ignored"]     # the lurah's breach notice


def test_the_sweep_catches_up_a_failure_nobody_acted_on(chat, rt, clock):
    rt.failure_listeners.clear()           # the process died right after writing it
    chat.fake.reject(SITI, 63024)
    number = chat.file_ktp()
    assert _ticket(rt, number)[1] == SITI and _failures(rt) == []

    clock.advance(minutes=1)
    result = sweep(rt, rt.now())
    chat.deliver()

    assert result.unreachable == 1
    assert _ticket(rt, number)[1] == AGUS
    assert any("DIALIHKAN kepada Anda" in b for b in chat.bodies(AGUS))
    assert "(63024)" in chat.bodies(LURAH_KETINTANG)[0]
    assert sweep(rt, rt.now()).unreachable == 0            # once


def _ledger(rt, number: int) -> list[tuple[str, str, Decimal]]:
    with rt.sessions() as db:
        rows = db.execute(select(LedgerEntry.key, Staff.phone, LedgerEntry.percent)
                          .join(Staff, Staff.id == LedgerEntry.officer_id)
                          .where(LedgerEntry.ticket_id == number)
                          .order_by(LedgerEntry.id)).all()
    return [tuple(r) for r in rows]


def _breach_officer(rt, number: int) -> str | None:
    with rt.sessions() as db:
        breach = db.scalar(select(Breach).where(Breach.ticket_id == number))
        return breach.officer.phone if breach.officer else None


def test_a_breach_after_the_move_is_charged_to_the_backup_not_the_first_officer(chat, rt,
                                                                                clock):
    chat.fake.reject(SITI, 63024)
    number = chat.file_ktp()
    clock.advance(days=1, minutes=1)               # past Tuesday 10:00, the deadline
    assert sweep(rt, rt.now()).breached == 1
    chat.deliver()

    assert _breach_officer(rt, number) == AGUS
    assert _ledger(rt, number) == [("breach", AGUS, Decimal("5.00"))]
    assert [b for b in chat.bodies(AGUS) if b.startswith("PERHATIAN")] == [
        b for b in chat.bodies(AGUS) if f"tiket #{number}" in b and "melewati batas" in b]
    assert len([b for b in chat.bodies(AGUS) if b.startswith("PERHATIAN")]) == 1
    assert verify_month(rt, "2026-11") == []


def test_a_failure_learned_after_the_breach_writes_a_correcting_entry(chat, rt, clock,
                                                                      client):
    number = chat.file_ktp()
    [notice] = chat.received(SITI)
    clock.advance(days=1, minutes=1)
    sweep(rt, rt.now())
    assert _breach_officer(rt, number) == SITI
    assert _ledger(rt, number) == [("breach", SITI, Decimal("5.00"))]

    clock.advance(minutes=5)                        # the callback comes late
    _callback(client, chat.fake, notice.sid, "undelivered", 30003)
    chat.deliver()

    assert _ticket(rt, number)[1] == AGUS
    assert _ledger(rt, number) == [("breach", SITI, Decimal("5.00")),
                                   ("unreached:breach", SITI, Decimal("-5.00"))]
    assert _breach_officer(rt, number) is None     # the breach counts against nobody
    with rt.sessions() as db:
        entry = db.scalar(select(LedgerEntry).where(LedgerEntry.key == "unreached:breach"))
        assert entry.kind == "correction"
    assert verify_month(rt, "2026-11") == []

    clock.advance(days=1)                           # a further late day is Agus's
    sweep(rt, rt.now())
    assert _ledger(rt, number)[-1] == ("late:1", AGUS, Decimal("2.00"))
    assert verify_month(rt, "2026-11") == []


def test_a_relay_that_fails_moves_the_ticket_but_keeps_earlier_charges(chat, rt, clock):
    number = chat.file_ktp()
    chat.send(SITI, f"TANYA {number} Mohon kirim foto KK")
    chat.deliver()
    chat.fake.reject(SITI, 21610)
    chat.send(WARGA, "Baik, ini jawabannya")
    chat.deliver()

    _, holder, events = _ticket(rt, number)
    assert holder == AGUS
    [moved] = _transfers(events)
    assert moved["unreached"] is False             # Siti had the ticket; only the relay
    with rt.sessions() as db:
        kinds = [k for k in db.scalars(select(Message.kind).where(
            Message.phone == SITI, Message.status == "failed"))]
    assert kinds == ["relay"]
