"""Packaging: pyproject.toml names every package, maps templates, static files and
migrations into the wheel, and takes its version from flo_portal.__version__."""

from __future__ import annotations

import tomllib
from pathlib import Path

import config
from flo_portal import __version__

ROOT = Path(__file__).resolve().parents[2]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_on_disk_is_in_the_wheel():
    on_disk = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "flo_portal").rglob("__init__.py")
    }
    declared = set(SETUPTOOLS["packages"])
    assert on_disk - declared == set(), "add the new package to pyproject.toml"
    assert {"flo_portal.templates", "flo_portal.static", "flo_portal.migrations"} <= declared


def test_templates_static_and_migrations_are_mapped_and_included():
    for package, folder in SETUPTOOLS["package-dir"].items():
        assert (ROOT / folder).is_dir()
        assert SETUPTOOLS["package-data"][package] == ["**/*"]
    assert set(SETUPTOOLS["py-modules"]) == {"config", "wsgi"}


def test_the_version_comes_from_the_package():
    assert SETUPTOOLS["dynamic"]["version"] == {"attr": "flo_portal.__version__"}
    assert __version__.count(".") == 2
    assert f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text()


def test_config_finds_the_assets_in_the_repository():
    assert config.FROM_SOURCE and (config.BASE_DIR / "templates" / "layouts").is_dir()
