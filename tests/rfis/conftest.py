import pytest


@pytest.fixture(autouse=True)
def _no_csrf(app):
    """RFI tests post forms directly; test_csrf_is_enforced turns CSRF back on."""
    app.config["WTF_CSRF_ENABLED"] = False
    yield
    app.config["WTF_CSRF_ENABLED"] = True
