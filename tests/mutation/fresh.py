"""A pytest plugin for `make mutation`: what the app makes once per process is made afresh.

Statements the hot paths build on first use are kept by `functools.lru_cache`. mutmut runs
each mutant's tests in a process forked from one that has run the whole suite, so those
caches would hold what the unmutated code built, and no test could tell a wrong statement
from the right one. Emptying them as each test session starts makes each mutant build its
own.
"""

from __future__ import annotations

import functools
import sys
from typing import Any


def pytest_sessionstart(session: Any) -> None:
    for name, module in list(sys.modules.items()):
        if name != "app" and not name.startswith("app."):
            continue
        for value in list(vars(module).values()):
            if isinstance(value, functools._lru_cache_wrapper):
                value.cache_clear()
