"""`report monthly|verify|close --month`: a month out of range is refused like any unknown
month, with the accepted range, and never a traceback."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("command", ["monthly", "verify", "close"])
@pytest.mark.parametrize("month", ["0000-01", "0001-01", "1999-12", "9999-12", "2026-13",
                                   "november"])
def test_a_month_out_of_range_is_a_usage_error(runner, roster, tmp_path, command, month):
    extra = ["--csv", str(tmp_path / "x.csv")] if command == "monthly" else []
    result = runner.invoke(args=["report", command, "--month", month, *extra])
    assert result.exit_code == 2, result.output
    assert f'"{month}" bukan bulan yang dikenali' in result.output
    assert "2000-01 sampai 2099-12" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not (tmp_path / "x.csv").exists()


def test_a_month_in_range_is_reported(runner, roster, tmp_path):
    out = tmp_path / "laporan.csv"
    result = runner.invoke(args=["report", "monthly", "--month", "2099-12", "--csv", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("nama,telepon,rw")


def test_only_a_month_that_has_ended_can_be_closed_and_only_once(runner, roster):
    # The suite's clock stands in November 2026.
    running = runner.invoke(args=["report", "close", "--month", "2026-11"])
    assert running.exit_code == 2
    assert "2026-11 belum berakhir" in running.output
    first = runner.invoke(args=["report", "close", "--month", "2026-10"])
    again = runner.invoke(args=["report", "close", "--month", "2026-10"])
    assert (first.exit_code, again.exit_code) == (0, 0)
    assert "Bulan 2026-10 ditutup." in first.output
    assert "Bulan 2026-10 sudah ditutup sebelumnya." in again.output
