"""The CSV writer every product CSV goes through (services.core.csv_safe)."""

from __future__ import annotations

import csv
import io

import pytest

from services.core.csv_safe import SafeWriter, neutralise


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx",
                                  '=HYPERLINK("http://x")'])
def test_a_cell_starting_like_a_formula_gets_a_leading_quote(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", ["Siti", "", "a=b", "#1", "'quoted", 5, -5, 2.5, None])
def test_other_cells_are_left_as_they_are(value):
    assert neutralise(value) == (value if not isinstance(value, str) else value)


def test_the_writer_neutralises_every_cell_and_reads_back_as_written():
    writer = SafeWriter()
    writer.writerow(["=cmd", 'a "b", c', -3, None])
    [row] = list(csv.reader(io.StringIO(writer.getvalue())))
    assert row == ["'=cmd", 'a "b", c', "-3", ""]
