"""What the liveness and readiness probes answer."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class Health(BaseModel):
    status: Literal["ok"]


class Readiness(BaseModel):
    """The process and its database are ready (a 503 problem otherwise)."""

    status: Literal["ready"]
    database: Literal["ok"]
