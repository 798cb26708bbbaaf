"""CSV a spreadsheet opens safely: a cell that it would run as a formula is neutralised.

OWASP's advice for CSV injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a
carriage return gets a leading `'`, so Excel, LibreOffice and Google Sheets show it as text.
Numbers the product writes itself (a negative amount, say) are left as they are.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from numbers import Number
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet should read it: text that looks like a formula is quoted."""
    if isinstance(value, Number) or value is None:
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class SafeWriter:
    """`csv.writer` over a text buffer, neutralising every cell it writes."""

    def __init__(self) -> None:
        self._out = io.StringIO()
        self._writer = csv.writer(self._out)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row (every text cell neutralised)."""
        self._writer.writerow([neutralise(cell) for cell in row])

    def getvalue(self) -> str:
        """Everything written so far."""
        return self._out.getvalue()
