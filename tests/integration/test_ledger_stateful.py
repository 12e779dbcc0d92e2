"""The reservation ledger under random receipts, adjustments and orders, against a model.

The model knows the desk's rule that stock arriving takes the orders held for it: after a
receipt or a positive adjustment, every held order with a line of that SKU, oldest first, is
taken when the stock now allows it. And the rule of counts: a count below what is reserved makes
the newest orders holding the SKU at the site give back their stock and wait held, until what
is left covers the rest (those of them that fit in what the others gave beyond the shortfall
keep theirs); only a count below zero is refused."""

from __future__ import annotations

import shutil
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from sqlalchemy import select

from shipshape.adapters.channels.canonical import OrderIn
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.queries import order_detail, stock_of
from shipshape.bootstrap import build
from shipshape.config import Settings
from shipshape.domain.errors import InvalidInput
from shipshape.services import masterdata as md
from shipshape.services.intake import SubmitOrder, submit_order
from tests.builders import order, seed_distributor

SITES = ["DAL", "ATL"]
SKUS = ["SKU1", "SKU2"]
PRICES = {"SKU1": "10.00", "SKU2": "5.00"}
Key = tuple[str, str]

lines_strategy = st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 15)),
                          min_size=1, max_size=3)


class LedgerMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="shipshape-ledger-"))
        self.container = build(Settings(database_url=f"sqlite:///{self.folder / 'ledger.db'}",
                                        env="test"), migrate=True)
        self.movements: dict[Key, int] = defaultdict(int)
        self.reserved: dict[Key, int] = defaultdict(int)
        self.allow_split = False
        self.orders = 0
        self.held: list[tuple[str, list[tuple[str, int]]]] = []
        """Orders held for stock, oldest first: (order id, lines)."""
        self.holding: dict[str, tuple[int, list[tuple[str, int]], list[dict[str, Any]]]] = {}
        """Accepted orders: (the order's number, its lines, its reservations)."""
        self.numbers: dict[str, int] = {}

    def teardown(self) -> None:
        self.container.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(allow_split=st.booleans())
    def seed(self, allow_split: bool) -> None:
        seed_distributor(self.container, stock={}, allow_split=allow_split)
        self.allow_split = allow_split

    def stock(self) -> dict[Key, tuple[int, int]]:
        return {(row["site_id"], sku): (row["on_hand"], row["reserved"])
                for sku in SKUS for row in stock_of(self.container.engine, sku)}

    def available(self, key: Key) -> int:
        return self.movements[key] - self.reserved[key]

    @rule(site=st.sampled_from(SITES), sku=st.sampled_from(SKUS), quantity=st.integers(1, 30))
    def receive(self, site: str, sku: str, quantity: int) -> None:
        md.receive(self.container.deps, [md.StockMovement(site, sku, quantity)])
        self.movements[(site, sku)] += quantity
        self.take_waiting(sku)

    @rule(site=st.sampled_from(SITES), sku=st.sampled_from(SKUS),
          quantity=st.one_of(st.integers(-30, -1), st.integers(1, 30)))
    def adjust(self, site: str, sku: str, quantity: int) -> None:
        movement = md.StockMovement(site, sku, quantity, reason="count")
        key = (site, sku)
        if self.movements[key] + quantity < 0:
            event("adjustment refused")
            before = self.stock()
            with pytest.raises(InvalidInput):
                md.adjust(self.container.deps, movement)
            assert self.stock() == before
            return
        md.adjust(self.container.deps, movement)
        self.movements[key] += quantity
        if quantity > 0:
            self.take_waiting(sku)
        self.give_way(key)

    def give_way(self, key: Key) -> None:
        """The newest orders holding `key` until the shortfall is covered, less those of them,
        oldest first, that fit in what the others gave beyond it."""
        short = self.reserved[key] - self.movements[key]
        newest_first = sorted(self.holding, key=lambda order_id: -self.holding[order_id][0])
        chosen: list[tuple[str, int]] = []
        for order_id in newest_first:
            if short <= sum(qty for _, qty in chosen):
                break
            held = sum(r["quantity"] for r in self.holding[order_id][2]
                       if (r["site_id"], r["sku"]) == key)
            if held:
                chosen.append((order_id, held))
        spare = sum(qty for _, qty in chosen) - short
        for order_id, held in reversed(list(chosen)):
            if held <= spare:
                chosen.remove((order_id, held))
                spare -= held
        for order_id, _ in chosen:
            event("order gave way to a count")
            _, lines, reservations = self.holding.pop(order_id)
            for r in reservations:
                self.reserved[(r["site_id"], r["sku"])] -= r["quantity"]
            self.held.append((order_id, lines))
            stored = order_detail(self.container.engine, order_id)
            assert stored is not None and stored["status"] == "held"

    def take_waiting(self, sku: str) -> None:
        still: list[tuple[str, list[tuple[str, int]]]] = []
        for order_id, lines in sorted(self.held, key=lambda held: self.case_order(held[0])):
            stored = order_detail(self.container.engine, order_id)
            assert stored is not None
            if sku in {s for s, _ in lines} and self.stock_allows(lines):
                event("held order taken when stock arrived")
                assert stored["status"] == "accepted"
                self.accepted(order_id, lines, stored["reservations"])
            else:
                assert stored["status"] == "held"
                still.append((order_id, lines))
        self.held = still

    def case_order(self, order_id: str) -> tuple[str, str]:
        """Where the desk took the order's latest case among those waiting: oldest first, and
        cases opened together (a count's) in the order of their ids."""
        with self.container.engine.connect() as conn:
            x = t.exception_cases.c
            opened, case_id = conn.execute(
                select(x.opened_at, x.id).where(x.order_id == order_id)
                .order_by(x.opened_at.desc(), x.id.desc()).limit(1)).one()
        return str(opened), str(case_id)

    def accepted(self, order_id: str, lines: list[tuple[str, int]],
                 reservations: list[dict[str, Any]]) -> None:
        self.holding[order_id] = (self.numbers[order_id], lines, reservations)
        for r in reservations:
            self.reserved[(r["site_id"], r["sku"])] += r["quantity"]

    @rule(lines=lines_strategy)
    def submit(self, lines: list[tuple[str, int]]) -> None:
        self.orders += 1
        body = order(external_id=f"W-{self.orders}", customer_po=f"PO-{self.orders}", lines=[
            {"line_no": n, "sku": sku, "quantity": qty, "unit_price": PRICES[sku]}
            for n, (sku, qty) in enumerate(lines, start=1)])
        result = submit_order(self.container.deps,
                              SubmitOrder(OrderIn.model_validate(body).to_domain()))
        assert result.status == ("accepted" if self.stock_allows(lines) else "held")
        event(f"order {result.status}")
        self.numbers[str(result.body["order_id"])] = self.orders
        if result.status == "held":
            findings: Any = result.body["findings"]
            assert [f["code"] for f in findings if f["severity"] == "block"] == [
                "PARTIAL_AVAILABILITY"]
            self.held.append((str(result.body["order_id"]), lines))
            return
        stored = order_detail(self.container.engine, str(result.body["order_id"]))
        assert stored is not None
        assert stored["reservations"] == result.body["reservations"]
        self.accepted(str(result.body["order_id"]), lines, stored["reservations"])

    def stock_allows(self, lines: list[tuple[str, int]]) -> bool:
        wanted: dict[str, int] = defaultdict(int)
        for sku, qty in lines:
            wanted[sku] += qty
        if self.allow_split:
            return all(sum(self.available((site, sku)) for site in SITES) >= qty
                       for sku, qty in wanted.items())
        return any(all(self.available((site, sku)) >= qty for sku, qty in wanted.items())
                   for site in SITES)

    @invariant()
    def reserved_never_exceeds_on_hand(self) -> None:
        for on_hand, reserved in self.stock().values():
            assert 0 <= reserved <= on_hand

    @invariant()
    def ledger_matches_the_model(self) -> None:
        stock = self.stock()
        for site in SITES:
            for sku in SKUS:
                on_hand, reserved = stock.get((site, sku), (0, 0))
                assert on_hand == self.movements[(site, sku)]
                assert reserved == self.reserved[(site, sku)]


LedgerMachine.TestCase.settings = settings(
    max_examples=15, stateful_step_count=20, deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestReservationLedger = LedgerMachine.TestCase
