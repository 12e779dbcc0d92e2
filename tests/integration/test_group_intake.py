"""Orders taken together (the API's group commit) on a real store: one transaction for the
group, each order answered as if alone, an order at fault never failing or losing the others,
and each order's events keeping the request it came with."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import select

from shipshape.adapters.channels.canonical import OrderIn
from shipshape.adapters.db import tables as t
from shipshape.adapters.db.queries import list_orders
from shipshape.bootstrap import Container
from shipshape.domain.errors import Conflict
from shipshape.domain.orders import OrderDraft
from shipshape.services import intake
from shipshape.services.intake import IntakeResult, SubmitOrder, UnfitOrder
from shipshape.services.intake_together import submit_together
from shipshape.services.outcomes import Outcome
from tests.builders import order, seed_distributor
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def draft(n: int) -> OrderDraft:
    return OrderIn.model_validate(order(external_id=f"G-{n}", customer_po=f"PO-G{n}")
                                  ).to_domain()


def outcomes(answers: list[IntakeResult | Exception]) -> list[object]:
    return [a.outcome if isinstance(a, IntakeResult) else type(a) for a in answers]


def test_a_group_is_one_commit_and_each_order_its_own_answer(container: Container) -> None:
    seed_distributor(container)
    commands = [SubmitOrder(draft(n), request_id=f"req-{n}") for n in range(5)]
    answers = submit_together(container.deps, commands)
    assert outcomes(answers) == [Outcome.CREATED] * 5
    assert list_orders(container.engine).total == 5
    e = t.order_events.c
    with container.engine.connect() as conn:
        stamped = set(conn.execute(select(e.order_id, e.request_id)).all())
    ids = [str(a.body["order_id"]) for a in answers if isinstance(a, IntakeResult)]
    assert stamped == {(order_id, f"req-{n}") for n, order_id in enumerate(ids)}


def test_orders_refused_alone_do_not_stop_the_group(container: Container) -> None:
    seed_distributor(container)
    first = SubmitOrder(draft(1), idempotency_key="k-1", scope="token:t")
    reused = SubmitOrder(draft(2), idempotency_key="k-1", scope="token:t")
    unfit = SubmitOrder(replace(draft(3), customer_po="PO\x00NUL"))
    answers = submit_together(container.deps, [first, reused, unfit, SubmitOrder(draft(4))])
    assert outcomes(answers) == [Outcome.CREATED, Conflict, UnfitOrder, Outcome.CREATED]
    assert list_orders(container.engine).total == 2


def test_hostile_values_in_one_order_leave_the_group_one_transaction(
    container: Container, caplog: pytest.LogCaptureFixture,
) -> None:
    seed_distributor(container)
    nul_sku = draft(2)
    nul_sku = replace(nul_sku, lines=(replace(nul_sku.lines[0], sku="SKU\x001"),
                                      *nul_sku.lines[1:]))
    huge_customer = replace(draft(3), customer_id="C" * 100_000)
    answers = submit_together(container.deps, [SubmitOrder(draft(1)), SubmitOrder(nul_sku),
                                               SubmitOrder(huge_customer), SubmitOrder(draft(4))])
    assert outcomes(answers) == [Outcome.CREATED, UnfitOrder, UnfitOrder, Outcome.CREATED]
    assert list_orders(container.engine).total == 2
    assert "taking them one by one" not in caplog.text


def test_an_order_that_breaks_the_group_fails_alone(
    container: Container, monkeypatch: pytest.MonkeyPatch,
) -> None:
    seed_distributor(container)
    real_decide = intake.decide

    def decide(deps: Any, uow: Any, draft: OrderDraft, now: Any) -> Any:
        if draft.external_id == "G-2":
            raise RuntimeError("a bug this order hits")
        return real_decide(deps, uow, draft, now)

    monkeypatch.setattr(intake, "decide", decide)
    answers = submit_together(container.deps, [SubmitOrder(draft(n)) for n in range(4)])
    assert outcomes(answers) == [Outcome.CREATED, Outcome.CREATED, RuntimeError, Outcome.CREATED]
    assert list_orders(container.engine).total == 3


def test_concurrent_callers_through_the_group_lose_nothing(container: Container) -> None:
    seed_distributor(container)

    async def all_at_once() -> list[IntakeResult]:
        return list(await asyncio.gather(*(container.order_intake.submit(SubmitOrder(draft(n)))
                                           for n in range(60))))

    answers = asyncio.run(all_at_once())
    assert [a.outcome for a in answers] == [Outcome.CREATED] * 60
    assert list_orders(container.engine, limit=100).total == 60
