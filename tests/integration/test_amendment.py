"""Amending line quantities before release: stock and credit follow the new quantities, a
shortage or a released order is refused with nothing changed, and the timeline shows each line
before and after."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container
from shipshape.cli import app as cli
from shipshape.domain.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from shipshape.services import masterdata as md
from shipshape.services.amendment import AmendResult, amend_order
from shipshape.services.release import release_wave
from tests.builders import auth
from tests.conftest import BACKENDS
from tests.worlds.cancellation import exposure, held_at_intake, of_order, reserved
from tests.worlds.waves import App, line, place, status_of

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)


def amend(container: Container, order_id: str, *changes: tuple[int, int]) -> AmendResult:
    return amend_order(container.deps, order_id, list(changes), "agent-1")


def two_lines(app: App, n: int = 1) -> str:
    return place(app, n, lines=[line("SKU1", 10), {**line("SKU2", 4, "5.00"), "line_no": 2}])


def stored_lines(container: Container, order_id: str) -> dict[int, int]:
    ol = t.order_lines.c
    with container.engine.connect() as conn:
        return dict(conn.execute(select(ol.line_no, ol.quantity).where(ol.order_id == order_id)
                                 .order_by(ol.line_no)).all())


def reservations(container: Container, order_id: str) -> list[tuple[int, str, int]]:
    r = t.reservations.c
    with container.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(
            select(r.line_no, r.site, r.quantity).where(r.order_id == order_id)
            .order_by(r.id)).all()]


def value_of(container: Container, order_id: str) -> Decimal:
    with container.engine.connect() as conn:
        return Decimal(conn.execute(select(t.orders.c.value)
                                    .where(t.orders.c.id == order_id)).scalar_one())


def test_reducing_a_line_gives_back_stock_and_credit(app: App) -> None:
    container, _ = app
    order_id = two_lines(app)
    assert exposure(container) == Decimal("120.00")

    result = amend(container, order_id, (1, 6))

    assert [(c.line_no, c.before, c.after) for c in result.changes] == [(1, 10, 6)]
    assert stored_lines(container, order_id) == {1: 6, 2: 4}
    assert reserved(container) == 6 and reserved(container, sku="SKU2") == 4
    assert (exposure(container), value_of(container, order_id)) == (Decimal("80.00"),
                                                                    Decimal("80.00"))
    [amended] = of_order(container, "OrderAmended", order_id)
    assert amended.payload["lines"] == [{"line_no": 1, "sku": "SKU1", "before": 10,
                                         "after": 6}]
    assert (amended.payload["value_before"], amended.payload["value_after"],
            amended.payload["actor"]) == ("120.00", "80.00", "agent-1")
    assert amended.payload["reservations_released"] == [
        {"line_no": 1, "site_id": "DAL", "sku": "SKU1", "quantity": 4}]


def test_a_split_line_gives_back_its_latest_reservation_first(app: App) -> None:
    container, _ = app
    md.adjust(container.deps, md.StockMovement("DAL", "SKU1", -995, reason="count"))
    order_id = place(app, 1, customer_id="C4", lines=[line("SKU1", 10)])
    assert reservations(container, order_id) == [(1, "DAL", 5), (1, "ATL", 5)]

    amend(container, order_id, (1, 3))

    assert reservations(container, order_id) == [(1, "DAL", 3)]
    assert (reserved(container, "DAL"), reserved(container, "ATL")) == (3, 0)


def test_increasing_a_line_reserves_more_when_stock_covers_it(app: App) -> None:
    container, _ = app
    order_id = two_lines(app)
    amend(container, order_id, (2, 10))
    assert reserved(container, sku="SKU2") == 10
    assert reservations(container, order_id)[-1] == (2, "DAL", 6)
    assert exposure(container) == Decimal("150.00")
    assert of_order(container, "OrderAmended", order_id)[0].payload["reservations_added"] == [
        {"line_no": 2, "site_id": "DAL", "sku": "SKU2", "quantity": 6}]


def test_an_increase_stock_does_not_cover_is_refused_and_changes_nothing(app: App) -> None:
    container, _ = app
    order_id = two_lines(app)
    with pytest.raises(Conflict, match="line 1 needs 995 more SKU1, available: 990 at DAL"):
        amend(container, order_id, (1, 1005), (2, 0))
    assert stored_lines(container, order_id) == {1: 10, 2: 4}
    assert (reserved(container), reserved(container, sku="SKU2")) == (10, 4)
    assert (exposure(container), value_of(container, order_id)) == (Decimal("120.00"),
                                                                    Decimal("120.00"))
    assert not of_order(container, "OrderAmended", order_id)


def test_without_split_permission_more_comes_only_from_the_orders_site(app: App) -> None:
    container, _ = app
    md.adjust(container.deps, md.StockMovement("DAL", "SKU1", -990, reason="count"))
    order_id = place(app, 1, lines=[line("SKU1", 8)])  # ATL still has 1,000
    with pytest.raises(Conflict, match=r"available: 2 at DAL$"):
        amend(container, order_id, (1, 12))
    assert reservations(container, order_id) == [(1, "DAL", 8)]


def test_quantity_zero_removes_a_line_but_not_the_last_one(app: App) -> None:
    container, _ = app
    order_id = two_lines(app)
    with pytest.raises(InvalidInput, match="cancel the order instead"):
        amend(container, order_id, (1, 0), (2, 0))
    amend(container, order_id, (2, 0))
    assert stored_lines(container, order_id) == {1: 10}
    assert reserved(container, sku="SKU2") == 0
    assert exposure(container) == Decimal("100.00")
    with pytest.raises(InvalidInput, match="cancel the order instead"):
        amend(container, order_id, (1, 0))
    assert release_wave(container.deps, "DAL").released == (order_id,)


def test_bad_amendments_are_refused_with_what_is_wrong(app: App) -> None:
    container, _ = app
    order_id = two_lines(app)
    with pytest.raises(InvalidInput, match="has no line 7; its lines are 1, 2"):
        amend(container, order_id, (7, 1))
    with pytest.raises(InvalidInput, match="line 1 is named more than once"):
        amend(container, order_id, (1, 2), (1, 3))
    with pytest.raises(InvalidInput, match="cannot be negative"):
        amend(container, order_id, (1, -1))
    with pytest.raises(NotFound):
        amend(container, "ord_nope", (1, 1))
    assert stored_lines(container, order_id) == {1: 10, 2: 4}


def test_a_released_order_is_refused_cancel_instead(app: App) -> None:
    container, _ = app
    order_id = place(app, 1)
    release_wave(container.deps, "DAL")
    with pytest.raises(IllegalTransition, match=r"is released.*cancel it instead"):
        amend(container, order_id, (1, 1))
    assert (reserved(container), stored_lines(container, order_id)) == (2, {1: 2})


def test_an_order_held_at_intake_changes_its_lines_only(app: App) -> None:
    container, _ = app
    held = held_at_intake(app, 1)
    amend(container, held, (1, 5))
    assert stored_lines(container, held) == {1: 5}
    assert value_of(container, held) == Decimal("50.00")
    assert (reserved(container), exposure(container)) == (0, Decimal("0"))
    assert status_of(container, held) == "held"


def test_the_same_quantities_again_change_nothing(app: App) -> None:
    container, _ = app
    order_id = two_lines(app)
    assert amend(container, order_id, (1, 10)).changes == ()
    assert not of_order(container, "OrderAmended", order_id)


def test_amend_over_http(app: App) -> None:
    container, client = app
    order_id = two_lines(app)
    token = {role: container.tokens.create(f"t-{role}", role, datetime.now(UTC))
             for role in ("admin", "viewer")}
    url = f"/api/v1/orders/{order_id}"
    body: dict[str, Any] = {"lines": [{"line_no": 1, "quantity": 3}]}
    assert client.patch(url, json=body, headers=auth(token["viewer"])).status_code == 403
    for bad in ({"lines": []}, {"lines": [{"line_no": 1, "quantity": -1}]}):
        assert client.patch(url, json=bad, headers=auth(token["admin"])).status_code == 422

    answer = client.patch(url, json=body, headers=auth(token["admin"]))

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"order_id": order_id, "status": "accepted", "value": "50.00",
                             "lines": [{"line_no": 1, "sku": "SKU1", "before": 10,
                                        "after": 3}]}
    short = client.patch(url, json={"lines": [{"line_no": 2, "quantity": 5000}]},
                         headers=auth(token["admin"]))
    assert short.status_code == 409 and "available: 996 at DAL" in short.json()["detail"]


def test_amend_from_the_command_line(app: App) -> None:
    container, _ = app
    order_id = two_lines(app)
    env = {"SHIPSHAPE_DATABASE_URL": container.settings.database_url}
    done = CliRunner().invoke(cli, ["orders", "amend", order_id, "--line", "1=5",
                                    "--line", "2=0"], env=env)
    assert done.exit_code == 0, done.output
    assert "line 1 (SKU1): 10 -> 5" in done.output and "value now 50.00" in done.output
    assert stored_lines(container, order_id) == {1: 5}
    wrong = CliRunner().invoke(cli, ["orders", "amend", order_id, "--line", "1:5"], env=env)
    assert isinstance(wrong.exception, InvalidInput) and "LINE=QUANTITY" in str(wrong.exception)
