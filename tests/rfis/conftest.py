import pytest


@pytest.fixture(autouse=True)
def _no_csrf(app):
    """RFI tests post forms directly (test_csrf_is_enforced turns CSRF on for itself);
    the previous setting is put back so other packages' tests see what they expect."""
    previous = app.config.get("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = previous
