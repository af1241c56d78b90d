"""Challenges: management, membership, progress from reading logs, and views."""
