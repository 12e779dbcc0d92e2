"""The picking world: a distributor whose WMS and ERP sign the events they send, an admin token,
and a clock that puts each event a minute after the last; orders released to be picked."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shipshape.adapters.systems.signing import new_secret, sign_headers
from shipshape.api.app import create_app
from shipshape.bootstrap import Container, build
from shipshape.config import ConnectorSettings, Settings
from shipshape.domain.orders import OrderStatus
from tests.builders import auth, order, post_order, seed_distributor

SECRETS = {"erp": new_secret(), "wms": new_secret(), "tms": new_secret()}
T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@dataclass
class World:
    container: Container
    client: TestClient
    token: str
    clock: list[datetime]

    def send(self, system: str, data: dict[str, Any], webhook_id: str) -> Any:
        """Each event a minute after the last, so none is taken for an out-of-order one."""
        self.clock[0] += timedelta(minutes=1)
        raw = json.dumps({"type": "pick_confirmed", "occurred_at": self.clock[0].isoformat(),
                          "data": data}).encode()
        return self.resend(system, raw, webhook_id)

    def resend(self, system: str, raw: bytes, webhook_id: str) -> Any:
        headers = sign_headers(SECRETS[system], webhook_id, raw, datetime.now(UTC))
        return self.client.post(f"/api/v1/events/{system}", content=raw,
                                headers={**headers, "content-type": "application/json"})

    def get(self, path: str) -> Any:
        answer = self.client.get(f"/api/v1{path}", headers=auth(self.token))
        assert answer.status_code == 200, answer.text
        return answer.json()

    def stock(self, sku: str = "SKU1") -> dict[str, tuple[int, int]]:
        """(on hand, reserved) per site."""
        return {row["site_id"]: (row["on_hand"], row["reserved"])
                for row in self.get(f"/items/{sku}/stock")["sites"]}

    def cases(self, code: str) -> list[dict[str, Any]]:
        return list(self.get(f"/exceptions?code={code}")["exceptions"])

    def events(self, order_id: str, kind: str) -> list[dict[str, Any]]:
        return [e["payload"] for e in self.get(f"/orders/{order_id}/events")["events"]
                if e["type"] == kind]

    def count(self, table: Any) -> int:
        with self.container.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@contextmanager
def world_maker(database_url: str) -> Iterator[Callable[..., World]]:
    """`make(stock, **customer)` builds a world on `database_url` (the `make_world` fixture);
    everything it built is closed at the end."""
    stack = ExitStack()

    def make(stock: dict[tuple[str, str], int], **customer: Any) -> World:
        connectors = {name: ConnectorSettings(secret=secret) for name, secret in SECRETS.items()}
        container = build(Settings(database_url=database_url, env="test",
                                   connectors=connectors), migrate=True)
        stack.callback(container.close)
        seed_distributor(container, stock=stock, **customer)
        client = stack.enter_context(TestClient(create_app(container)))
        token = container.tokens.create("picker", "admin", datetime.now(UTC))
        return World(container, client, token, [T0])

    with stack:
        yield make


def released_order(world: World, lines: list[dict[str, Any]], **fields: Any) -> str:
    answer = post_order(world.client, world.token, order(lines=lines, **fields))
    assert answer.status_code == 201 and answer.json()["status"] == "accepted", answer.text
    order_id = str(answer.json()["order_id"])
    # Orders reach `released` through wave release (built alongside); until then, set it here.
    with world.container.deps.uow() as uow:
        uow.orders.set_status(order_id, OrderStatus.RELEASED, datetime.now(UTC))
        uow.commit()
    return order_id


def line(line_no: int, quantity: int, sku: str = "SKU1") -> dict[str, Any]:
    return {"line_no": line_no, "sku": sku, "quantity": quantity, "unit_price": "10.00"
            if sku == "SKU1" else "5.00", "uom": "EA"}


def pick(order_id: str, site: str, *entries: dict[str, Any]) -> dict[str, Any]:
    return {"order_id": order_id, "site": site, "lines": list(entries)}


def status(world: World, order_id: str) -> str:
    return str(world.get(f"/orders/{order_id}")["status"])
