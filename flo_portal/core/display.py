"""What pages show: stored UTC times in the viewer's time zone, counted nouns, codes as words."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_login import current_user
from markupsafe import Markup, escape

from flo_portal.core.clock import zone


def viewer_zone() -> ZoneInfo:
    return zone(getattr(current_user, "timezone", None) or current_app.config["DISPLAY_TIMEZONE"])


def localtime(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M %Z") -> str:
    if value is None:
        return ""
    return value.astimezone(viewer_zone()).strftime(fmt)


def select_options(pairs, chosen) -> Markup:
    """``<option>`` elements of a filter's ``<select>`` for (value, label) pairs, the one
    whose value equals ``chosen`` selected: a list of hundreds (the RFI queue's staff and
    agencies) in one pass, where a template loop cost three escapes and a test a row."""
    return Markup(  # noqa: S704 - every value and label is escaped just below
        "".join(
            # an id needs no escaping (half the work: most of these lists are ids)
            f'<option value="{value if type(value) is int else escape(value)}"'
            f" {'selected' if value == chosen else ''}>"
            f"{escape(label)}</option>"
            for value, label in pairs
        )
    )


def format_date(value: date | datetime | None, fmt: str = "%Y-%m-%d") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.astimezone(viewer_zone())
    return value.strftime(fmt)


# Nouns whose plural is not the singular plus "s".
IRREGULAR = {"person": "people", "agency": "agencies", "reply": "replies", "policy": "policies"}


def plural(count: int | None, singular: str, many: str | None = None) -> str:
    """``1 person``, ``2 people``, ``0 records``: the count with its noun agreeing."""
    n = count or 0
    if n == 1:
        return f"1 {singular}"
    word = many or IRREGULAR.get(singular) or f"{singular}s"
    return f"{n:,} {word}"


def code_label(value) -> str:
    """A stored code as a reader's words: an enum's own ``label`` when it has one, else
    ``privacy_review`` / ``rfi.tasking`` written as "Privacy review" / "Rfi tasking"."""
    label = getattr(value, "label", None)
    if isinstance(label, str):
        return label
    text = str(value or "").replace("_", " ").replace(".", " ").strip()
    return text[:1].upper() + text[1:]


def is_current_section(url: str, path: str) -> bool:
    """Whether the page at ``path`` belongs to the navigation entry at ``url`` (the
    entry's own page or a page below its folder), for highlighting the current section."""
    entry = url.split("?", 1)[0]
    if entry in ("", "/"):
        return path == entry
    return path == entry or path.startswith(entry if entry.endswith("/") else entry + "/")
