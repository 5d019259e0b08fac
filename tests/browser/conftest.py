"""Browser fixtures live in tests/browser/fixtures.py and are registered suite-wide
(tests/conftest.py: pytest_plugins), so feature folders can use them too."""
