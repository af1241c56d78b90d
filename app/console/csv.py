"""CSV downloads: UTF-8 with a BOM, so spreadsheet programs read Indonesian text right."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from fastapi.responses import Response

from app.analytics.export import CSV_MEDIA_TYPE, attachment, safe_cell


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return attachment("\ufeff" + out.getvalue(), CSV_MEDIA_TYPE, filename)
