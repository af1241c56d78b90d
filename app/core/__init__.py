"""Cross-cutting pieces: settings, database, clock, security, problems, pagination."""
