"""The Partners pages: every trading partner with its EDI figures and the bars of its
acknowledgement rate (`GET /api/v1/partners`); one partner's figures, documents by type, open
EDI cases and the documents not acknowledged, rejected or awaiting, each with its case
(`/partners/{id}/dashboard`, `/partners/{id}/documents`), as the signed-in user may read them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

from nicegui import ui

from shipshape.console import partners_view as pv
from shipshape.console.client import Answer, ApiClient

PARTNER_SLOT = r"""
<q-td :props="props">
  <a :href="'/console/partners/' + encodeURIComponent(props.value)" class="text-primary">
    {{ props.value }}</a>
</q-td>"""
CASE_SLOT = r"""
<q-td :props="props">
  <a v-if="props.value" :href="'/console/cases/' + encodeURIComponent(props.value)"
     class="text-primary">{{ props.value }}</a>
</q-td>"""
PARTNER_COLUMNS = (
    ("partner_id", "Partner"), ("customer_id", "Customer"), ("documents_in", "In"),
    ("documents_out", "Out"), ("acknowledged", "Acknowledged"), ("rate", "Ack rate"),
    ("latency_p50", "Latency median"), ("latency_p90", "Latency p90"),
    ("rejected", "Rejected"), ("past_window", "Past window"), ("open_cases", "Open EDI cases"))
DOCUMENT_COLUMNS = (
    ("doc_type", "Type"), ("control_number", "Control number"), ("sent", "Sent (UTC)"),
    ("age", "Age"), ("due", "Due (UTC)"), ("case_id", "Case"), ("case", "Case status"))
CASE_COLUMNS = (
    ("case_id", "Case"), ("code", "Code"), ("document", "Document"), ("opened", "Opened (UTC)"),
    ("status", "Status"), ("message", "What is wrong"))
WRAPPED = {"message": "white-space: normal; min-width: 24rem"}
"""Columns of long text, wrapped within the table's width."""


async def partners_list(client: ApiClient) -> None:
    answer = await client.get("/partners", {"limit": str(pv.PARTNER_PAGE)})
    if not _ok(answer):
        return
    partners: list[Mapping[str, Any]] = answer.data.get("partners", [])
    if not partners:
        ui.label("No trading partner is configured (shipshape partners load FILE).")
        return
    shown = f"showing {len(partners)}" if len(partners) < answer.data["total"] else "all shown"
    ui.label(f"{answer.data['total']} trading partners, {shown}; figures as of "
             f"{pv.when(answer.data.get('at'))} UTC").props('data-testid="partners-total"')
    with ui.card().classes("w-full"):
        ui.label("Acknowledgement rate by partner").classes("text-subtitle1")
        ui.html(pv.rate_bars(partners)).props('data-testid="ack-rate-bars"')
    table = _table("partners", [pv.partner_row(p) for p in partners], PARTNER_COLUMNS,
                   "partner_id")
    table.add_slot("body-cell-partner_id", PARTNER_SLOT)


async def partner_detail(client: ApiClient, partner_id: str) -> None:
    answer = await client.get(f"/partners/{quote(partner_id)}/dashboard")
    if not _ok(answer):
        return
    figures: Mapping[str, Any] = answer.data
    with ui.row().classes("items-center gap-4"):
        ui.link("All partners", "/partners")  # ui.link puts /console before it
        if figures.get("customer_id"):
            ui.link(f"Orders of customer {figures['customer_id']}",
                    f"/orders?customer_id={quote(str(figures['customer_id']))}")
        ui.label(f"figures as of {pv.when(figures.get('at'))} UTC").classes("text-grey-8")
    with ui.row().classes("gap-4"):
        for name, label, value in pv.headlines(figures):
            with ui.card().classes("min-w-[10rem]"):
                ui.label(label).classes("text-grey-8")
                ui.label(value).classes("text-h6").props(f'data-testid="figure-{name}"')
    with ui.row().classes("w-full gap-6 items-start"):
        with ui.card():
            ui.label("Acknowledgement rate").classes("text-subtitle1")
            ui.html(pv.rate_bars([figures])).props('data-testid="ack-rate-bars"')
        with ui.card():
            ui.label("Documents by type").classes("text-subtitle1")
            _table("documents-by-type", pv.documents_by_type(figures),
                   (("doc_type", "Type"), ("in", "In"), ("out", "Out")), "doc_type")
    ui.label("Open EDI cases").classes("text-subtitle1")
    cases = [pv.case_row(case) for case in figures.get("cases") or []]
    if cases:
        _table("partner-cases", cases, CASE_COLUMNS, "case_id").add_slot(
            "body-cell-case_id", CASE_SLOT)
    else:
        ui.label("None.").props('data-testid="partner-cases"')
    for state, title, sort in pv.DOCUMENT_SECTIONS:
        await _documents(client, partner_id, state, title, sort)


async def _documents(client: ApiClient, partner_id: str, state: str, title: str,
                     sort: str) -> None:
    answer = await client.get(f"/partners/{quote(partner_id)}/documents", {
        "ack_state": state, "sort": sort, "limit": str(pv.DOCUMENT_PAGE)})
    with ui.column().classes("w-full gap-1").props(f'data-testid="section-{state}"'):
        if not _ok(answer):
            return
        rows = [pv.document_row(d) for d in answer.data.get("documents", [])]
        count = answer.data.get("total", len(rows))
        more = f", the first {len(rows)} shown" if count > len(rows) else ""
        ui.label(f"{title}: {count}{more}").classes("text-subtitle1")
        if rows:
            _table(f"documents-{state}", rows, DOCUMENT_COLUMNS, "document_id").add_slot(
                "body-cell-case_id", CASE_SLOT)


def _table(name: str, rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]],
           key: str) -> ui.table:
    return ui.table(rows=[dict(row) for row in rows], row_key=key, columns=[
        {"name": field, "label": label, "field": field, "align": "left",
         **({"style": WRAPPED[field]} if field in WRAPPED else {})}
        for field, label in columns]).classes("w-full").props(f'dense data-testid="{name}"')


def _ok(answer: Answer) -> bool:
    if not answer.ok:
        ui.label(answer.error or "").classes("text-negative").props('data-testid="error"')
    return answer.ok
