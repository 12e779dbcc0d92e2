"""An order held after it was accepted keeps its stock and its credit while it waits; taken
again, by a supervisor or because its condition cleared, it holds them once, and the consistency
check would show it otherwise."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shipshape.adapters.channels.canonical import CustomerIn
from shipshape.bootstrap import Container
from shipshape.domain.errors import InvalidInput
from shipshape.services import masterdata as md
from shipshape.services.acceptance import Consent
from shipshape.services.consistency import check_consistency
from shipshape.services.delivery.inbound import take_events
from shipshape.services.desk_actions import take_again
from shipshape.services.release import release_wave
from tests.conftest import BACKENDS
from tests.integration.test_desk_actions import act, reserved, tokens
from tests.worlds.waves import App, cases_of, place, status_of
from tests.worlds.worker import events

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def put_on_hold(container: Container, on_hold: bool) -> None:
    md.upsert(container.deps, [CustomerIn(name="Small", priority="low", credit_limit="100000",
                                          credit_hold=on_hold, preferred_site="DAL"
                                          ).to_domain("C3")])


def pulled_for_credit(app: App) -> tuple[str, str]:
    """An order of C3 accepted with 2 SKU1 at DAL, then pulled from the wave for a credit
    hold; (order id, case id)."""
    container, _ = app
    order_id = place(app, 1, customer_id="C3")
    put_on_hold(container, True)
    [pulled] = release_wave(container.deps, "DAL").pulled
    assert (pulled.order_id, pulled.codes) == (order_id, ("CREDIT_HOLD",))
    assert reserved(container, order_id) == [("DAL", 2)]  # a hold keeps the stock
    return order_id, pulled.case_ids[0]


def exposure(container: Container, customer_id: str) -> Decimal:
    with container.deps.uow.reading() as uow:
        return uow.credit.open_exposure(customer_id, lock=False)


def assert_held_once(container: Container, order_id: str) -> None:
    assert status_of(container, order_id) == "accepted"
    assert reserved(container, order_id) == [("DAL", 2)]
    assert exposure(container, "C3") == Decimal("20.00")
    assert check_consistency(container.deps) == []
    [released] = [e for e in events(container, "StockReleased") if e.order_id == order_id]
    assert released.payload == {"reason": "decided_again", "reservations": [
        {"line_no": 1, "site_id": "DAL", "sku": "SKU1", "quantity": 2}]}


def test_a_supervisor_releasing_a_hold_from_the_wave_reserves_and_counts_the_order_once(
        app: App) -> None:
    container, client = app
    order_id, case_id = pulled_for_credit(app)
    put_on_hold(container, False)  # lifted without a word from the ERP: no condition clears
    assert status_of(container, order_id) == "held"

    answer = act(client, tokens(container)["supervisor"], case_id, action="release_hold")

    assert answer.status_code == 200, answer.text
    assert_held_once(container, order_id)


def test_a_lifted_credit_hold_takes_the_pulled_order_again_once(app: App) -> None:
    container, _ = app
    order_id, _ = pulled_for_credit(app)
    erp = container.connectors.simulated("erp")
    assert erp is not None
    erp.emit("credit_status_changed", {"customer_id": "C3", "on_hold": False},
             container.deps.clock.now())
    assert take_events(container.deps, container.ownership, erp)["applied"] == 1

    assert_held_once(container, order_id)
    assert [c.status for c in cases_of(container, order_id)] == ["auto_resolved"]


def test_a_refused_retake_leaves_the_order_holding_what_it_held(app: App) -> None:
    """Stock that arrives tries the waiting orders in one transaction and goes on after a
    refusal: the refused order must still hold its stock and its credit."""
    container, _ = app
    order_id, _ = pulled_for_credit(app)  # still on credit hold: deciding again refuses
    with container.deps.uow() as uow:
        order = uow.picks.order(order_id, lock=True)
        assert order is not None
        with pytest.raises(InvalidInput, match="CREDIT_HOLD"):
            take_again(container.deps, uow, order, Consent(stored=True))
        uow.commit()

    assert status_of(container, order_id) == "held"
    assert reserved(container, order_id) == [("DAL", 2)]
    assert exposure(container, "C3") == Decimal("20.00")
    assert check_consistency(container.deps) == []
