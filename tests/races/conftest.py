"""The live-server harness of `tests/test_concurrency.py`, for the race tests here."""

from tests.test_concurrency import live, now_factory, server  # noqa: F401  (fixtures)
