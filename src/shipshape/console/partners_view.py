"""What the Partners pages show of `GET /api/v1/partners`, `/partners/{id}/dashboard` and
`/partners/{id}/documents`, as pure functions of the API's answers: table rows, figures in words,
and the acknowledgement rate of each partner drawn as bars (inline SVG, nothing fetched)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from shipshape.console.view import duration

PARTNER_PAGE = 500
"""Partners listed at most (the list says when there are more)."""
DOCUMENT_PAGE = 50
DOCUMENT_SECTIONS = (
    ("missing", "Not acknowledged within the window", "created_at"),
    ("rejected", "Rejected by the partner", "-created_at"),
    ("awaiting", "Awaiting acknowledgement", "created_at"),
)
"""(ack_state, title, sort) of the partner page's document tables: the most pressing first,
the oldest of what is still outstanding first."""
GOOD, FAIR = 0.95, 0.80
"""An acknowledgement rate from GOOD up is drawn green, from FAIR amber, below red."""
COLOURS = {"good": "#2e7d32", "fair": "#f9a825", "poor": "#c62828", "track": "#e0e0e0",
           "text": "#212121"}
BAR = {"label": 150, "width": 300, "height": 18, "gap": 10, "value": 170}
"""The bars' geometry in pixels: the partner's name, the bar, the figure beside it."""


def total(counts: object) -> int:
    """How many documents a `{type: n}` mapping counts."""
    if not isinstance(counts, Mapping):
        return 0
    return sum(n for n in counts.values() if isinstance(n, int))


def rate_text(rate: object) -> str:
    return f"{rate * 100:.1f} %" if isinstance(rate, int | float) else "-"


def latency_text(seconds: object) -> str:
    return duration(seconds) if isinstance(seconds, int | float) else "-"


def acknowledged_text(figures: Mapping[str, Any]) -> str:
    expecting = figures.get("expecting_acknowledgement") or 0
    if not expecting:
        return "none expected"
    return f"{figures.get('acknowledged') or 0} of {expecting}"


def partner_row(figures: Mapping[str, Any]) -> dict[str, Any]:
    """One row of the Partners table."""
    documents = figures.get("documents") or {}
    return {
        "partner_id": figures.get("partner_id"), "customer_id": figures.get("customer_id") or "",
        "documents_in": total(documents.get("in")), "documents_out": total(documents.get("out")),
        "acknowledged": acknowledged_text(figures),
        "rate": rate_text(figures.get("acknowledgement_rate")),
        "latency_p50": latency_text(figures.get("latency_p50_s")),
        "latency_p90": latency_text(figures.get("latency_p90_s")),
        "rejected": figures.get("rejected") or 0,
        "past_window": figures.get("awaiting_past_window") or 0,
        "open_cases": total(figures.get("open_cases"))}


def headlines(figures: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(name, label, value in words) of the figures at the top of a partner's page."""
    row = partner_row(figures)
    return [(name, label, str(row[name])) for name, label in (
        ("documents_in", "Documents in"), ("documents_out", "Documents out"),
        ("rate", "Acknowledgement rate"), ("acknowledged", "Acknowledged"),
        ("latency_p50", "Latency, median"), ("latency_p90", "Latency, p90"),
        ("rejected", "Rejected"), ("past_window", "Past the window"),
        ("open_cases", "Open EDI cases"))]


def documents_by_type(figures: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Each document type with how many came in and went out."""
    documents = figures.get("documents") or {}
    received, sent = documents.get("in") or {}, documents.get("out") or {}
    return [{"doc_type": kind, "in": received.get(kind, 0), "out": sent.get(kind, 0)}
            for kind in sorted({*received, *sent})]


def when(moment: object) -> str:
    """An ISO 8601 moment to the minute: `2026-12-01 05:36`."""
    return str(moment or "")[:16].replace("T", " ")


def document_row(document: Mapping[str, Any]) -> dict[str, Any]:
    """One row of a partner page's document table."""
    return {
        "document_id": document.get("document_id"), "doc_type": document.get("doc_type"),
        "control_number": document.get("control_number"),
        "sent": when(document.get("created_at")), "age": latency_text(document.get("age_s")),
        "due": when(document.get("ack_due_at")) or "-",
        "case_id": document.get("case_id") or "",
        "case": " ".join(str(part) for part in (document.get("case_code"),
                                                document.get("case_status")) if part)}


def case_row(case: Mapping[str, Any]) -> dict[str, Any]:
    return {"case_id": case.get("case_id"), "code": case.get("code"),
            "document": " ".join(str(part) for part in (case.get("document"),
                                                        case.get("control_number")) if part),
            "opened": when(case.get("opened_at")), "status": case.get("status"),
            "message": case.get("message") or ""}


def rate_colour(rate: float) -> str:
    return COLOURS["good" if rate >= GOOD else "fair" if rate >= FAIR else "poor"]


def rate_bars(partners: Sequence[Mapping[str, Any]]) -> str:
    """An SVG of one bar per partner: the share of the documents expecting an acknowledgement
    that got one, coloured by how good it is, with the figure beside it in words."""
    step = BAR["height"] + BAR["gap"]
    width = BAR["label"] + BAR["width"] + BAR["value"]
    height = max(1, len(partners)) * step
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" '
             f'aria-label="Acknowledgement rate by partner" font-size="13">']
    for index, figures in enumerate(partners):
        parts.append(_bar(figures, index * step))
    parts.append("</svg>")
    return "".join(parts)


def _bar(figures: Mapping[str, Any], top: int) -> str:
    name = escape(str(figures.get("partner_id") or ""))
    rate = figures.get("acknowledgement_rate")
    middle = top + BAR["height"] * 0.75
    label = (f'<text x="0" y="{middle}" fill="{COLOURS["text"]}">{name}</text>'
             f'<rect x="{BAR["label"]}" y="{top}" width="{BAR["width"]}" '
             f'height="{BAR["height"]}" fill="{COLOURS["track"]}"/>')
    if not isinstance(rate, int | float):
        said = "no acknowledgement expected"
        return (f'<g><title>{name}: {said}</title>{label}<text x="{BAR["label"] + 6}" '
                f'y="{middle}" fill="{COLOURS["text"]}">{said}</text></g>')
    share = min(max(float(rate), 0.0), 1.0)
    said = f"{rate_text(rate)} ({acknowledged_text(figures)})"
    return (f'<g><title>{name}: {said}</title>{label}'
            f'<rect x="{BAR["label"]}" y="{top}" width="{round(BAR["width"] * share, 1)}" '
            f'height="{BAR["height"]}" fill="{rate_colour(share)}"/>'
            f'<text x="{BAR["label"] + BAR["width"] + 8}" y="{middle}" '
            f'fill="{COLOURS["text"]}">{escape(said)}</text></g>')
