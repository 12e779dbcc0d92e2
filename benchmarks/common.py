"""Shared helpers for the benchmarks: fresh stores, a sample distributor, orders, numbers.

Everything here is synthetic and deterministic (a private ``random.Random`` per call).
Speed is measured and printed, never asserted.
"""

from __future__ import annotations

import json
import os
import platform
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from shipshape.adapters.channels.bulk_files import read_masterdata
from shipshape.adapters.channels.canonical import OrderIn
from shipshape.bootstrap import Container, build, settle_heap
from shipshape.config import Settings
from shipshape.domain.orders import OrderDraft
from shipshape.services import masterdata as md

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"

POSTGRES_ADMIN = os.environ.get(
    "SHIPSHAPE_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
POSTGRES_SQLALCHEMY = "postgresql+psycopg://" + POSTGRES_ADMIN.split("://", 1)[1]

BACKENDS = ("sqlite", "postgres")
SITES = ("DAL", "ATL", "RNO")
SKU_COUNT = 500
CUSTOMER_COUNT = 50
STOCK_PER_POSITION = 10_000_000
CARRIER_SERVICE = "UPS:GND"
REQUESTED_SHIP_DATE = (date.today() + timedelta(days=14)).isoformat()

console = Console()
if not console.is_terminal:
    console.width = 160


class Unavailable(Exception):
    """A backend that cannot be reached; the benchmark prints the reason and skips it."""


# --------------------------------------------------------------------------- stores


@dataclass
class Store:
    """A fresh, empty database: its SQLAlchemy URL and what a raw driver needs to reach it."""

    backend: str
    url: str
    sqlite_path: Path | None = None
    pg_dsn: str | None = None
    schema: str | None = None

    def settings(self, **overrides: Any) -> Settings:
        return Settings(database_url=self.url, env="test", **overrides)


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else the reason it does not."""
    try:
        import psycopg

        psycopg.connect(POSTGRES_ADMIN, connect_timeout=3).close()
    except Exception as error:
        return f"PostgreSQL at {POSTGRES_ADMIN} is not reachable: {error}".strip()
    return None


@contextmanager
def fresh_store(backend: str) -> Iterator[Store]:
    """A SQLite file in a temporary folder, or a new PostgreSQL schema dropped afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="shipshape-bench-",
                                         dir=os.environ.get("BENCH_TMPDIR")) as folder:
            path = Path(folder) / "bench.db"
            yield Store("sqlite", f"sqlite:///{path}", sqlite_path=path)
        return
    reason = postgres_reachable()
    if reason:
        raise Unavailable(reason)
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield Store("postgres", f"{POSTGRES_SQLALCHEMY}?options=-csearch_path%3D{schema}",
                    pg_dsn=f"{POSTGRES_ADMIN}?options=-csearch_path%3D{schema}", schema=schema)
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")


@contextmanager
def seeded_container(store: Store, catalog: Catalog | None = None) -> Iterator[Container]:
    """A migrated container on the store, seeded with the sample distributor; the heap settled
    as every long-running process of Shipshape settles it once it has started (`settle_heap`),
    so the collector's full passes are timed as they are in `serve`."""
    container = build(store.settings(), migrate=True)
    try:
        seed(container, catalog or Catalog())
        settle_heap()
        yield container
    finally:
        container.close()


# --------------------------------------------------------------------------- master data


def _gtin(number: int) -> str:
    """A GTIN-14 with a correct GS1 check digit, so the GTIN control point really runs."""
    body = f"{10_000_000_000_00 + number:013d}"
    total = sum(int(d) * w for d, w in zip(reversed(body), (3, 1) * 7, strict=False))
    return body + str((10 - total % 10) % 10)


@dataclass
class Catalog:
    """The sample distributor: 3 sites, 500 SKUs, 50 customers with contract prices on all."""

    seed: int = 7
    sku_count: int = SKU_COUNT
    customer_count: int = CUSTOMER_COUNT
    skus: list[str] = field(init=False)
    customers: list[str] = field(init=False)
    prices: dict[tuple[str, str], Decimal] = field(init=False)

    def __post_init__(self) -> None:
        rng = random.Random(self.seed)
        self.skus = [f"SKU{n:05d}" for n in range(1, self.sku_count + 1)]
        self.customers = [f"C{n:03d}" for n in range(1, self.customer_count + 1)]
        base = {sku: Decimal(rng.randint(200, 9_000)) / 100 for sku in self.skus}
        self.prices = {
            (customer, sku): (base[sku] * Decimal(100 - (ci % 10)) / 100).quantize(Decimal("0.01"))
            for ci, customer in enumerate(self.customers) for sku in self.skus}

    def masterdata(self) -> dict[str, list[dict[str, Any]]]:
        """The JSON document `shipshape load` reads (sections as in cli/files.py)."""
        return {
            "sites": [{"id": s, "name": f"{s} DC", "country": "US", "postal_code": "75201"}
                      for s in SITES],
            "customers": [{"id": c, "name": f"Customer {c}", "credit_limit": "900000000000",
                           "preferred_site": SITES[i % len(SITES)], "payment_terms": "NET30",
                           "segment": "standard", "priority": ("strategic", "standard")[i % 2]}
                          for i, c in enumerate(self.customers)],
            "items": [{"sku": sku, "description": f"Item {sku}", "gtin": _gtin(i),
                       "weight_kg": "0.250"} for i, sku in enumerate(self.skus)],
            "prices": [{"customer_id": c, "sku": s, "unit_price": str(p), "tolerance_pct": "2"}
                       for (c, s), p in self.prices.items()],
            "carriers": [{"code": "UPS", "name": "UPS", "services": [
                {"code": "GND", "max_weight_kg": "100000", "countries": ["US"]}]}],
            "receipts": [{"site_id": site, "sku": sku, "quantity": STOCK_PER_POSITION}
                         for site in SITES for sku in self.skus],
        }

    def write_masterdata(self, path: Path) -> Path:
        path.write_text(json.dumps(self.masterdata()), encoding="utf-8")
        return path


def seed(container: Container, catalog: Catalog) -> None:
    """Load the catalog exactly as `shipshape load` would: upserts, then receipts."""
    with tempfile.TemporaryDirectory(prefix="shipshape-seed-") as folder:
        data = read_masterdata(catalog.write_masterdata(Path(folder) / "masterdata.json"))
    md.upsert(container.deps, data.records)
    md.receive(container.deps, data.receipts)


# --------------------------------------------------------------------------- orders


def order_bodies(catalog: Catalog, count: int, tag: str, lines: int = 3,
                 seed: int = 11) -> list[dict[str, Any]]:
    """`count` distinct orders as API bodies, every control point on and every one passing.

    Known customer, contract prices within tolerance, a carrier service that fits, a
    complete ship-to, a ship date; distinct POs and distinct line signatures.
    """
    rng = random.Random(f"{seed}:{tag}")
    bodies = []
    for i in range(count):
        customer = catalog.customers[i % len(catalog.customers)]
        skus = rng.sample(catalog.skus, lines)
        bodies.append({
            "channel": "api", "external_id": f"{tag}-{i}", "customer_id": customer,
            "customer_po": f"PO-{tag}-{i}", "requested_ship_date": REQUESTED_SHIP_DATE,
            "ship_to": {"name": f"Store {i}", "line1": f"{i} Main St", "city": "Dallas",
                        "region": "TX", "postal_code": "75201", "country": "US"},
            "carrier_service": CARRIER_SERVICE,
            "lines": [{"line_no": n, "sku": sku, "quantity": rng.randint(1, 9),
                       "unit_price": str(catalog.prices[(customer, sku)]), "uom": "EA"}
                      for n, sku in enumerate(skus, 1)],
        })
    return bodies


def drafts(bodies: Sequence[dict[str, Any]]) -> list[OrderDraft]:
    """The service layer's input: the same bodies through the API's own schema."""
    return [OrderIn.model_validate(body).to_domain() for body in bodies]


# --------------------------------------------------------------------------- numbers


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile of `values` (pct in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_ms(samples_s: Sequence[float]) -> dict[str, float]:
    """p50, p99 and max, in milliseconds, of per-call durations in seconds."""
    if not samples_s:
        return {"p50_ms": float("nan"), "p99_ms": float("nan"), "max_ms": float("nan")}
    p99 = (statistics.quantiles(samples_s, n=100, method="inclusive")[98]
           if len(samples_s) >= 2 else samples_s[0])
    return {"p50_ms": statistics.median(samples_s) * 1000, "p99_ms": p99 * 1000,
            "max_ms": max(samples_s) * 1000}


class Stopwatch:
    def __enter__(self) -> Stopwatch:
        self.started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds = time.perf_counter() - self.started


# --------------------------------------------------------------------------- output


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(),
            "cpus": os.cpu_count(), "load_average_1_5_15": os.getloadavg(),
            "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}


def write_json(name: str, payload: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps({"benchmark": name, "machine": machine(), **payload},
                               indent=2, default=str) + "\n", encoding="utf-8")
    console.print(f"[dim]wrote {path.relative_to(BENCH_DIR.parent)}[/]")
    return path


def fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def print_table(title: str, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column, justify="left" if column in _TEXT_COLUMNS else "right")
    for row in rows:
        table.add_row(*(fmt(row.get(column)) for column in columns))
    console.print(table)


_TEXT_COLUMNS = {"backend", "path", "measure", "target", "status", "note", "benchmark"}


def over_backends(
    name: str, backends: Sequence[str] | None, measure: Callable[[str], list[dict[str, Any]]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows measured on each backend, and the backends skipped with their reason."""
    rows: list[dict[str, Any]] = []
    skips: list[dict[str, Any]] = []
    for backend in backends or BACKENDS:
        try:
            rows += measure(backend)
        except Unavailable as reason:
            skips.append(skipped(name, backend, str(reason)))
    return rows, skips


def skipped(name: str, backend: str, reason: str) -> dict[str, Any]:
    console.print(f"[yellow]skipped {name} on {backend}:[/] {reason}")
    return {"backend": backend, "skipped": reason}
