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


def test_a_form_with_required_fields_says_what_the_asterisk_means(client, login_as):
    """USWDS form templates: one note before the first field, only where a field is required."""
    from flo_portal.security.permissions import Role

    login_as(Role.LIAISON_OFFICER)
    html = client.get("/sar/new").get_data(as_text=True)
    note = html.index('class="form-text mb-2 required-note"')
    assert 'class="form-label required"' in html[note:]  # the note comes before the fields
    assert 'Fields marked <span class="text-danger">*</span> are required.' in html
    assert html.count("required-note") == 1
    login_as(Role.ANALYST)
    form = client.get("/products/new").get_data(as_text=True)
    assert form.count("required-note") == 1
    login_as(Role.LIAISON_OFFICER)
    prefs = client.get("/notifications/preferences").get_data(as_text=True)
    assert "required-note" not in prefs  # nothing on it is required
