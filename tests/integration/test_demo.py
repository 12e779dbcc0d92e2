"""`shipshape demo`: a sample day ingested, then mirrored to a simulated ERP that misbehaves."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from shipshape.adapters.db import tables as t
from shipshape.cli import app
from tests.cli_support import opened, shipshape


def count(out: str, label: str) -> int:
    found = re.search(re.escape(label) + r"\W+(\d+)", out)
    assert found, f"{label!r} is not in the demo's output"
    return int(found[1])


def test_the_demo_catches_faults_and_mirrors_every_order_or_dead_letters_it(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    out = shipshape(url, "demo", "--orders", "150", "--workdir", str(tmp_path)).output
    assert "What the control points caught" in out and "DUPLICATE_ORDER" in out
    mirrored, dead = (count(out, label) for label in (
        "orders mirrored to the ERP", "dead letters (INTEGRATION_FAILURE cases)"))
    with opened(url, migrate=False) as container, container.engine.connect() as conn:
        decided = conn.execute(select(func.count()).select_from(t.order_events).where(
            t.order_events.c.type.in_(["OrderAccepted", "OrderHeld"]))).scalar_one()
        letters = conn.execute(select(func.count()).select_from(t.dead_letters)).scalar_one()
        failures = conn.execute(select(func.count()).select_from(t.exception_cases).where(
            t.exception_cases.c.code == "INTEGRATION_FAILURE")).scalar_one()
    assert mirrored + dead == decided > 120
    assert letters == failures == dead
    assert count(out, "orders closed (invoiced, booked by the ERP and paid)") > 0
    assert "the journey stalled" not in out


def test_the_demo_exits_non_zero_when_the_journey_stalls(tmp_path: Path) -> None:
    """A WMS that is down for the whole run: the waves never reach it, nothing is picked."""
    env = {"SHIPSHAPE_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
           "SHIPSHAPE_SIMULATION__WMS__OUTAGES": "[[0, 100000]]",
           "SHIPSHAPE_CONNECTORS__WMS__MAX_ATTEMPTS": "1"}
    result = CliRunner().invoke(app, ["demo", "--orders", "60", "--workdir", str(tmp_path),
                                      "--stall-after", "3"], env=env)
    assert result.exit_code == 1, result.output
    assert "the journey stalled" in result.output
    assert "released" in result.output.split("the journey stalled", 1)[1]
