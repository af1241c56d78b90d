"""The shared SQLModel metadata, with stable constraint names."""

from __future__ import annotations

from sqlmodel import SQLModel

from app.models.types import NAMING_CONVENTION

SQLModel.metadata.naming_convention = NAMING_CONVENTION

metadata = SQLModel.metadata
