"""iCalendar files: one briefing, or a user's feed (cancellations as STATUS:CANCELLED)."""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, url_for
from icalendar import Calendar, Event

from flo_portal.briefings.models import Briefing, BriefingMode
from flo_portal.core.orm import utcnow


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//FLO Portal//Briefings//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    return cal


def briefing_event(b: Briefing) -> Event:
    event = Event()
    event.add("uid", b.ical_uid)
    event.add("dtstamp", utcnow())
    event.add("dtstart", b.starts_at)
    event.add("dtend", b.ends_at)
    event.add("summary", ("CANCELLED: " if b.is_cancelled else "") + b.title)
    event.add("sequence", b.sequence)
    event.add("status", "CANCELLED" if b.is_cancelled else "CONFIRMED")
    if b.updated_at:
        event.add("last-modified", b.updated_at)
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    link = base + url_for("briefings.detail", briefing_id=b.id)
    event.add("url", link)
    lines = [
        x
        for x in (
            b.topic and f"Topic: {b.topic}",
            b.presenter and f"Presenter: {b.presenter}",
        )
        if x
    ]
    if b.mode == BriefingMode.VIRTUAL:
        lines.append(f"Join: {b.join_url}")
        event.add("location", b.join_url)
    else:
        event.add("location", b.location)
    if b.description:
        lines.append(b.description)
    lines.append(link)
    event.add("description", "\n".join(lines))
    return event


def calendar_bytes(briefings: Iterable[Briefing], name: str = "FLO briefings") -> bytes:
    cal = _calendar(name)
    for b in briefings:
        cal.add_component(briefing_event(b))
    return cal.to_ical()
