"""CSV cells that a spreadsheet will not run: the one writer every NetSafe CSV goes through.

File names on seized media, hash-set ids and exhibit references are chosen by other
people. Spreadsheets treat a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and,
in some, a tab or carriage return before them) as a formula, so ``=HYPERLINK(...)``
in a file name would run when an officer opens ``files.csv``. Such a cell is written
with a leading ``'``, which spreadsheets show as text; the JSON outputs keep the exact
value (contract ``triage.md``, "CSV safety").

Numbers NetSafe computes (sizes, counts, distances) are written as they are: only
text can come from outside, and a negative count is never written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import IO, Any

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unsafe_cell(value: str) -> str:
    """The exact text of a cell written by :func:`safe_cell` (for readers of our own CSV)."""
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


class SafeWriter:
    """A CSV writer (rows end in ``\\n``) whose every cell passes through :func:`safe_cell`.

    Python 3.11's :func:`csv.writer` quotes a field only for the characters of its own
    line terminator, so with ``\\n`` a carriage return inside a file name is written bare
    and splits the row for every reader. Each row is therefore formatted with ``\\r\\n``
    (which quotes both) and written with ``\\n``.
    """

    def __init__(self, fh: IO[str]) -> None:
        self._fh = fh
        self._buf = io.StringIO()
        self._writer = csv.writer(self._buf, lineterminator="\r\n")

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one row, neutralising each cell."""
        self.writerows((row,))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write every row, neutralising each cell (formatted together, one write)."""
        # safe_cell, inline: a scan writes a few dozen cells for each of its files.
        safe = [
            ["'" + v if isinstance(v, str) and v.startswith(FORMULA_STARTS) else v for v in row]
            for row in rows
        ]
        text = self._format(safe)
        if text.count("\r\n") == len(safe):
            text = text.replace("\r\n", "\n")  # each one ends a row
        else:
            # A cell holds "\r\n" (quoted): each row formatted alone, only its end changed.
            text = "".join(self._format([row])[:-2] + "\n" for row in safe)
        self._fh.write(text)

    def _format(self, rows: list[list[Any]]) -> str:
        self._buf.seek(0)
        self._buf.truncate()
        self._writer.writerows(rows)
        return self._buf.getvalue()


def writer(fh: IO[str]) -> SafeWriter:
    """A CSV writer on ``fh`` with safe cells and ``\\n`` line ends."""
    return SafeWriter(fh)
