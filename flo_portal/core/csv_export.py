"""CSV responses that spreadsheets cannot turn into formulas."""

from __future__ import annotations

import csv
import io
import unicodedata
from collections.abc import Iterable

from flask import Response

# After NFKC, full-width forms (＝ ＋ － ＠ ｜) become these; "|" starts DDE payloads.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "|", "\t", "\r", "\n")


def safe_cell(value) -> str:
    """Text for a CSV cell; cells that a spreadsheet would run as a formula get a quote."""
    if value is None:
        return ""
    text = str(value)
    # Spreadsheets fold compatibility forms (full-width ＝, ｜) before parsing: so do we.
    if unicodedata.normalize("NFKC", text.lstrip(" ")).startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_text(header: list[str], rows: Iterable[Iterable]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buf.getvalue()


def csv_response(filename: str, header: list[str], rows: Iterable[Iterable]) -> Response:
    """A CSV download. Rows are written now, so the caller may commit afterwards."""
    return Response(
        csv_text(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
