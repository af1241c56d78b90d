"""Use cases: each function takes a session and plain inputs; the request commits."""
