"""Parts several events carry (findings, reservations), as JSON and as links."""

from __future__ import annotations

from shipshape.domain.catalogue.base import (
    RESERVATION,
    SITE,
    Link,
    at_site,
    items,
    line_ref,
    ref,
)
from shipshape.domain.findings import Finding
from shipshape.domain.inventory import Reservation


def finding_json(finding: Finding) -> dict[str, object]:
    return {
        "code": finding.code, "severity": finding.severity.value, "kind": finding.kind.value,
        "message": finding.message, "owner_team": finding.owner_team,
        "line_nos": list(finding.line_nos), "rule": finding.rule, "details": finding.details,
    }


def reservation_json(reservation: Reservation) -> dict[str, object]:
    return {"line_no": reservation.line_no, "site_id": reservation.site,
            "sku": reservation.sku, "quantity": reservation.quantity}


def reservation_links(order_id: str, entries: object, qualifier: str) -> list[Link]:
    """Per stored reservation (`line_no`, `site_id`): its line, itself and its site."""
    links: list[Link] = []
    for entry in items(entries):
        line_no, site = entry.get("line_no"), entry.get("site_id")
        links += [line_ref(order_id, line_no), at_site(RESERVATION, order_id, line_no, site,
                                                       qualifier), ref(SITE, site)]
    return links
