"""Supply chain: every package the code imports is declared in pyproject.toml, and every
declared package is pinned with hashes in the lock files."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
FIRST_PARTY = {"flo_portal", "config", "wsgi", "tests", "bench", "migrations"}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", re.split(r"[\[=<>~!; ]", name, maxsplit=1)[0]).lower()


def _declared(*extras: str) -> set[str]:
    names = [*PYPROJECT["project"]["dependencies"]]
    for extra in extras:
        names += PYPROJECT["project"]["optional-dependencies"][extra]
    return {_norm(n) for n in names}


def _imported_top_levels(paths: list[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found - FIRST_PARTY - set(sys.stdlib_module_names)


def _undeclared(paths: list[Path], declared: set[str]) -> dict[str, list[str]]:
    dists = packages_distributions()
    missing = {}
    for module in sorted(_imported_top_levels(paths)):
        owners = {_norm(d) for d in dists.get(module, [module])}
        if not owners & declared:
            missing[module] = sorted(owners)
    return missing


def test_the_app_imports_only_declared_runtime_packages():
    paths = [*(ROOT / "flo_portal").rglob("*.py"), ROOT / "config.py", ROOT / "wsgi.py"]
    paths += [*(ROOT / "migrations").rglob("*.py")]
    assert _undeclared(paths, _declared()) == {}


def test_tests_and_benchmarks_import_only_declared_packages():
    paths = [*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]
    assert _undeclared(paths, _declared("test")) == {}


def _locked(lock: str) -> dict[str, str]:
    text = (ROOT / lock).read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, flags=re.M))
    blocks = re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text.split("\n", 7)[-1])
    for block in blocks:
        if "==" in block.split("\n")[0]:
            assert "--hash=sha256:" in block, f"{lock}: no hash for {block.split()[0]}"
    return {_norm(k): v for k, v in pins.items()}


def test_every_declared_package_is_pinned_with_hashes_in_the_locks():
    runtime = _locked("requirements.lock")
    assert _declared() - set(runtime) == set()
    for dep in PYPROJECT["project"]["dependencies"]:
        if "==" in dep:
            name, version = _norm(dep), dep.split("==")[1].split()[0]
            assert runtime[name] == version, f"{name}: pyproject {version}, lock {runtime[name]}"
    test = _locked("requirements-test.lock")
    assert _declared("test") - set(test) == set()
    assert all(test[name] == version for name, version in runtime.items() if name in test)
