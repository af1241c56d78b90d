"""Integrations with the systems a library already runs (SLiMS, first)."""
