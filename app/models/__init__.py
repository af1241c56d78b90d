"""Table models and API schemas, one module per area."""

from app.models.auth import AuthSession, RefreshToken
from app.models.base import metadata  # first: sets the constraint naming convention
from app.models.library import Library
from app.models.member import Member

__all__ = ["AuthSession", "Library", "Member", "RefreshToken", "metadata"]
