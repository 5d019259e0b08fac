"""Where we may send a browser after an action: our own pages only."""

from __future__ import annotations

from urllib.parse import urlsplit


def local_path(target: str | None) -> str | None:
    """``target`` when it is a path on this site, else None.

    Refuses schemes, hosts, protocol-relative and backslash forms, and any control
    character (a tab or newline after the slash would otherwise smuggle ``//host``
    past a prefix check, or break the Location header).
    """
    if not target or len(target) > 2000:
        return None
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target
