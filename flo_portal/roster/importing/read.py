"""Reading an import file: bytes to text, the header to a kind, lines to rows.

Every problem names the line (the line a record starts on: a quoted cell may span
several) and, where it is about one, the column.
"""

from __future__ import annotations

import csv
import io

from flo_portal.core.formtools import control_character_problem
from flo_portal.roster.importing.layout import (
    COLUMNS,
    MAX_BYTES,
    MAX_FIELD,
    MAX_ROWS,
    ImportReport,
    Problem,
    Rows,
)


def decode(data: bytes, report: ImportReport) -> str | None:
    if len(data) > MAX_BYTES:
        report.problems.append(
            Problem(0, "", f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        )
        return None
    if not data.strip():
        report.problems.append(Problem(1, "", "The file is empty."))
        return None
    if b"\x00" in data[:4096]:
        report.problems.append(
            Problem(1, "", "This is not a text CSV file (it contains binary data).")
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        report.problems.append(
            Problem(
                line,
                "",
                "The file is not UTF-8 text. Save it from your spreadsheet as "
                "'CSV UTF-8' and try again.",
            )
        )
        return None


def detect_kind(header: list[str]) -> str | None:
    cols = set(header)
    if "course_code" in cols or "officer_external_id" in cols:
        return "training"
    if "external_id" in cols or "first_name" in cols or "last_name" in cols:
        return "officers"
    if "name" in cols and ("discipline" in cols or "region" in cols):
        return "agencies"
    return None


def _column_problems(header: list[str], spec: dict) -> list[Problem]:
    """Problems of the header line, one group at a time: missing, then repeated, then
    unknown columns."""
    missing = [c for c in spec["required"] if c not in header]
    if missing:
        return [Problem(1, col, "required column is missing") for col in missing]
    dupes = {h for h in header if header.count(h) > 1 and h}
    if dupes:
        return [Problem(1, col, "column appears twice") for col in sorted(dupes)]
    known = set(spec["required"]) | set(spec["optional"])
    return [
        Problem(1, col, "unknown column (check the spelling)")
        for col in header
        if col and col not in known
    ]


def _read_header(reader, kind: str | None, report: ImportReport) -> list[str] | None:
    """The normalised column names, with ``report.kind`` set; None (and the problems
    reported) when the header cannot be used."""
    try:
        raw_header = next(reader)
    except (StopIteration, csv.Error):
        report.problems.append(Problem(1, "", "The first line must be the column names."))
        return None
    header = [h.strip().lower().replace(" ", "_") for h in raw_header]
    kind = kind or detect_kind(header)
    if kind not in COLUMNS:
        report.problems.append(
            Problem(
                1,
                "",
                "Unknown file layout: the first line must name the "
                "columns of an agencies, officers or training file "
                "(see the README).",
            )
        )
        return None
    report.kind = kind
    problems = _column_problems(header, COLUMNS[kind])
    if problems:
        report.problems.extend(problems)
        return None
    return header


def _line_problems(line: int, header: list[str], values: list[str]) -> list[Problem]:
    """What makes one record unusable as a whole: its field count, an overlong value, a
    control character (each problem with the line and, where it is one, the column)."""
    if len(values) != len(header):
        return [Problem(line, "", f"has {len(values)} fields, the header has {len(header)}")]
    cells = list(zip(header, values, strict=True))
    too_long = [h for h, v in cells if len(v) > MAX_FIELD]
    if too_long:
        return [Problem(line, too_long[0], f"value longer than {MAX_FIELD} characters")]
    return [
        Problem(line, h, problem) for h, v in cells if (problem := control_character_problem(v))
    ]


def _read_records(reader, header: list[str], report: ImportReport) -> Rows | None:
    """The records after the header; an unusable one is kept as (line, {}) so that the
    row count stays right and validation skips it."""
    rows = Rows()
    try:
        next_line = reader.line_num + 1
        for values in reader:
            # The line the record starts on: a quoted cell may span several lines.
            line, next_line = next_line, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if len(rows.items) >= MAX_ROWS:
                report.problems.append(
                    Problem(line, "", f"More than {MAX_ROWS} rows: split the file.")
                )
                return None
            problems = _line_problems(line, header, values)
            report.problems.extend(problems)
            cells = zip(header, values, strict=True) if not problems else ()
            rows.items.append((line, {h: v.strip() for h, v in cells}))
    except csv.Error as err:
        report.problems.append(Problem(reader.line_num, "", f"unreadable CSV: {err}"))
        return None
    return rows


def read_rows(text: str, kind: str | None, report: ImportReport) -> Rows | None:
    """The file's rows as (line, {column: value}), or None when it cannot be imported at
    all (the problems are in ``report``)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = _read_header(reader, kind, report)
    if header is None:
        return None
    rows = _read_records(reader, header, report)
    if rows is None:
        return None
    report.rows = len(rows.items)
    if not rows.items:
        report.problems.append(Problem(2, "", "The file has a header but no rows."))
        return None
    return rows
