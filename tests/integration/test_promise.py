"""The promise: every accepted order carries a promised delivery date (set in the order's own
INSERT), and when a hold pushes its projected delivery past it, customer service is told once,
with a PROMISE_AT_RISK case, until the order is back on track."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from shipshape.adapters.channels.canonical import CarrierIn
from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container
from shipshape.services import masterdata as md
from shipshape.services import promise
from shipshape.services.delivery import inbound
from shipshape.services.release import release_wave
from tests.conftest import BACKENDS
from tests.worlds.waves import App, cases_of, place, status_of
from tests.worlds.worker import events

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
DAY = timedelta(days=1)


def today(container: Container) -> date:
    return container.deps.clock.now().date()


def credit(container: Container, webhook_id: str, on_hold: bool) -> None:
    body = {"type": "credit_status_changed",
            "occurred_at": container.deps.clock.now().isoformat(),
            "data": {"customer_id": "C1", "on_hold": on_hold}}
    event = inbound.parse_event("erp", webhook_id, body)
    answer = inbound.receive_event(container.deps, container.ownership, event,
                                   json.dumps(body).encode())
    assert answer.answer.body["outcome"] == "applied", answer.answer.body


def promise_cases(container: Container, order_id: str) -> list[object]:
    return [c for c in cases_of(container, order_id) if c.code == "PROMISE_AT_RISK"]


def at_risk_since(container: Container, order_id: str) -> object:
    with container.engine.connect() as conn:
        return conn.execute(select(t.orders.c.promise_at_risk_since)
                            .where(t.orders.c.id == order_id)).scalar_one()


def test_an_accepted_order_is_promised_its_ship_date_plus_the_transit_days(app: App) -> None:
    container, client = app
    ship_on = today(container) + 10 * DAY
    order_id = place(app, 1, requested_ship_date=ship_on.isoformat())

    detail = client.get(f"/api/v1/orders/{order_id}", headers=_viewer(container)).json()
    assert detail["promised_date"] == (ship_on + 3 * DAY).isoformat()  # the default 3 days
    assert detail["promise"]["state"] == "on_track"
    assert detail["promise"]["projected"] == detail["promised_date"]
    assert detail["promise"]["at_risk_since"] is None
    [promised] = [e for e in events(container, "OrderPromised") if e.order_id == order_id]
    assert promised.payload == {"promised_date": (ship_on + 3 * DAY).isoformat(),
                                "ship_on": ship_on.isoformat(), "transit_days": 3}


def test_the_carrier_services_transit_days_count_and_a_past_date_ships_today(app: App) -> None:
    container, client = app
    md.upsert(container.deps, [CarrierIn(name="UPS", services=[
        {"code": "GND", "max_weight_kg": "70", "countries": ["US"], "transit_days": 5}],
    ).to_domain("UPS")])
    carriers = client.get("/api/v1/carriers", headers=_viewer(container)).json()
    assert [s["transit_days"] for c in carriers["carriers"] for s in c["services"]] == [5]
    answer_id = place(app, 2, requested_ship_date=(today(container) - 2 * DAY).isoformat())
    detail = client.get(f"/api/v1/orders/{answer_id}", headers=_viewer(container)).json()
    assert detail["promised_date"] == (today(container) + 5 * DAY).isoformat()


def test_a_held_order_is_flagged_at_risk_once_and_recovers_when_taken_again(app: App) -> None:
    """Released today, promised in three days: the pre-wave check pulls it for a credit hold,
    which costs a day; customer service gets one PROMISE_AT_RISK case however often the sweep
    runs, and the flag clears when the hold is lifted and the order is taken again."""
    container, client = app
    now_day = today(container)
    order_id = place(app, 1, requested_ship_date=now_day.isoformat())
    credit(container, "hold-1", on_hold=True)
    wave = release_wave(container.deps, "DAL")
    assert [p.order_id for p in wave.pulled] == [order_id]
    assert status_of(container, order_id) == "held"

    [risk] = [e for e in events(container, "PromiseAtRisk") if e.order_id == order_id]
    assert risk.payload["promised_date"] == (now_day + 3 * DAY).isoformat()
    assert risk.payload["projected_date"] == (now_day + 4 * DAY).isoformat()
    assert risk.payload["cause"] == "held"
    [case] = promise_cases(container, order_id)
    assert (case.id, case.owner_team, case.blocking) == (
        risk.payload["case_id"], "customer_service", False)
    assert at_risk_since(container, order_id) is not None

    first, second = promise.sweep(container.deps), promise.sweep(container.deps)
    assert (first.at_risk, second.at_risk) == ((), ())
    assert len([e for e in events(container, "PromiseAtRisk") if e.order_id == order_id]) == 1
    assert len(promise_cases(container, order_id)) == 1

    viewer = _viewer(container)
    listed = client.get("/api/v1/orders", params={"promise": "at_risk"}, headers=viewer).json()
    assert [o["order_id"] for o in listed["orders"]] == [order_id]
    detail = client.get(f"/api/v1/orders/{order_id}", headers=viewer).json()
    assert (detail["promise"]["state"], detail["promise"]["cause"]) == ("at_risk", "held")
    assert detail["promise"]["at_risk_since"] is not None

    credit(container, "hold-2", on_hold=False)
    assert status_of(container, order_id) == "accepted"
    assert at_risk_since(container, order_id) is None
    [recovered] = [e for e in events(container, "PromiseRecovered") if e.order_id == order_id]
    assert recovered.payload["state"] == "on_track"
    [closed] = promise_cases(container, order_id)
    assert closed.status == "auto_resolved"
    listed = client.get("/api/v1/orders", params={"promise": "at_risk"}, headers=viewer).json()
    assert listed["orders"] == []
    assert promise.sweep(container.deps).recovered == ()


def test_a_bad_promise_filter_is_refused(app: App) -> None:
    container, client = app
    answer = client.get("/api/v1/orders", params={"promise": "late"},
                        headers=_viewer(container))
    assert answer.status_code == 422


def _viewer(container: Container) -> dict[str, str]:
    token = container.tokens.create("v", "viewer", container.deps.clock.now())
    return {"Authorization": f"Bearer {token}"}
