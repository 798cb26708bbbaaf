"""The dashboard's daily page, its CSV download and its JSON export (docs/DAILY_EXPORT.md)."""

from __future__ import annotations

import html

import pytest

from tests.support.chat import Chat
from tests.support.dashboard import LURAH_JAGIR, LURAH_KETINTANG, log_in
from tests.support.officer_day import CITIZENS, NIK, play_tuesday

pytestmark = pytest.mark.twilio


@pytest.fixture
def tuesday(client, rt, fake_twilio, roster, clock):
    return play_tuesday(Chat(client, rt, fake_twilio), rt, clock)


def _private(text: str) -> bool:
    return NIK in text or any(c in text or c[1:] in text for c in CITIZENS)


def test_the_daily_page_lists_each_officer_and_links_the_evidence(client, rt, tuesday):
    log_in(client, rt, LURAH_KETINTANG)
    page = html.unescape(client.get("/dashboard/daily?date=2026-11-24").get_data(as_text=True))
    assert "Laporan harian petugas Kelurahan Ketintang" in page
    assert "198503122010012004" in page and "Siti Rahmawati" in page and "Bambang" not in page
    evidence = f"/dashboard/tickets/{tuesday.on_time}#bukti-1"
    assert f'href="http://localhost{evidence}"' in page
    assert "terlambat" in page and "dokumen kurang" in page
    ticket = client.get(f"/dashboard/tickets/{tuesday.on_time}").get_data(as_text=True)
    assert 'id="bukti-1"' in ticket                       # the anchor the link points at
    assert not _private(page)
    assert 'href="/dashboard/daily.csv?date=2026-11-24"' in page
    today = client.get("/dashboard/daily").get_data(as_text=True)
    assert "Selasa, 24 November 2026" in today            # the clock is on Tuesday


@pytest.mark.parametrize("date", ["24-11-2026", "2026-11-31", "2026-11-25", "x" * 40])
def test_a_bad_or_future_date_is_a_clear_400(client, rt, tuesday, date):
    log_in(client, rt, LURAH_KETINTANG)
    page = client.get(f"/dashboard/daily?date={date}")
    assert page.status_code == 400 and "tidak valid" in page.get_data(as_text=True)
    export = client.get(f"/dashboard/daily.json?date={date}")
    assert export.status_code == 400 and "YYYY-MM-DD" in export.get_json()["error"]
    assert client.get(f"/dashboard/daily.csv?date={date}").status_code == 404


def test_csv_and_json_downloads(client, rt, tuesday):
    log_in(client, rt, LURAH_KETINTANG)
    download = client.get("/dashboard/daily.csv?date=2026-11-24")
    assert download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"] == \
        'attachment; filename="harian-2026-11-24-kelurahan-ketintang.csv"'
    body = download.get_data(as_text=True)
    assert body.startswith("tanggal,nip,nama,telepon,cuti,tiket_masuk,diterima")
    assert "'=HYPERLINK" in body and not _private(body)
    export = client.get("/dashboard/daily.json?date=2026-11-24").get_json()
    assert export["scope"] == "Kelurahan Ketintang" and export["date"] == "2026-11-24"
    siti = next(o for o in export["officers"] if o["name"] == "Siti Rahmawati")
    assert (siti["finished_on_time"], siti["finished_late"], siti["rejected"]) == (1, 1, 1)
    assert not _private(str(export))


def test_another_region_sees_only_its_own_officers(client, rt, tuesday):
    log_in(client, rt, LURAH_JAGIR)
    export = client.get("/dashboard/daily.json?date=2026-11-24").get_json()
    assert [o["name"] for o in export["officers"]] == ["Bambang Wijaya", "Rina Kusuma"]
    assert export["officers"][0]["received"] == 1
