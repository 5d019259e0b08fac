"""The one detector of text that names possibly protected activity (speech, assembly,
religion...): RFIs, products and SARs send such text to privacy review or ask for more
facts. The terms are configuration (``PROTECTED_ACTIVITY_TERMS``).

A term matches as a whole phrase, in any case, with any run of white space between its
words; "whole" means no letter or digit directly before or after it, so a term that
begins or ends with punctuation (``#occupy``, ``pro-life``) matches too (``\\b`` would
need a word character next to the ``#``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from flask import current_app


def _pattern(term: str) -> re.Pattern[str]:
    words = [re.escape(w) for w in term.split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)", re.IGNORECASE)


def terms_in(*texts: str | None, terms: Iterable[str] | None = None) -> list[str]:
    """The protected-activity terms found in ``texts``, each once, in configured order."""
    joined = "\n".join(t or "" for t in texts)
    found: list[str] = []
    for term in current_app.config["PROTECTED_ACTIVITY_TERMS"] if terms is None else terms:
        if term.strip() and term not in found and _pattern(term).search(joined):
            found.append(term)
    return found
