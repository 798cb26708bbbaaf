"""`CUTI` in chat: an officer's own leave, a supervisor's for an officer in scope, and the
refusals each gets (SPEC §3)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Leave, Staff, StaffEvent
from services.roster.apply import import_roster
from tests.support.chat import Chat

pytestmark = pytest.mark.twilio

SITI, AGUS, DEWI = "+6281200000101", "+6281200000102", "+6281200000103"
LURAH_KETINTANG, LURAH_JAGIR, CAMAT = "+6281200000901", "+6281200000902", "+6281200000903"
SITI_AMINAH = "+6281200000104"


@pytest.fixture
def chat(client, rt, fake_twilio, roster):
    return Chat(client, rt, fake_twilio)


def _leaves(rt) -> list[tuple[str, str, str, str | None, str]]:
    with rt.sessions() as db:
        return [(leave.staff.name, leave.starts_on.isoformat(), leave.ends_on.isoformat(),
                 leave.reason, leave.set_by.name) for leave in db.scalars(select(Leave))]


@pytest.mark.parametrize("body, expected", [
    ("CUTI kemarin besok", "Tanggal mulai cuti (Minggu, 22 November 2026) sudah lewat"),
    ("CUTI besok 20-11-2026", "Tanggal selesai (Jumat, 20 November 2026) sebelum"),
    ("CUTI besok 24-12-2026", "Cuti 31 hari terlalu panjang: paling lama 30 hari"),
    ("CUTI besok", "Tanggal tidak terbaca"),
    ("CUTI minggu depan", "Tanggal tidak terbaca"),
    ("CUTI 31-11-2026 01-12-2026", "Tanggal tidak terbaca"),
])
def test_an_officer_gets_a_clear_refusal_and_nothing_is_recorded(chat, rt, body, expected):
    [reply] = chat.send(SITI, body)
    assert expected in reply
    assert _leaves(rt) == []


def test_thirty_days_is_the_longest_leave(chat, rt):
    assert "tercatat" in chat.send(SITI, "CUTI besok 2026-12-23")[0]
    assert _leaves(rt) == [("Siti Rahmawati", "2026-11-24", "2026-12-23", None,
                            "Siti Rahmawati")]


def test_an_officer_sees_and_overlapping_leave_is_refused(chat, rt):
    chat.send(SITI, "CUTI 25-11-2026 27-11-2026 urusan keluarga")
    status = chat.send(SITI, "cuti")[0]
    assert "Rabu, 25 November 2026 s.d. Jumat, 27 November 2026 (urusan keluarga)" in status
    assert "Pengganti: Ketintang RW 1 → Agus Santoso" in status
    refused = chat.send(SITI, "CUTI 27-11-2026 30-11-2026")[0]
    assert "bertumpuk" in refused and "CUTI BATAL" in refused
    assert "tercatat" in chat.send(SITI, "CUTI 30-11-2026 30-11-2026")[0]
    assert len(_leaves(rt)) == 2


def test_a_lurah_sets_leave_by_name_and_everyone_concerned_is_told(chat, rt):
    [reply] = chat.send(LURAH_KETINTANG, "CUTI siti rahma 25-11-2026 26-11-2026 diklat")
    assert "Siti Rahmawati cuti Rabu, 25 November 2026 s.d. Kamis, 26 November 2026 (diklat)" \
        in reply and "dicatat oleh Lurah Ketintang" in reply
    assert "Cuti Anda tercatat oleh Lurah Ketintang (Ir. Sri Wahyuni)" in chat.last(SITI)
    assert "Anda menggantikan untuk Ketintang RW 1, Ketintang RW 2, Ketintang RW 3" in \
        chat.last(AGUS)
    assert chat.inbox(LURAH_JAGIR) == [] and chat.inbox(CAMAT) == []
    listed = chat.send(LURAH_KETINTANG, "CUTI")[0]
    assert "Siti Rahmawati: Rabu, 25 November 2026 s.d. Kamis, 26 November 2026" in listed
    with rt.sessions() as db:
        event = db.scalars(select(StaffEvent)).one()
        lurah = db.scalar(select(Staff).where(Staff.phone == LURAH_KETINTANG))
    assert (event.kind, event.actor_id, event.details["source"]) == ("leave_set", lurah.id,
                                                                      "chat")


def test_a_lurah_may_name_the_officer_by_phone_number_or_nip(chat, rt):
    chat.send(LURAH_KETINTANG, "CUTI 0812-0000-0103 besok besok")
    chat.send(LURAH_KETINTANG, "CUTI 19820715 200801 1 003 besok besok")
    assert [leave[0] for leave in _leaves(rt)] == ["Dewi Lestari", "Agus Santoso"]


def test_an_ambiguous_name_gets_a_numbered_choice(chat, rt):
    extra = b"role,name,phone,kecamatan,kelurahan,rw,tpp_base\n" \
            b"officer,Siti Aminah,0812-0000-0104,Gayungan,Ketintang,6,5000000\n"
    assert import_roster(rt, extra).ok
    [choice] = chat.send(LURAH_KETINTANG, "CUTI Siti besok lusa sakit")
    assert "1. Siti Aminah (0812****0104)" in choice and "2. Siti Rahmawati" in choice
    assert _leaves(rt) == []
    assert "Siti Rahmawati cuti" in chat.send(LURAH_KETINTANG, "2")[0]
    assert _leaves(rt) == [("Siti Rahmawati", "2026-11-24", "2026-11-25", "sakit",
                            "Lurah Ketintang (Ir. Sri Wahyuni)")]
    assert chat.inbox(SITI_AMINAH) == []
    chat.send(LURAH_KETINTANG, "CUTI BATAL siti")          # ambiguous again
    assert "Ada beberapa petugas" in chat.inbox(LURAH_KETINTANG)[-1]
    assert "terdaftar sebagai pengawas" in chat.send(LURAH_KETINTANG, "BANTUAN")[0]
    chat.send(LURAH_KETINTANG, "2")                         # the choice lapsed: nothing ends
    with rt.sessions() as db:
        assert db.scalars(select(Leave)).one().cancelled_at is None


def test_a_supervisor_cannot_set_leave_outside_their_region(chat, rt):
    assert "tidak ditemukan di wilayah Anda" in chat.send(
        LURAH_JAGIR, "CUTI Siti Rahmawati besok besok")[0]
    assert "tidak ditemukan di wilayah Anda" in chat.send(
        LURAH_JAGIR, "CUTI 0812-0000-0101 besok besok")[0]
    assert "Sebutkan petugasnya" in chat.send(LURAH_JAGIR, "CUTI besok besok")[0]
    assert _leaves(rt) == []
    assert "Bambang Wijaya cuti" in chat.send(CAMAT, "CUTI bambang besok besok")[0]


def test_a_lurah_ends_an_officers_leave(chat, rt):
    chat.send(SITI, "CUTI besok 26-11-2026")
    [reply] = chat.send(LURAH_KETINTANG, "CUTI BATAL Siti Rahmawati")
    assert "dibatalkan oleh Lurah Ketintang" in reply
    assert "Cuti Anda (Selasa, 24 November 2026 s.d. Kamis, 26 November 2026) dibatalkan" in \
        chat.last(SITI)
    assert "Tidak ada cuti" in chat.send(LURAH_KETINTANG, "CUTI BATAL Siti")[0]
    assert "Tidak ada petugas Kelurahan Ketintang yang sedang atau akan cuti" in \
        chat.send(LURAH_KETINTANG, "CUTI")[0]


def test_help_lists_the_new_commands(chat):
    assert "CUTI <dari> <sampai>" in chat.send(SITI, "BANTUAN")[0]
    assert "LAPORAN [tanggal]" in chat.send(LURAH_KETINTANG, "BANTUAN")[0]
