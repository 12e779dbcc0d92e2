"""A count that finds less on the shelf than is reserved there is taken: the orders not yet
released give back their stock, last in wave order first, and wait held with a
STALE_RESERVATION case before any labour is spent on them; the desk, or stock that arrives,
takes them again. A count that only released orders could make room for is refused whole."""

from __future__ import annotations

import pytest

from shipshape.domain.errors import InvalidInput
from shipshape.services import masterdata as md
from shipshape.services.consistency import check_consistency
from shipshape.services.release import release_wave
from tests.builders import auth
from tests.conftest import BACKENDS
from tests.integration.test_desk_actions import act, reserved, tokens
from tests.integration.test_held_stock import put_on_hold
from tests.worlds.waves import App, cases_of, line, place, status_of
from tests.worlds.worker import events

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def put(app: App, n: int, lines: list[dict[str, object]], **fields: object) -> str:
    """An accepted order, without a carrier service (these quantities outweigh UPS ground)."""
    return place(app, n, lines=lines, carrier_service=None, **fields)


def count(app: App, site: str, sku: str, change: int) -> md.StockPosition:
    return md.adjust(app[0].deps, md.StockMovement(site, sku, change, reason="cycle count"))


def three_orders_of_masks(app: App) -> tuple[str, str, str]:
    """Strategic, standard and low-priority orders of 300 SKU2 each, all reserved at DAL."""
    masks = [line("SKU2", 300, "5.00")]
    return (put(app, 1, masks, customer_id="C2"), put(app, 2, masks),
            put(app, 3, masks, customer_id="C3"))


def test_a_count_below_the_reservations_holds_the_last_orders_in_wave_order(app: App) -> None:
    container, _ = app
    strategic, standard, low = three_orders_of_masks(app)

    position = count(app, "DAL", "SKU2", -300)  # 700 left on hand against 900 reserved

    assert (position.on_hand, position.reserved) == (700, 600)
    assert [status_of(container, o) for o in (strategic, standard, low)] == [
        "accepted", "accepted", "held"]
    assert reserved(container, low) == []
    [case] = cases_of(container, low)
    assert (case.code, case.stage, case.owner_team, case.site_id, case.blocking, case.status,
            case.line_nos) == ("STALE_RESERVATION", "release", "warehouse", "DAL", True, "open",
                               [1])
    assert (case.details["on_hand"], case.details["reserved"], case.details["quantity"]) == (
        700, 900, 300)
    [given] = events(container, "StockReleased")
    assert (given.order_id, given.payload["reason"]) == (low, "count")
    assert [e.order_id for e in events(container, "OrderHeld")] == [low]
    assert check_consistency(container.deps) == []
    assert set(release_wave(container.deps, "DAL").released) == {strategic, standard}


def test_a_count_within_free_stock_holds_no_order(app: App) -> None:
    container, _ = app
    orders = three_orders_of_masks(app)
    assert count(app, "DAL", "SKU2", -100).on_hand == 900
    assert [status_of(container, o) for o in orders] == ["accepted"] * 3
    assert events(container, "StockReleased") == []


def test_stock_that_arrives_takes_the_order_that_gave_way_again(app: App) -> None:
    container, _ = app
    *_, low = three_orders_of_masks(app)
    count(app, "DAL", "SKU2", -300)

    md.receive(container.deps, [md.StockMovement("DAL", "SKU2", 300)])

    assert status_of(container, low) == "accepted"
    assert reserved(container, low) == [("DAL", 300)]
    assert [c.status for c in cases_of(container, low)] == ["auto_resolved"]
    assert check_consistency(container.deps) == []


def test_the_desk_sources_the_order_again_at_another_site(app: App) -> None:
    container, client = app
    gloves = put(app, 1, [line("SKU1", 600)])
    count(app, "DAL", "SKU1", -500)  # DAL has 500 left for an order of 600
    [case] = cases_of(container, gloves)

    answer = act(client, tokens(container)["agent"], case.id, action="resource",
                 site_id="ATL")

    assert answer.status_code == 200, answer.text
    assert status_of(container, gloves) == "accepted"
    assert reserved(container, gloves) == [("ATL", 600)]
    assert check_consistency(container.deps) == []


def test_a_count_only_released_orders_could_make_room_for_is_refused_whole(app: App) -> None:
    container, _ = app
    released = put(app, 1, [line("SKU1", 600)])
    waiting = put(app, 2, [line("SKU1", 100)])
    release_wave(container.deps, "DAL")
    waiting_too = put(app, 3, [line("SKU1", 200)])
    assert status_of(container, released) == "released"

    with pytest.raises(InvalidInput, match="released orders hold them"):
        count(app, "DAL", "SKU1", -900)  # 100 left against 900 reserved, 200 not released

    with container.deps.uow.reading() as uow:
        assert uow.inventory.position("DAL", "SKU1") == md.StockPosition("DAL", "SKU1", 1000,
                                                                           900)
    assert [status_of(container, o) for o in (released, waiting, waiting_too)] == [
        "released", "released", "accepted"]
    assert events(container, "StockReleased") == []


def test_the_api_takes_a_count_below_the_reservations_and_refuses_one_below_zero(
        app: App) -> None:
    container, client = app
    *_, low = three_orders_of_masks(app)
    token = container.tokens.create("i", "integration", container.deps.clock.now())

    taken = client.post("/api/v1/inventory/adjustments", headers=auth(token), json={
        "site_id": "DAL", "sku": "SKU2", "quantity": -300, "reason": "cycle count"})
    below_zero = client.post("/api/v1/inventory/adjustments", headers=auth(token), json={
        "site_id": "DAL", "sku": "SKU2", "quantity": -701, "reason": "cycle count"})

    assert taken.status_code == 201, taken.text
    assert (taken.json()["on_hand"], taken.json()["reserved"]) == (700, 600)
    assert status_of(container, low) == "held"
    assert below_zero.status_code == 422, below_zero.text
    assert "cannot go below 0" in below_zero.text
    assert check_consistency(container.deps) == []


def test_an_order_held_after_a_wave_gives_its_stock_way_first_and_stays_held(app: App) -> None:
    container, _ = app
    masks = [line("SKU2", 300, "5.00")]
    on_hold = put(app, 1, masks, customer_id="C3")
    put_on_hold(container, True)
    assert release_wave(container.deps, "DAL").pulled[0].order_id == on_hold
    newest = put(app, 2, masks)

    count(app, "DAL", "SKU2", -450)  # 550 on hand against 600 reserved

    assert [status_of(container, o) for o in (on_hold, newest)] == ["held", "accepted"]
    assert reserved(container, on_hold) == [] and reserved(container, newest) == [("DAL", 300)]
    assert sorted((c.code, c.status) for c in cases_of(container, on_hold)) == [
        ("CREDIT_HOLD", "open"), ("STALE_RESERVATION", "open")]
    assert [e.order_id for e in events(container, "StockReleased")] == [on_hold]
    assert events(container, "OrderHeld") == []
    md.receive(container.deps, [md.StockMovement("DAL", "SKU2", 100)])
    assert status_of(container, on_hold) == "held", "stock alone does not lift a credit hold"
    assert check_consistency(container.deps) == []
