"""Every programme router, in the order the app includes them."""

from __future__ import annotations

from fastapi import APIRouter

from app.programmes.drawings import endpoints as drawings
from app.programmes.events import endpoints as events
from app.programmes.polls import endpoints as polls
from app.programmes.quizzes import endpoints as quizzes
from app.programmes.reviews import endpoints as reviews

ROUTERS: tuple[APIRouter, ...] = (
    events.router,
    quizzes.router,
    polls.router,
    drawings.router,
    reviews.router,
    events.pages,
)
