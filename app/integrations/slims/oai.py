"""OAI-PMH harvest of a SLiMS catalogue (`oai_dc`), one page (one request) at a time,
so an import can store the resumption token after each page and resume there."""

from __future__ import annotations

import requests
from lxml import etree
from sickle import Sickle
from sickle.models import Record

from app.integrations.slims.records import CatalogueRecord, Page, source_id_of

OAI_NS = "{http://www.openarchives.org/OAI/2.0/}"
TIMEOUT_SECONDS = 30


class HarvestError(Exception):
    """The endpoint could not be harvested (unreachable, not OAI-PMH, an OAI error)."""


class BadResumptionToken(HarvestError):
    """The stored token is no longer accepted: harvest again from the high-water mark."""


def _first(values: list[str] | None) -> str:
    return (values or [""])[0] or ""


def _record(item: Record) -> CatalogueRecord:
    sid = source_id_of(item.header.identifier or "")
    if item.deleted:
        return CatalogueRecord(source_id=sid, title="", deleted=True)
    meta: dict[str, list[str]] = item.metadata or {}
    identifiers = [v for v in meta.get("identifier", []) if v and "://" not in v]
    return CatalogueRecord(
        source_id=sid,
        title=_first(meta.get("title")),
        authors=tuple(a for a in meta.get("creator", []) if a),
        isbn_issn=" ".join(identifiers),
        topics=tuple(s for s in meta.get("subject", []) if s),
        language=_first(meta.get("language")) or None,
    )


def fetch_page(url: str, *, since: str | None, token: str | None) -> Page[CatalogueRecord]:
    """One ListRecords response: from `since` (a date) or continuing at `token`."""
    client = Sickle(url, max_retries=2, default_retry_after=2, timeout=TIMEOUT_SECONDS)
    params = {"verb": "ListRecords"}
    if token:
        params["resumptionToken"] = token
    else:
        params["metadataPrefix"] = "oai_dc"
        if since:
            params["from"] = since
    try:
        response = client.harvest(**params)
        xml = response.xml
    except (requests.RequestException, etree.XMLSyntaxError, ValueError) as exc:
        raise HarvestError(f"the OAI-PMH endpoint could not be read: {exc}") from exc
    page: Page[CatalogueRecord] = Page()
    page.mark = (xml.findtext(f"{OAI_NS}responseDate") or "").strip()[:40] or None
    error = xml.find(f".//{OAI_NS}error")
    if error is not None:
        code = error.get("code", "")
        if code == "noRecordsMatch":
            return page
        if code == "badResumptionToken":
            raise BadResumptionToken(error.text or code)
        raise HarvestError(f"the OAI-PMH endpoint answered {code}: {error.text or ''}".strip())
    if xml.find(f"{OAI_NS}ListRecords") is None:
        raise HarvestError("the endpoint's answer is not an OAI-PMH ListRecords response")
    for element in xml.iterfind(f".//{OAI_NS}record"):
        try:
            page.records.append(_record(Record(element)))
        except (AttributeError, TypeError, ValueError) as exc:
            ident = element.findtext(f".//{OAI_NS}identifier") or "?"
            page.broken.append((source_id_of(ident), f"unreadable record: {exc}"))
    next_token = (xml.findtext(f".//{OAI_NS}resumptionToken") or "").strip()
    page.next_position = next_token or None
    return page
