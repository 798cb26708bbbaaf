"""`LAPORAN [tanggal]`: an officer's day as text for e-Performance; a supervisor's officers,
one line each (SPEC §3)."""

from __future__ import annotations

import pytest

from tests.support.chat import Chat
from tests.support.clock import wib
from tests.support.officer_day import CITIZENS, LURAH_KETINTANG, NIK, SITI, play_tuesday

pytestmark = pytest.mark.twilio
LURAH_JAGIR = "+6281200000902"


@pytest.fixture
def chat(client, rt, fake_twilio, roster):
    return Chat(client, rt, fake_twilio)


def _private(text: str) -> bool:
    return NIK in text or any(c in text or c[1:] in text or c[3:] in text for c in CITIZENS)


def test_an_officer_gets_their_day_ready_to_paste(chat, rt, clock):
    day = play_tuesday(chat, rt, clock)
    [text] = chat.send(SITI, "LAPORAN")
    assert text.startswith("Laporan harian Siti Rahmawati (NIP 198503122010012004)")
    assert "Selasa, 24 November 2026" in text
    for line in ("Tiket masuk: 1", "Diterima (TERIMA): 1", "Selesai tepat waktu: 1",
                 "Selesai terlambat: 1", "Ditolak: 1", "Dialihkan ke RW lain: 1",
                 "Melewati batas waktu: 1"):
        assert line in text, line
    assert (f"1. Tiket #{day.on_time} KTP elektronik, Ketintang RW 1: diajukan 23 Nov 11.00, "
            f"selesai 24 Nov 09.30, 6 jam 30 menit kerja. Bukti: "
            f"http://localhost/dashboard/tickets/{day.on_time}#bukti-1") in text
    assert f"Tiket #{day.late} KTP elektronik, Ketintang RW 3" in text and ", terlambat" in text
    assert f"Tiket #{day.refused}" in text and "dokumen kurang" in text
    assert not _private(text)


def test_yesterday_and_a_given_date(chat, rt, clock):
    play_tuesday(chat, rt, clock)
    clock.set(wib(2026, 11, 25, 9, 0))
    assert "Selasa, 24 November 2026" in chat.send(SITI, "laporan kemarin")[0]
    monday = chat.send(SITI, "LAPORAN 23-11-2026")[0]
    assert "Senin, 23 November 2026" in monday and "Tiket masuk: 3" in monday
    assert "Tidak ada kegiatan tiket" in chat.send(SITI, "LAPORAN 2026-11-22")[0]
    assert "belum lewat" in chat.send(SITI, "LAPORAN besok")[0]
    assert "tidak terbaca" in chat.send(SITI, "LAPORAN minggu lalu")[0]


def test_a_supervisor_gets_one_line_per_officer_in_scope(chat, rt, clock):
    play_tuesday(chat, rt, clock)
    [text] = chat.send(LURAH_KETINTANG, "LAPORAN 2026-11-24")
    assert "• Siti Rahmawati: 1 / 1 / 1 / 1 / 1 / 1 / 1" in text
    assert "• Agus Santoso: 0 / 0 / 0 / 0 / 0 / 0 / 0" in text
    assert "Dewi Lestari" in text and "Bambang" not in text
    assert "http://localhost/dashboard/daily?date=2026-11-24" in text
    jagir = chat.send(LURAH_JAGIR, "LAPORAN")[0]
    assert "• Bambang Wijaya: 1 / 1 / 0 / 0 / 0 / 0 / 0" in jagir and "Siti" not in jagir
    assert not _private(text + jagir)


def test_an_officer_on_leave_is_marked(chat, rt, clock):
    chat.send(SITI, "CUTI hari ini hari ini")
    assert "• Siti Rahmawati (cuti):" in chat.send(LURAH_KETINTANG, "LAPORAN")[0]
    assert "– CUTI" in chat.send(SITI, "LAPORAN")[0]
