"""The live-server fixtures of the concurrency suite, for the programmes' race tests."""

from tests.test_concurrency import live, now_factory, server  # noqa: F401
