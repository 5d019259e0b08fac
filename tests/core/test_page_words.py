"""Pages speak the reader's language: counts agree with their nouns, and internal codes
(``rfi.tasking``, ``privacy_review``) never reach the page."""

from __future__ import annotations

from flo_portal.core.display import code_label, plural, select_options
from flo_portal.core.extensions import db
from flo_portal.notifications.services import notify
from flo_portal.rfis.models import RfiStatus
from flo_portal.security.permissions import Role
from flo_portal.users.audience import Audience
from tests.rfis.helpers import submit


def test_plural_agrees_with_the_count():
    assert plural(1, "person") == "1 person"
    assert plural(2, "person") == "2 people"
    assert plural(0, "record") == "0 records"
    assert plural(None, "agency") == "0 agencies"
    assert plural(1, "agency") == "1 agency"
    assert plural(12_000, "officer") == "12,000 officers"
    assert plural(3, "named person", "named people") == "3 named people"


def test_select_options_mark_the_chosen_value_and_escape_labels(app):
    options = select_options([(1, "Ann & Co"), (2, "<b>Bo</b>")], 2)
    assert options == (
        '<option value="1" >Ann &amp; Co</option>'
        '<option value="2" selected>&lt;b&gt;Bo&lt;/b&gt;</option>'
    )
    rendered = app.jinja_env.from_string("{{ pairs|select_options(none) }}").render(
        pairs=[(3, "C")]
    )
    assert rendered == '<option value="3" >C</option>'  # not escaped a second time


def test_codes_become_words():
    assert code_label(RfiStatus.PRIVACY_REVIEW) == "Privacy review"
    assert code_label("privacy_approve") == "Privacy approve"
    assert code_label("rfi.tasking") == "Rfi tasking"
    assert code_label(None) == ""


def test_an_audience_counts_its_named_people_right():
    assert Audience(user_ids=[7]).describe() == "1 named person"
    assert Audience(user_ids=[7, 8]).describe() == "2 named people"


def test_the_notifications_page_names_the_kind_not_its_code(client, login_as):
    user = login_as()
    notify(user, "rfi.tasking", "New tasking", link="/rfis/1", email=False)
    db.session.commit()
    html = client.get("/notifications/").get_data(as_text=True)
    assert "New tasking" in html
    assert "rfi.tasking" not in html and "Requests for information" in html


def test_the_rfi_history_shows_words_not_codes(client, login_as, make_user):
    flo = make_user(Role.LIAISON_OFFICER)
    rfi = submit(flo)
    login_as(flo)
    html = client.get(f"/rfis/{rfi.id}").get_data(as_text=True)
    history = html.split("History", 1)[1]
    assert f"Submit → {rfi.status.label}" in history
    assert "submit →" not in history and "_review" not in history
