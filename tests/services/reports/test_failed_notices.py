"""The monthly report counts, per officer, the tickets whose message to them failed for
good (issue 16.4): a `pesan_gagal` column in the CSV, neutralised like the others."""

from __future__ import annotations

import csv
import io

import pytest

from services.reports.monthly import monthly_report
from services.reports.monthly_csv import report_csv
from tests.support.media import SITI
from tests.support.unreachable import AGUS, DEWI, UnreachableChat

pytestmark = pytest.mark.twilio_server


def _rows(rt, month: str = "2026-11") -> dict[str, dict[str, str]]:
    table = report_csv(monthly_report(rt, month)).split("\r\n\r\n")[0]
    return {row["nama"]: row for row in csv.DictReader(io.StringIO(table))}


def test_the_csv_counts_failed_notices_per_officer(client, rt, fake_twilio_server, roster):
    chat = UnreachableChat(client, rt, fake_twilio_server)
    fake_twilio_server.reject(SITI, 63024)
    chat.file_ktp()                                       # both go to Agus …
    chat.file_ktp(who="+6285700000002")
    chat.status(chat.received(AGUS)[0].sid, "failed", 30003)   # … whose first then fails
    chat.deliver()
    fake_twilio_server.reject(DEWI, 30003)
    chat.file_ktp(who="+6285700000003", place="Ketintang RW 4")

    header = next(csv.reader(io.StringIO(report_csv(monthly_report(rt, "2026-11")))))
    assert header.index("pesan_gagal") == header.index("dimaafkan") + 1
    rows = _rows(rt)
    assert {name: rows[name]["pesan_gagal"] for name in (
        "Siti Rahmawati", "Agus Santoso", "Dewi Lestari", "Bambang Wijaya")} == {
        "Siti Rahmawati": "2", "Agus Santoso": "1", "Dewi Lestari": "1", "Bambang Wijaya": "0"}
    assert _rows(rt, "2026-12")["Siti Rahmawati"]["pesan_gagal"] == "0"


def test_the_report_page_shows_the_count(client, rt, fake_twilio_server, roster):
    from tests.support.dashboard import CITY, log_in

    chat = UnreachableChat(client, rt, fake_twilio_server)
    fake_twilio_server.reject(SITI, 63024)
    chat.file_ktp()
    log_in(client, rt, CITY)
    page = client.get("/dashboard/report?month=2026-11").get_data(as_text=True)
    assert "Pesan gagal" in page
    row = page[page.index("Siti Rahmawati"):]
    row = row[:row.index("</tr>")]
    assert '<td class="num">1</td>' in row
