"""Programmes around reading: events with check-in codes, quizzes and polls.

Each is a domain package (`events`, `quizzes`, `polls`) with its use cases in `service`
and its HTTP routes in `endpoints`; models live in `app.models.events` and
`app.models.quizzes`, the pure decisions (codes, windows, grading) and the ledger rule
codes in `app.scoring.programmes`.
"""
