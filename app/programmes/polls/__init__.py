"""Polls: one question, several options, one vote a member."""
