"""`flask --app wsgi report daily --date YYYY-MM-DD [--csv FILE] [--kelurahan | --kecamatan]`."""

from __future__ import annotations

import pytest

from tests.support.chat import Chat
from tests.support.officer_day import CITIZENS, NIK, play_tuesday

pytestmark = pytest.mark.twilio


@pytest.fixture
def tuesday(client, rt, fake_twilio, roster, clock):
    return play_tuesday(Chat(client, rt, fake_twilio), rt, clock)


def test_the_day_is_printed_and_written_as_csv(runner, tuesday, tmp_path):
    out = tmp_path / "harian.csv"
    result = runner.invoke(args=["report", "daily", "--date", "2026-11-24", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert "Keluaran harian petugas – Selasa, 24 November 2026" in result.output
    siti = next(line for line in result.output.splitlines() if line.startswith("Siti"))
    assert siti.split()[2:] == ["198503122010012004", "1", "1", "1", "1", "1", "1", "1"]
    assert f"#{tuesday.on_time} KTP Ketintang RW 1: diajukan 23 Nov 11.00" in result.output
    assert "TERLAMBAT" in result.output and "Hendra Gunawan" in result.output
    body = out.read_text(encoding="utf-8")
    assert "198503122010012004" in body and "'=HYPERLINK" in body
    for text in (result.output, body):
        assert NIK not in text and not any(c in text or c[1:] in text for c in CITIZENS)


def test_a_region_and_its_refusals(runner, tuesday):
    jagir = runner.invoke(args=["report", "daily", "--date", "2026-11-24", "--kelurahan",
                                "Jagir"])
    assert jagir.exit_code == 0 and "Bambang Wijaya" in jagir.output
    assert "Siti" not in jagir.output and "Kelurahan Jagir" in jagir.output
    wonokromo = runner.invoke(args=["report", "daily", "--date", "2026-11-24", "--kecamatan",
                                    "wonokromo"])
    assert "Hendra Gunawan" in wonokromo.output and "Siti" not in wonokromo.output
    unknown = runner.invoke(args=["report", "daily", "--date", "2026-11-24", "--kelurahan",
                                  "Atlantis"])
    assert unknown.exit_code == 2 and "tidak ditemukan" in unknown.output
    both = runner.invoke(args=["report", "daily", "--date", "2026-11-24", "--kelurahan", "Jagir",
                               "--kecamatan", "Wonokromo"])
    assert both.exit_code == 2 and "Pilih salah satu" in both.output
    bad = runner.invoke(args=["report", "daily", "--date", "24-11-2026"])
    assert bad.exit_code == 2 and "bukan tanggal YYYY-MM-DD" in bad.output
