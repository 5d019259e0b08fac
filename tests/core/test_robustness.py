"""Issue 10 item 11: no 500 from any input, 503 when the database is gone, and the
formula guard, production debug refusal."""

from __future__ import annotations

import pytest

from flo_portal.csv_export import csv_text, safe_cell


@pytest.mark.parametrize(
    "value",
    [
        "=1+1",
        "+1",
        "-1",
        "@SUM(A1)",
        "|cmd",
        "\tx",
        "\rx",
        "＝cmd|' /C calc'!A0",  # full-width equals sign
        "｜cmd",  # full-width vertical line
        "＋1",
        "－1",
        "＠SUM(A1)",
        "  =1+1",  # leading blanks are skipped by spreadsheets
    ],
)
def test_formula_cells_get_a_quote_including_full_width_forms(value):
    assert safe_cell(value) == "'" + value
    assert csv_text(["h"], [[value]]).splitlines()[1].lstrip('"').startswith("'")


@pytest.mark.parametrize("value", ["Alpha PD", "ｆｕｌｌ width", "2025-01-06", "a=b", ""])
def test_ordinary_cells_are_left_alone(value):
    assert safe_cell(value) == value


def _production(monkeypatch):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SQLALCHEMY_DATABASE_URI", "postgresql+psycopg://x@h/db")
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "k" * 40)
    return ProductionConfig


def test_production_refuses_flask_debug(monkeypatch):
    from flo_portal import create_app

    config = _production(monkeypatch)
    monkeypatch.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="debug on"):
        create_app(config)
    monkeypatch.delenv("FLASK_DEBUG")
    with pytest.raises(RuntimeError, match="debug on"):
        create_app(config, DEBUG=True)
    app = create_app(config)  # without debug it starts
    assert not app.debug
