"""Accounts that can't be abused: password rules, bounded hashing, throttling, resets,
and children's data that guardians control (consent, export, deletion)."""
