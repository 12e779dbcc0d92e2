"""The order responses (855 / ORDRSP content) of orders just taken, from the intake's results.

The acceptance decision says what was reserved, which lines were rejected and, for an order
held for partial availability, what each line has available. An order held only for reasons
of its own lines (an unknown item, a shortage) gets its other lines' availability read from
the stock positions in the same unit of work, so an in-stock line is answered `IA` and a short
one `IA` + `IB`; an order held for an order-level reason (credit, price, duplicate...) is
answered `IH` per line. A backordered rest is dated when stock is assumed back (`Replenishment`:
today + the replenishment days, the customer's own where set), not before the requested ship
date; with 0 days it carries no date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date

from shipshape.domain import order_response as orr
from shipshape.domain.findings import Finding, Kind, Severity
from shipshape.domain.orders import OrderDraft
from shipshape.domain.replenishment import Replenishment
from shipshape.services.intake import IntakeResult, SubmitOrder
from shipshape.services.ports import UnitOfWork

TAKEN = frozenset({"accepted", "held"})
LINE_LEVEL_HOLDS = orr.REJECTING_CODES | {orr.SHORTAGE_CODE}


def order_responses(uow: UnitOfWork, commands: Sequence[SubmitOrder],
                    results: Sequence[object], today: date,
                    replenishment: Replenishment | None = None) -> list[orr.OrderResponse]:
    """One response per command, in order."""
    return [order_response_for(uow, command.draft, result, today, replenishment=replenishment)
            for command, result in zip(commands, results, strict=True)]


def order_response_for(uow: UnitOfWork, draft: OrderDraft, result: object, today: date,
                       requested: Mapping[int, int] | None = None,
                       replenishment: Replenishment | None = None) -> orr.OrderResponse:
    """`requested`: per line, the quantity the partner sent where the order was taken with
    another (an amendment, a split), which makes the line `IQ`. `replenishment`: when stock is
    assumed back, which dates a backordered rest (none: no date)."""
    lines = tuple(orr.OrderedLine(line.line_no, line.sku, line.quantity or 0,
                                  line.uom or orr.DEFAULT_UOM,
                                  (requested or {}).get(line.line_no))
                  for line in draft.lines)
    base = orr.ResponseFacts(None, draft.customer_po, draft.release_number, lines)
    if not isinstance(result, IntakeResult) or result.status not in TAKEN:
        return orr.order_response(replace(base, refused=True))
    findings = [_finding(raw) for raw in _list(result.body.get("findings"))]
    facts = replace(base, order_id=str(result.body.get("order_id") or "") or None,
                  rejected=orr.rejected_lines(findings),
                  reserved=_reserved(result.body.get("reservations")))
    if result.status == "accepted":
        return orr.order_response(replace(facts, ship_date=_ship_date(draft, today)))
    expected = (replenishment or Replenishment()).expected_on(today, draft.customer_id)
    return orr.order_response(replace(
        facts, available=_available(uow, lines, findings),
        backorder_date=orr.backorder_ship_date(draft.requested_ship_date, expected)))


def _available(uow: UnitOfWork, lines: tuple[orr.OrderedLine, ...],
               findings: Sequence[Finding]) -> dict[int, int]:
    """What each line of a held order has available, when only its lines hold it."""
    blocking = {f.code for f in findings if f.blocks}
    if not blocking <= LINE_LEVEL_HOLDS:
        return {}
    if orr.SHORTAGE_CODE in blocking:
        return orr.available_from_shortage(findings)
    skus = {line.sku for line in lines}
    by_sku: dict[str, int] = {}
    for position in uow.inventory.positions(skus, lock=False):
        by_sku[position.sku] = by_sku.get(position.sku, 0) + max(position.available, 0)
    return orr.available_by_line(lines, by_sku)


def _ship_date(draft: OrderDraft, today: date) -> date:
    """An accepted order ships on the later of its requested ship date and today."""
    requested = draft.requested_ship_date
    return max(requested, today) if requested else today


def _reserved(raw: object) -> dict[int, int]:
    reserved: dict[int, int] = {}
    for entry in _list(raw):
        line_no, quantity = entry.get("line_no"), entry.get("quantity")
        if isinstance(line_no, int) and isinstance(quantity, int):
            reserved[line_no] = reserved.get(line_no, 0) + quantity
    return reserved


def _list(raw: object) -> list[Mapping[str, object]]:
    return [entry for entry in raw if isinstance(entry, Mapping)] if isinstance(raw, list) else []


def _finding(raw: Mapping[str, object]) -> Finding:
    line_nos = raw.get("line_nos")
    details = raw.get("details")
    return Finding(
        code=str(raw.get("code") or ""),
        severity=Severity.BLOCK if raw.get("severity") == Severity.BLOCK.value else Severity.WARN,
        kind=Kind.BUSINESS, message=str(raw.get("message") or ""),
        owner_team=str(raw.get("owner_team") or ""),
        line_nos=tuple(n for n in line_nos if isinstance(n, int))
        if isinstance(line_nos, list) else (),
        details=dict(details) if isinstance(details, Mapping) else {})
