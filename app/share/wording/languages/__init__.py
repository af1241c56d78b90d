"""One module per language: each registers its share wording."""
