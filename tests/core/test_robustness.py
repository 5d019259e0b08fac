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


def _list_urls(app) -> list[str]:
    """Every GET page without URL arguments (the list pages among them)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint != "static"
        and "logout" not in rule.endpoint
    )


@pytest.mark.parametrize("role", ["coordinator", "admin"])
def test_no_page_value_gives_a_500_on_any_list(app, client, login_as, role):
    login_as(role)
    urls = _list_urls(app)
    assert "/roster/officers" in urls and "/audit/" in urls and len(urls) > 20
    failures = []
    for url in urls:
        for page in ("99999999999999999999", "-1", "abc", "0", "1e9", "9" * 5000):
            response = client.get(url, query_string={"page": page})
            if response.status_code >= 500:
                failures.append((url, page[:25], response.status_code))
    assert failures == []


def test_a_huge_page_is_an_empty_page_and_a_bad_one_is_page_one(client, login_as):
    from tests.factories import AgencyFactory

    login_as("coordinator")
    AgencyFactory(name="Zulu County Sheriff")
    from flo_portal.extensions import db

    db.session.commit()
    assert b"Zulu County Sheriff" in client.get("/agencies/?page=abc").data
    assert b"Zulu County Sheriff" in client.get("/agencies/?page=-1").data
    huge = client.get("/agencies/?page=99999999999999999999")
    assert huge.status_code == 200 and b"Zulu County Sheriff" not in huge.data
