"""KPIs over a store of N orders: `kpi_report` (what `GET /api/v1/kpis` and `shipshape kpis`
run) in all, by day, as the dashboard asks (by day, stage and owner team) and by every
dimension at once, and one page of imperfect orders with the causes of their failures
(`GET /api/v1/kpis/orders`).

The store is synthetic and deterministic, written with bulk inserts (the KPIs read tables, not
how they were filled): N orders over 30 days from 50 customers in 4 segments and 4 channels, a
reservation and (for 90 %) a shipment at one of 3 sites, a tender each, perfect-order facts for
the 80 % delivered (with late, short, damaged and credited ones), an exception case for one
order in four (half of them closed, with rework minutes, expedited freight and invoice
correction), credit notes for 2 %, two `SystemCalled` and eight other events per order, and a
dead letter for 0.5 %. Each measure is the median of `--runs` calls after one warm-up.

Usage: python benchmarks/bench_kpis.py [--orders 20000] [--runs 5] [--backend sqlite]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from common import console, fresh_store, over_backends, print_table, write_json
from sqlalchemy import Engine, Table, insert

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.kpi_queries import kpi_report
from shipshape.adapters.db.kpi_sources import Window
from shipshape.adapters.db.perfect_order_failures import order_kpis
from shipshape.bootstrap import build
from shipshape.domain.kpis import Dimension

COLUMNS = ("backend", "measure", "orders", "cases", "events", "p50_ms", "min_ms", "max_ms")
START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
SITES = ("DAL", "ATL", "RNO")
SEGMENTS = ("grocery", "healthcare", "industrial", "retail")
CHANNELS = ("api", "web", "edi", "field_sales")
CASES = (  # code, stage, owner team, source system
    ("PARTIAL_AVAILABILITY", "allocate", "customer_service", "shipshape"),
    ("CREDIT_HOLD", "validate", "credit", "shipshape"),
    ("UNKNOWN_ITEM", "validate", "master_data", "shipshape"),
    ("SHORT_PICK", "execute", "warehouse", "wms"),
    ("DELIVERED_LATE", "ship", "customer_service", "tms"),
    ("DAMAGED_ON_DELIVERY", "ship", "customer_service", "tms"),
    ("CARRIER_TENDER_FAILED", "ship", "transport", "tms"),
    ("INVOICE_POST_FAILED", "invoice", "finance", "erp"),
)
BATCH = 5000
DASHBOARD = (Dimension.DAY, Dimension.STAGE, Dimension.OWNER_TEAM)
"""What the console's dashboard asks for."""


def chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), BATCH):
        yield rows[start:start + BATCH]


def fill(engine: Engine, count: int, seed: int = 17) -> dict[str, int]:
    """Write the synthetic store; how many rows of each kind."""
    rng = random.Random(seed)
    rows: dict[Table, list[dict[str, Any]]] = {table: [] for table in (
        t.customers, t.orders, t.reservations, t.shipments, t.tenders, t.perfect_orders,
        t.exception_cases, t.invoices, t.order_events, t.dead_letters)}
    for n in range(50):
        rows[t.customers].append({
            "id": f"C{n:03d}", "name": f"Customer {n}", "active": True,
            "segment": SEGMENTS[n % 4], "priority": "standard", "credit_limit": Decimal(10**9),
            "credit_hold": False, "payment_terms": "NET30", "allow_split": False,
            "allow_substitutes": False, "preferred_site": SITES[n % 3],
            "min_remaining_shelf_life_days": 0})
    for n in range(count):
        _order(rows, rng, n)
    with engine.begin() as conn:
        for table, found in rows.items():
            for part in chunks(found):
                conn.execute(insert(table), part)
    return {"orders": count, "cases": len(rows[t.exception_cases]),
            "events": len(rows[t.order_events])}


def _order(rows: dict[Table, list[dict[str, Any]]], rng: random.Random, n: int) -> None:
    order_id, customer = f"ord_{n:08d}", f"C{n % 50:03d}"
    created = START + timedelta(seconds=rng.randint(0, 30 * 86_400))
    site = SITES[rng.randrange(3)]
    rows[t.orders].append({
        "id": order_id, "channel": CHANNELS[n % 4], "external_id": f"B-{n}",
        "customer_id": customer, "customer_po": f"PO-{n}", "requested_ship_date": created.date(),
        "ship_to": {"city": "Dallas"}, "carrier_service": "UPS:GND", "status": "shipped",
        "value": Decimal("120.00"), "line_signature": f"{n:032d}", "content_hash": f"{n:064d}",
        "rule_version": "bench", "created_at": created, "updated_at": created,
        "promised_date": (created + timedelta(days=3)).date()})
    rows[t.reservations].append({"order_id": order_id, "line_no": 1, "site": site,
                                 "sku": "SKU1", "quantity": 5, "created_at": created})
    for kind in range(8):
        _event(rows, order_id, f"Event{kind}", created, {})
    if rng.random() < 0.9:
        _shipped(rows, rng, order_id, customer, site, created)
    if rng.random() < 0.25:
        _case(rows, rng, order_id, customer, site, created)
    if rng.random() < 0.005:
        rows[t.dead_letters].append({
            "consumer": "erp-order-mirror", "event_id": f"evt-dl-{n}", "subject": "x",
            "msg_key": order_id, "payload": "{}", "headers": {}, "system": "erp",
            "operation": "order_mirror", "error": "refused", "attempts": 4, "case_id": None,
            "status": "open", "created_at": created})


def _event(rows: dict[Table, list[dict[str, Any]]], order_id: str, kind: str, at: datetime,
           payload: dict[str, Any]) -> None:
    rows[t.order_events].append({
        "event_id": f"evt-{len(rows[t.order_events])}", "order_id": order_id,
        "stream": order_id, "type": kind, "payload": payload, "occurred_at": at})


def _shipped(rows: dict[Table, list[dict[str, Any]]], rng: random.Random, order_id: str,
             customer: str, site: str, created: datetime) -> None:
    shipped = created + timedelta(days=1)
    shipment_id = f"SHP-{order_id}"
    rows[t.shipments].append({
        "id": shipment_id, "order_id": order_id, "site": site, "ship_date": shipped.date(),
        "carrier_service": "UPS:GND", "source_event": "wms", "created_at": shipped})
    rows[t.tenders].append({"order_id": order_id, "attempt": 1, "carrier_service": "UPS:GND",
                            "outcome": "tendered", "at": shipped})
    for operation, system in (("order_mirror", "erp"), ("tracking", "tms")):
        _event(rows, order_id, "SystemCalled", shipped,
               {"system": system, "operation": operation})
    rows[t.invoices].append(_invoice(f"inv-{order_id}", "invoice", order_id, shipment_id,
                                     customer, shipped))
    if rng.random() < 0.02:
        rows[t.invoices].append(_invoice(f"crn-{order_id}", "credit_note", order_id,
                                         shipment_id, customer, shipped + timedelta(days=4)))
    if rng.random() < 0.8 / 0.9:
        delivered = shipped + timedelta(days=rng.choice((1, 1, 2, 2, 3, 5)))
        facts = {"on_time": delivered.date() <= (created + timedelta(days=3)).date(),
                 "in_full": rng.random() > 0.02, "damage_free": rng.random() > 0.02,
                 "invoiced_accurately": rng.random() > 0.02}
        rows[t.perfect_orders].append({
            "order_id": order_id, "customer_id": customer,
            "promised_by": (created + timedelta(days=3)).date(), "delivered": True,
            "delivered_at": delivered, **facts, "perfect": all(facts.values()),
            "updated_at": delivered})


def _invoice(invoice_id: str, kind: str, order_id: str, shipment_id: str, customer: str,
             at: datetime) -> dict[str, Any]:
    amount = Decimal("120.00") if kind == "invoice" else Decimal("12.50")
    return {"id": invoice_id, "kind": kind, "order_id": order_id, "shipment_id": shipment_id,
            "customer_id": customer, "status": "posted", "currency": "USD", "subtotal": amount,
            "freight": Decimal(0), "tax": Decimal(0), "total": amount, "paid": Decimal(0),
            "created_at": at, "updated_at": at}


def _case(rows: dict[Table, list[dict[str, Any]]], rng: random.Random, order_id: str,
          customer: str, site: str, created: datetime) -> None:
    code, stage, team, source = CASES[rng.randrange(len(CASES))]
    opened = created + timedelta(hours=rng.randint(0, 72))
    closed = rng.random() < 0.5
    rows[t.exception_cases].append({
        "id": f"exc-{order_id}", "code": code, "kind": "operational", "stage": stage,
        "source_system": source, "order_id": order_id, "line_nos": [], "site_id": site,
        "customer_id": customer, "customer_segment": SEGMENTS[int(customer[1:]) % 4],
        "severity": "block", "blocking": True, "owner_team": team,
        "sla_due_at": opened + timedelta(hours=24), "escalation_level": 0,
        "status": "resolved" if closed else "open",
        "resolved_at": opened + timedelta(minutes=rng.randint(5, 4000)) if closed else None,
        "cost_rework_minutes": rng.choice((0, 5, 15, 30)) if closed else 0,
        "cost_expedited_freight": Decimal(rng.choice(("0", "0", "25.50", "80"))),
        "cost_invoice_correction": Decimal(rng.choice(("0", "0", "0", "12.50"))),
        "rule_version": "bench", "message": code, "details": {}, "opened_at": opened,
        "queue": team, "priority": "standard", "occurrences": 1, "paused_s": 0})


def measure(backend: str, count: int, runs: int) -> list[dict[str, Any]]:
    with fresh_store(backend) as store:
        container = build(store.settings(), migrate=True)
        try:
            console.print(f"{backend}: writing {count:,} orders")
            sizes = fill(container.engine, count)
            window = Window()
            calls: dict[str, Callable[[], object]] = {
                "report, totals": lambda: kpi_report(container.engine, window, (), "USD"),
                "report, by day": lambda: kpi_report(container.engine, window,
                                                     (Dimension.DAY,), "USD"),
                "report, by day, stage, owner team (the dashboard)": lambda: kpi_report(
                    container.engine, window, DASHBOARD, "USD"),
                "report, by all 7 dimensions": lambda: kpi_report(
                    container.engine, window, tuple(Dimension), "USD"),
                "imperfect orders, page of 100": lambda: order_kpis(
                    container.engine, window, False, 100, 0),
            }
            return [{"backend": backend, "measure": name, **sizes, **timed(call, runs)}
                    for name, call in calls.items()]
        finally:
            container.close()


def timed(call: Callable[[], object], runs: int) -> dict[str, float]:
    call()  # warm-up: statements compiled, pages cached
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - started)
    return {"p50_ms": round(statistics.median(seconds) * 1000, 1),
            "min_ms": round(min(seconds) * 1000, 1), "max_ms": round(max(seconds) * 1000, 1)}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgres"))
    args = parser.parse_args(argv)
    rows, skips = over_backends("kpis", args.backend,
                                lambda backend: measure(backend, args.orders, args.runs))
    print_table(f"KPIs over {args.orders:,} orders: median of {args.runs} calls", rows,
                COLUMNS)
    payload = {"results": rows + skips, "orders": args.orders, "runs": args.runs}
    write_json("kpis", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
