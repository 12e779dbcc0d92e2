"""Small, readable test data: one distributor, one customer, one order."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from shipshape.adapters.channels.canonical import (
    CarrierIn,
    CustomerIn,
    ItemIn,
    PriceIn,
    SiteIn,
    StockMovementIn,
)
from shipshape.bootstrap import Container
from shipshape.services import masterdata as md

VALID_GTIN = "00012345600012"
SHIP_DATE = (date.today() + timedelta(days=14)).isoformat()
"""A requested ship date two weeks ahead: never in the past, whenever the tests run."""


def order(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "channel": "web", "external_id": "W-1", "customer_id": "C1", "customer_po": "PO-1",
        "requested_ship_date": SHIP_DATE,
        "ship_to": {"name": "Acme Dallas", "line1": "1 Main St", "city": "Dallas",
                    "region": "TX", "postal_code": "75201", "country": "US"},
        "carrier_service": "UPS:GND",
        "lines": [{"line_no": 1, "sku": "SKU1", "quantity": 2, "unit_price": "10.00",
                   "uom": "EA"}],
    }
    body.update(overrides)
    return body


def seed_distributor(container: Container, stock: dict[tuple[str, str], int] | None = None,
                     **customer: Any) -> None:
    """Two sites, one customer C1, items SKU1 and SKU2 with contract prices, UPS ground."""
    deps = container.deps
    md.upsert(deps, [
        SiteIn(name="Dallas DC", country="US", postal_code="75201").to_domain("DAL"),
        SiteIn(name="Atlanta DC", country="US", postal_code="30301").to_domain("ATL"),
        CustomerIn(**{"name": "Acme", "credit_limit": "100000", "preferred_site": "DAL",
                      **customer}).to_domain("C1"),
        ItemIn(description="Gloves", gtin=VALID_GTIN, weight_kg="1.0").to_domain("SKU1"),
        ItemIn(description="Masks", weight_kg="0.5").to_domain("SKU2"),
        PriceIn(unit_price="10.00", tolerance_pct="2").to_domain("C1", "SKU1"),
        PriceIn(unit_price="5.00", tolerance_pct="2").to_domain("C1", "SKU2"),
        CarrierIn(name="UPS", services=[{"code": "GND", "max_weight_kg": "70",
                                         "countries": ["US"]}]).to_domain("UPS"),
    ])
    levels = stock if stock is not None else {("DAL", "SKU1"): 100, ("DAL", "SKU2"): 100}
    md.receive(deps, [StockMovementIn(site_id=site, sku=sku, quantity=qty).to_domain()
                      for (site, sku), qty in levels.items() if qty > 0])


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def post_order(client: TestClient, token: str, body: dict[str, Any],
               key: str | None = None) -> Any:
    headers = auth(token)
    if key:
        headers["Idempotency-Key"] = key
    return client.post("/api/v1/orders", json=body, headers=headers)
