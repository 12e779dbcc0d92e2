"""How many statements an order's intake sends to the store: a fixed number, whatever the
number of lines (reads and writes are batched per order), so that a change that adds a
round trip per order, or one per line, shows here before it shows in the benchmarks."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from shipshape.adapters.channels.canonical import CustomerIn, OrderIn, PriceIn
from shipshape.bootstrap import Container
from shipshape.services import masterdata as md
from shipshape.services.intake import SubmitOrder, submit_order
from shipshape.services.intake_together import submit_together
from tests.builders import order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
MOST_STATEMENTS = 22
"""Per accepted order: its transaction's start, 10 reads (idempotency key, duplicate PO,
customer, items, prices, carriers, credit exposure, recent POs, stock, sites) and 9 writes; an
order with findings writes them in one more."""


@contextmanager
def counting(container: Container) -> Iterator[list[str]]:
    sent: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *rest: Any) -> None:
        sent.append(statement)

    event.listen(container.engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(container.engine, "before_cursor_execute", record)


def lines(count: int, quantity: int) -> list[dict[str, Any]]:
    return [{"line_no": n, "sku": "SKU1" if n % 2 else "SKU2", "quantity": quantity,
             "unit_price": "10.00" if n % 2 else "5.00"} for n in range(1, count + 1)]


def statements_for(container: Container, external_id: str, line_count: int,
                   quantity: int) -> int:
    """Distinct quantities keep the orders apart (no POSSIBLE_DUPLICATE finding to write)."""
    draft = OrderIn.model_validate(order(external_id=external_id, customer_po=external_id,
                                         lines=lines(line_count, quantity))).to_domain()
    with counting(container) as sent:
        result = submit_order(container.deps, SubmitOrder(draft))
    assert result.status == "accepted", result.body
    return len(sent)


def test_a_three_line_order_takes_a_bounded_number_of_statements(container: Container) -> None:
    seed_distributor(container, stock={("DAL", "SKU1"): 1000, ("DAL", "SKU2"): 1000})
    statements_for(container, "WARM-1", 3, quantity=1)
    assert statements_for(container, "S-3", 3, quantity=2) <= MOST_STATEMENTS


def test_more_lines_do_not_mean_more_statements(container: Container) -> None:
    seed_distributor(container, stock={("DAL", "SKU1"): 1000, ("DAL", "SKU2"): 1000})
    statements_for(container, "WARM-1", 3, quantity=1)
    assert statements_for(container, "S-30", 30, quantity=3) == statements_for(
        container, "S-3", 3, quantity=4)


def test_orders_taken_together_read_customers_items_and_prices_once(
        container: Container) -> None:
    seed_distributor(container, stock={("DAL", "SKU1"): 1000, ("DAL", "SKU2"): 1000})
    customers = ["C1", "C2", "C3", "C4"]
    md.upsert(container.deps, [
        record for c in customers[1:] for record in (
            CustomerIn(name=f"Customer {c}", credit_limit="100000",
                       preferred_site="DAL").to_domain(c),
            PriceIn(unit_price="10.00", tolerance_pct="2").to_domain(c, "SKU1"),
            PriceIn(unit_price="5.00", tolerance_pct="2").to_domain(c, "SKU2"))])
    statements_for(container, "WARM-1", 3, quantity=1)
    commands = [SubmitOrder(OrderIn.model_validate(order(
        external_id=f"B-{n}", customer_po=f"B-{n}", customer_id=customers[n % 4],
        lines=lines(3, 10 + n))).to_domain()) for n in range(8)]
    with counting(container) as sent:
        answers = submit_together(container.deps, commands)
    assert [getattr(a, "status", a) for a in answers] == ["accepted"] * 8
    reads = [s for s in sent if s.lstrip().upper().startswith("SELECT")]
    for table in ("customers", "items", "prices"):
        assert sum(f"FROM {table}" in s for s in reads) == 1, table
