"""What an import file may hold (the columns of each kind, the limits) and what an import
reports back: its problems, each with the line and column it is about, and its counts."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
MAX_PROBLEMS_SHOWN = 200
MAX_FIELD = 2000
CHUNK = 1000

COLUMNS = {
    "agencies": {
        "required": ["name", "discipline", "region"],
        "optional": [
            "jurisdiction",
            "contact_name",
            "contact_email",
            "contact_phone",
            "active",
        ],
    },
    "officers": {
        "required": ["external_id", "first_name", "last_name", "agency"],
        "optional": [
            "rank_title",
            "discipline",
            "email",
            "phone",
            "mobile",
            "flo_level",
            "status",
            "supervisor_approved_on",
            "nda_signed_on",
            "privacy_ack_on",
        ],
    },
    "training": {
        "required": ["officer_external_id", "course_code", "completed_on"],
        "optional": [],
    },
}
KINDS = tuple(COLUMNS)


@dataclass
class Problem:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    kind: str = ""
    filename: str = ""
    rows: int = 0
    good_rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    applied: bool = False
    good_rows_only: bool = False
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_lines(self) -> int:
        return len({p.line for p in self.problems})

    @property
    def shown_problems(self) -> list[Problem]:
        return self.problems[:MAX_PROBLEMS_SHOWN]

    def summary(self) -> str:
        if not self.kind:
            return "Nothing imported: the file could not be read."
        head = f"{self.kind}: {self.rows} rows, {len(self.problems)} problems on {self.bad_lines} lines"
        if not self.applied:
            why = "check only" if self.dry_run else "nothing imported because some rows are bad"
            return f"{head}; {why}."
        return (
            f"{head}; {self.created} created, {self.updated} updated, {self.unchanged} unchanged."
        )


class Rows:
    """Parsed rows: (line, {column: value})."""

    def __init__(self):
        self.items: list[tuple[int, dict[str, str]]] = []
