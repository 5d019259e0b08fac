"""The frame of every page: the center's name and logo from configuration, a favicon."""

from __future__ import annotations


def test_the_center_name_and_logo_come_from_configuration(second_app):
    app = second_app(CENTER_NAME="Lakeshore Regional Fusion Center", CENTER_LOGO="img/ours.svg")
    html = app.test_client().get("/auth/login").get_data(as_text=True)
    assert "<title>" in html and "· Lakeshore Regional Fusion Center</title>" in html
    assert 'src="/static/img/ours.svg"' in html
    assert "Lakeshore Regional Fusion Center · FLO Portal" in html  # the footer


def test_every_page_has_the_favicon_and_the_default_logo_exists(client, app):
    html = client.get("/auth/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    for path in ("/static/favicon.svg", "/static/" + app.config["CENTER_LOGO"]):
        with client.get(path) as response:  # closes the file it streamed
            assert response.status_code == 200 and response.mimetype == "image/svg+xml"
            assert b"<svg" in response.data
