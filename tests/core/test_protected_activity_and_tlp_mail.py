"""The one protected-activity detector and the one rule for marked text in e-mail."""

from __future__ import annotations

import pytest

from flo_portal.core import protected_activity
from flo_portal.core.tlp import Tlp, email_may_carry_text


def test_terms_match_whole_phrases_in_any_case_and_spacing(app):
    with app.app_context():
        terms = ["rally", "immigration status", "#occupy", "pro-life"]
        found = protected_activity.terms_in
        assert found("The protester left", terms=terms) == []
        assert found("a RALLY at noon", terms=terms) == ["rally"]
        assert found("their immigration \n  status", terms=terms) == ["immigration status"]
        # Terms that begin or end with punctuation still match as whole terms.
        assert found("posted #Occupy tonight", terms=terms) == ["#occupy"]
        assert found("a pro-life march", terms=terms) == ["pro-life"]
        assert found("#occupying the lot", terms=terms) == []
        # Each term once, in configured order, across several texts and None.
        assert found("pro-life rally", None, "rally", terms=terms) == ["rally", "pro-life"]


def test_the_configured_terms_are_the_default(app, monkeypatch):
    monkeypatch.setitem(app.config, "PROTECTED_ACTIVITY_TERMS", ["vigil"])
    with app.app_context():
        assert protected_activity.terms_in("a candle VIGIL") == ["vigil"]
        assert protected_activity.terms_in("a rally") == []


@pytest.mark.parametrize(
    ("tlp", "carries"),
    [
        (Tlp.CLEAR, True),
        (Tlp.GREEN, True),
        (Tlp.AMBER, False),
        (Tlp.AMBER_STRICT, False),
        (Tlp.RED, False),
        ("TLP:RED", False),
        ("TLP:GREEN", True),
        ("", False),
        ("TLP:WHITE", False),
    ],
)
def test_only_clear_and_green_text_may_leave_by_email(tlp, carries):
    assert email_may_carry_text(tlp) is carries
