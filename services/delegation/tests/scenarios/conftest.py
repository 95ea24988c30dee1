"""The scenarios run on the API tests' portal: the delegation service on a fresh SQLite database."""

from ..api.conftest import portal  # noqa: F401  (the fixture, shared with tests/api)
