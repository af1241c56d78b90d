"""Every programme router, in the order the app includes them."""

from __future__ import annotations

from fastapi import APIRouter

from app.programmes.events import endpoints as events

ROUTERS: tuple[APIRouter, ...] = (events.router, events.pages)
