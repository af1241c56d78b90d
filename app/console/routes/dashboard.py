"""The dashboard (this month at a glance, series against the previous period or the same
period last year, the reading-index panel, the social funnel, the top lists) and the
reports with CSV and XLSX downloads.
Every figure comes from app.analytics, called directly; nothing is counted here."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from app import analytics
from app.console.charts import Series, bar_chart, line_chart, number
from app.console.i18n import translator
from app.console.web import (
    ConsoleLibrary,
    ConsoleRoute,
    ConsoleUser,
    attempt,
    language_of,
    render,
)
from app.core.problems import Problem
from app.deps import ClockDep, FreshRollups, SessionDep
from app.models.library import Library

router = APIRouter(prefix="/staff", route_class=ConsoleRoute, include_in_schema=False)
CHART_METRICS = ("active_readers", "logs", "pages", "minutes")
REPORTS = ("status", "schools", "progress", "badges", "top_scores")
AgeGroupQuery = Annotated[str, Query(pattern="^(|kids|teens|adults)$")]
DateQuery = Annotated[str, Query(pattern=r"^(|\d{4}-\d{2}-\d{2})$")]
SchoolQuery = Annotated[str, Query(max_length=80)]
CompareQuery = Annotated[str, Query(pattern="^(|previous|last_year)$")]
# The top lists the dashboard shows beside the challenges' own figures, with the
# column each ranks by.
TOP_LISTS = (
    ("books_by_readers", "readers"),
    ("readers", "points"),
    ("schools_by_readers", "readers"),
    ("genres", "readers"),
    ("authors", "readers"),
    ("hashtags", "readers"),
)


def date_of(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise Problem(422, "validation", f"{text!r} is not a date.") from None


def _query(session: Session, scope: Any, start: str, end: str, age_group: str, school: str) -> Any:
    return analytics.query_for(
        session,
        scope,
        start=date_of(start),
        end=date_of(end),
        age_group=age_group or None,
        school=school.strip() or None,
    )


def _filters(
    start: DateQuery = "",
    end: DateQuery = "",
    age_group: AgeGroupQuery = "",
    school: SchoolQuery = "",
) -> dict[str, str]:
    """The dashboard's and the reports' filters, as the query sent them."""
    return {"start": start, "end": end, "age_group": age_group, "school": school}


Filters = Annotated[dict[str, str], Depends(_filters)]


def _series_chart(ts: Any, lang: str, index: int) -> dict[str, Any]:
    t = translator(lang)
    before = t("last_year_period" if ts.compare == "last_year" else "previous_period")
    labels = [p.start.strftime("%d/%m") for p in ts.points]
    current = [number(p.value) for p in ts.points]
    previous = [number(p.compare_value) for p in ts.points]
    title = t(f"metric_{ts.metric}")
    change = ts.change if isinstance(ts.change, float) else None
    description = t(
        "chart_desc_last_year" if ts.compare == "last_year" else "chart_desc",
        metric=title.lower(),
        start=ts.period.start.isoformat(),
        end=ts.period.end.isoformat(),
    )
    svg = line_chart(
        f"chart-{index}",
        title,
        description,
        labels,
        [Series(t("current_period"), current), Series(before, previous)],
    )
    return {
        "ts": ts,
        "title": title,
        "svg": svg,
        "change": change,
        "id": f"chart-{index}",
        "before": before,
    }


def _funnel_chart(funnel: Any, lang: str) -> dict[str, Any]:
    t = translator(lang)
    steps = [
        ("shares", funnel.shares),
        ("landing_views", funnel.unique_visitors),
        ("join_clicks", funnel.clicks),
        ("registrations", funnel.registrations),
    ]
    svg = bar_chart(
        "chart-funnel",
        t("funnel"),
        t("funnel_desc"),
        [t(k) for k, _ in steps],
        [float(v) for _, v in steps],
    )
    return {"svg": svg, "steps": steps, "funnel": funnel}


def _dashboard(
    session: Session,
    lib: Library,
    who: Any,
    lang: str,
    filters: dict[str, str],
    compare: str,
    now: Any,
) -> dict[str, Any]:
    scope = analytics.library_scope(lib, now, is_admin=who.is_admin)
    q = _query(session, scope, **filters)
    summary = analytics.summary(session, scope, q)
    charts = [
        _series_chart(analytics.timeseries(session, scope, q, m, "day", compare), lang, i)
        for i, m in enumerate(CHART_METRICS)
    ]
    plain = analytics.query_for(session, scope, start=q.start, end=q.end)
    live = [c for c in summary.challenges if c.starts_on <= scope.today <= c.ends_on]
    return {
        "summary": summary,
        "charts": charts,
        "index": analytics.reading_index(session, scope, q),
        "funnel": _funnel_chart(analytics.funnel(session, scope, plain), lang),
        "live": live,
        "tops": [(analytics.top(session, scope, q, n, 5), col) for n, col in TOP_LISTS],
        "top_challenges": sorted(
            summary.challenges,
            key=lambda c: -c.participants if isinstance(c.participants, int) else 0,
        )[:5],
    }


@router.get("")
def dashboard(
    _fresh: FreshRollups,
    request: Request,
    who: ConsoleUser,
    lib: ConsoleLibrary,
    session: SessionDep,
    clock: ClockDep,
    filters: Filters,
    compare: CompareQuery = "",
) -> HTMLResponse:
    lang = language_of(request)
    against = compare or "previous"
    figures, problem = attempt(
        session, lambda: _dashboard(session, lib, who, lang, filters, against, clock.now())
    )
    if problem is not None:
        figures, _ = attempt(
            session,
            lambda: _dashboard(
                session, lib, who, lang, _filters("", "", "", ""), against, clock.now()
            ),
        )
    return render(
        request,
        "dashboard.html",
        {**(figures or {}), "filters": filters, "compare": against, "problem": problem},
        status=problem.status if problem else 200,
    )


def _report(
    session: Session, lib: Library, who: Any, name: str, filters: dict[str, str], now: Any
) -> Any:
    scope = analytics.library_scope(lib, now, is_admin=who.is_admin)
    return analytics.report(session, scope, _query(session, scope, **filters), name)


ReportPath = Annotated[str, Path(pattern="^(status|schools|progress|badges|top_scores)$")]


@router.get("/reports")
def reports(
    _fresh: FreshRollups,
    request: Request,
    who: ConsoleUser,
    lib: ConsoleLibrary,
    session: SessionDep,
    clock: ClockDep,
    filters: Filters,
    name: Annotated[str, Query(pattern="^(status|schools|progress|badges|top_scores)$")] = "status",
) -> HTMLResponse:
    report, problem = attempt(
        session, lambda: _report(session, lib, who, name, filters, clock.now())
    )
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request,
        "reports.html",
        {
            "report": report,
            "name": name,
            "names": REPORTS,
            "filters": filters,
            "problem": problem,
            "download_query": query,
        },
        status=problem.status if problem else 200,
    )


@router.get("/reports/{name}.{fmt}")
def download_report(
    _fresh: FreshRollups,
    name: ReportPath,
    fmt: Annotated[str, Path(pattern="^(csv|xlsx)$")],
    who: ConsoleUser,
    lib: ConsoleLibrary,
    session: SessionDep,
    clock: ClockDep,
    filters: Filters,
) -> Response:
    report = _report(session, lib, who, name, filters, clock.now())
    filename = f"{lib.slug}-{name}-{report.period.start}-{report.period.end}.{fmt}"
    export = analytics.export
    if fmt == "csv":
        return export.attachment(export.to_csv(report), export.CSV_MEDIA_TYPE, filename)
    return export.attachment(export.to_xlsx(report), export.XLSX_MEDIA_TYPE, filename)
