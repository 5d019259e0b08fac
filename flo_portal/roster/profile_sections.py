"""Extra sections on an officer's profile, contributed by other features.

The RFI and briefing features register a provider::

    from flo_portal.roster.profile_sections import profile_section

    @profile_section
    def rfis_of_officer(viewer, officer) -> dict | None:
        return {"title": "RFIs", "items": [{"label": ..., "link": ..., "meta": ...}], "empty": "No RFIs."}

A provider applies its own policy (what ``viewer`` may see) and runs a fixed number of
queries (a LIMITed list), never one per row.
"""

from __future__ import annotations

from collections.abc import Callable

_PROVIDERS: list[Callable] = []


def profile_section(fn: Callable) -> Callable:
    _PROVIDERS.append(fn)
    return fn


def sections_for(viewer, officer) -> list[dict]:
    out = []
    for provider in _PROVIDERS:
        section = provider(viewer, officer)
        if section:
            out.append(section)
    return out
