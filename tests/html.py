"""Reading what a page hands its scripts."""

from __future__ import annotations

import html
import json
import re


def chart_spec(page: str, canvas_id: str) -> dict:
    """The ``data-chart`` spec of the canvas ``canvas_id`` (static/js/charts.js draws it)."""
    found = re.search(rf"<canvas id=\"{re.escape(canvas_id)}\"[^>]*data-chart='([^']*)'", page)
    assert found, f"no chart {canvas_id} on the page"
    return json.loads(html.unescape(found.group(1)))
