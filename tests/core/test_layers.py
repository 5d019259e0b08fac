"""The import layers of ARCHITECTURE.md, checked on the source (``ast``, no import runs):

(a) ``flo_portal/core/`` imports no other ``flo_portal`` package;
(b) nothing outside ``flo_portal/api/`` imports ``flo_portal.api`` (the app factory's one
    justified use is listed in ``API_IMPORT_EXCEPTIONS``);
(c) no feature imports another feature's ``routes`` or ``forms``: features use each
    other through their models, services, policies and queries.

Every import counts, also one inside a function (a lazy import is still a dependency).
An edge is written ``"<file> -> <module>"``.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "flo_portal"

# (b) Justified exceptions, each with its reason. Keep this list short.
API_IMPORT_EXCEPTIONS: set[str] = set()  # none: the error body is core's

# Violations that exist today in code owned by other branches of issue 11.
# To be removed by the i11 merges: each entry goes when its branch stops importing it
# (the test fails on an entry that no longer occurs, so this set only shrinks).
KNOWN: set[str] = set()  # emptied by the issue-11 merges; keep it empty


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every flo_portal module ``path`` imports (``from m import x`` gives m and m.x)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, *([node.module] if node.module else [])])
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "flo_portal" or name.startswith("flo_portal.")}


def _edges() -> list[tuple[str, tuple[str, ...], str]]:
    """(file relative to the repository, its path parts under flo_portal, imported module)."""
    edges = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).as_posix()
        parts = path.relative_to(PACKAGE).parts
        edges.extend((rel, parts, name) for name in _imports(path))
    return edges


def _layer_violations() -> set[str]:
    found: set[str] = set()
    for rel, parts, name in _edges():
        target = name.split(".")
        own = parts[0] if len(parts) > 1 else None  # None: a top-level module
        # (a) core depends on nothing else of the portal.
        if own == "core" and len(target) > 1 and target[1] != "core":
            found.add(f"{rel} -> {'.'.join(target[:3])}")
        # (b) only the API imports the API.
        if own != "api" and len(target) > 1 and target[1] == "api":
            found.add(f"{rel} -> {'.'.join(target[:3])}")
        # (c) a feature never imports another feature's routes or forms.
        if (
            own is not None
            and len(target) > 2
            and target[1] != own
            and target[2] in {"routes", "forms"}
        ):
            found.add(f"{rel} -> {'.'.join(target[:3])}")
    return found


def test_the_scanner_sees_the_imports_it_must():
    """The rules are only as good as the scan: it finds relative and lazy imports."""
    edges = {(rel, name) for rel, _parts, name in _edges()}
    assert ("flo_portal/admin/routes.py", "flo_portal.admin.services") in edges
    assert ("flo_portal/__init__.py", "flo_portal.core.errors") in edges  # inside a function


def test_import_layers_hold():
    violations = _layer_violations() - API_IMPORT_EXCEPTIONS
    new = sorted(violations - KNOWN)
    assert not new, "import-layer rules broken (see tests/core/test_layers.py):\n" + "\n".join(new)


def test_known_violations_are_still_real():
    """An entry of KNOWN (or an exception) that no longer occurs is removed, so the list
    only shrinks."""
    found = _layer_violations()
    gone = sorted((KNOWN | API_IMPORT_EXCEPTIONS) - found)
    assert not gone, "no longer imported; remove from tests/core/test_layers.py:\n" + "\n".join(
        gone
    )
