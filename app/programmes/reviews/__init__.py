"""Moderated book reviews with ratings, and feedback that can become testimonials."""
