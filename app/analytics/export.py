"""A report as a download: CSV (UTF-8 with a BOM, so Excel reads Indonesian text right)
or XLSX (openpyxl). Both hold the same header and rows as the API's `Report`."""

from __future__ import annotations

import csv
import io
import re

from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Font

from app.analytics.schemas import Report

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A cell a spreadsheet would run as a formula (CSV injection) is written as text.
_FORMULA = re.compile(r"^[=+\-@\t\r]")


def safe_cell(value: object) -> object:
    """The value as a spreadsheet cell that never runs as a formula."""
    if isinstance(value, str) and _FORMULA.match(value):
        return "'" + value
    return value


def attachment(body: bytes | str, media_type: str, name: str) -> Response:
    """A download named `name`."""
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def filename(report: Report, extension: str) -> str:
    return (
        f"bacaquest-{report.library}-{report.name}-"
        f"{report.period.start.isoformat()}-{report.period.end.isoformat()}.{extension}"
    )


def to_csv(report: Report) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(report.columns)
    for row in report.rows:
        writer.writerow(["" if v is None else safe_cell(v) for v in row])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def to_xlsx(report: Report) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has one sheet
    sheet.title = report.name[:31]
    sheet.append(report.columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in report.rows:
        sheet.append([safe_cell(v) for v in row])
    sheet.freeze_panes = "A2"
    for i, column in enumerate(report.columns, start=1):
        width = max([len(str(column))] + [len(str(r[i - 1] or "")) for r in report.rows])
        sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = min(
            60, width + 2
        )
    notes = book.create_sheet("about")
    notes.append([report.title])
    notes.append([f"{report.library}: {report.period.start} to {report.period.end}"])
    for note in report.notes:
        notes.append([note])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
