"""Badges: the catalogue with who earned each, and creation with the reachability
check (the badge service's own) shown while staff type."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.console import queries
from app.console.web import (
    ConsoleLibrary,
    ConsoleRoute,
    ConsoleUser,
    ConsoleWriter,
    check_form,
    redirect,
    render,
    submit_form,
)
from app.core.problems import Problem
from app.deps import ClockDep, SessionDep
from app.models.badge import BadgeCreate, Icon, Metric, Period
from app.services import badges

router = APIRouter(prefix="/staff", route_class=ConsoleRoute, include_in_schema=False)
CRITERIA_ROWS = 3
METRICS: tuple[str, ...] = get_args(Metric)
PERIODS: tuple[str, ...] = get_args(Period)
ICONS: tuple[str, ...] = get_args(Icon)


class BadgeForm:
    def __init__(
        self,
        name: Annotated[str, Form(max_length=80)] = "",
        description: Annotated[str, Form(max_length=2000)] = "",
        icon: Annotated[str, Form(max_length=16)] = "medal",
        color: Annotated[str, Form(max_length=7)] = "#F2A900",
        bonus_points: Annotated[str, Form(max_length=10)] = "0",
        metric: Annotated[list[str], Form(max_length=CRITERIA_ROWS)] = [],  # noqa: B006
        target: Annotated[list[str], Form(max_length=CRITERIA_ROWS)] = [],  # noqa: B006
        period: Annotated[list[str], Form(max_length=CRITERIA_ROWS)] = [],  # noqa: B006
    ) -> None:
        rows = [
            {"metric": m, "target": t, "period": p or "all_time"}
            for m, t, p in zip(metric, target, period + [""] * len(metric), strict=False)
            if m and t
        ]
        self.values: dict[str, Any] = {
            "name": name,
            "description": description,
            "icon": icon,
            "color": color,
            "bonus_points": bonus_points or "0",
            "criteria": rows,
        }


def _page(
    request: Request,
    session: SessionDep,
    lib: Any,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    problem: Problem | None = None,
    status: int = 200,
) -> HTMLResponse:
    catalogue = badges.catalogue(session, lib.id or 0)
    values = values or {"icon": "medal", "color": "#F2A900", "bonus_points": 0, "criteria": []}
    rows = list(values.get("criteria", []))
    rows += [{"metric": "", "target": "", "period": "all_time"}] * (CRITERIA_ROWS - len(rows))
    return render(
        request,
        "badges.html",
        {
            "catalogue": catalogue,
            "holders": queries.holders(session, [b.id or 0 for b in catalogue]),
            "values": values,
            "rows": rows,
            "errors": errors or {},
            "problem": problem,
            "metrics": METRICS,
            "periods": PERIODS,
            "icons": ICONS,
            "done": request.query_params.get("done"),
        },
        status=status,
    )


@router.get("/badges")
def list_badges(
    request: Request, who: ConsoleUser, lib: ConsoleLibrary, session: SessionDep
) -> HTMLResponse:
    return _page(request, session, lib)


@router.post("/badges")
def create_badge(
    request: Request,
    who: ConsoleWriter,
    lib: ConsoleLibrary,
    session: SessionDep,
    clock: ClockDep,
    form: Annotated[BadgeForm, Depends()],
) -> Response:
    def page(errors: dict[str, str], problem: Problem | None, status: int) -> HTMLResponse:
        shown = errors if problem is None else None  # a problem is shown above the form
        return _page(
            request, session, lib, values=form.values, errors=shown, problem=problem, status=status
        )

    again = submit_form(
        session,
        BadgeCreate,
        form.values,
        lambda data: badges.create(session, lib, data, clock.now()),
        page,
    )
    if isinstance(again, HTMLResponse):
        return again
    return redirect("/staff/badges?done=created")


@router.post("/badges/check")
def check_badge(
    request: Request,
    who: ConsoleWriter,
    lib: ConsoleLibrary,
    session: SessionDep,
    clock: ClockDep,
    form: Annotated[BadgeForm, Depends()],
) -> HTMLResponse:
    """The badge service's verdict on the form as it stands (nothing is saved)."""
    return check_form(
        request,
        session,
        BadgeCreate,
        form.values,
        lambda data: badges.create(session, lib, data, clock.now()),
    )
