"""The figures of one replication, read from its store (the engine's own records) beside what
the world knows of the orders it sent."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine

from shipshape.adapters.db import twin_queries as tq
from shipshape.sim.scenario import STAGES, Scenario
from shipshape.sim.world import Tally

Figures = dict[str, float | dict[str, float]]


def figures(engine: Engine, scenario: Scenario, tally: Tally, as_of: datetime) -> Figures:
    orders = max(tally.orders, 1)
    by_stage = tq.cases_opened_by_stage(engine)
    return {
        "orders": float(tally.orders),
        "short_ship_rate": short_ship_rate(engine, tally),
        "exceptions_per_1000": sum(by_stage.values()) * 1000 / orders,
        "exceptions_by_stage": {stage: by_stage.get(stage, 0) * 1000 / orders
                                for stage in STAGES},
        "perfect_order_rate": perfect_order_rate(engine, tally),
        "expedited_freight_cost": tq.expedited_tenders(engine)
        * scenario.costs.expedited_per_shipment,
        "rework_hours": sum(count * scenario.costs.rework_minutes.get(stage, 0)
                            for stage, count in by_stage.items()) / 60,
        "invoice_corrections": float(tq.invoice_corrections(engine)),
        "strategic_on_time_rate": strategic_on_time(engine, tally, as_of),
    }


def short_ship_rate(engine: Engine, tally: Tally) -> float:
    """Share of the orders sent (repeats aside) that shipped fewer units than asked for by the
    end of the run: lines dropped or cancelled, picks short and not made good, or nothing
    shipped at all (refused, held or still waiting)."""
    shipped_by_order = tq.shipped_units_by_order(engine)
    shipped = {external: shipped_by_order.get(order_id, 0)
               for order_id, external in tally.order_ids.items()}
    short = sum(1 for external, units in tally.ordered_units.items()
                if shipped.get(external, 0) < units)
    return short / max(len(tally.ordered_units), 1)


def perfect_order_rate(engine: Engine, tally: Tally) -> float:
    """Share of the delivered orders that were perfect as the customer ordered them: perfect
    by the engine's facts (on time, in full, undamaged, invoiced right) and shipped in full
    against the order as sent, before any line was cut at reservation."""
    shipped = tq.shipped_units_by_order(engine)
    verdicts = [perfect and shipped.get(order_id, 0) >= tally.ordered_units[external]
                for order_id, perfect in tq.perfect_by_order(engine).items()
                if (external := tally.order_ids.get(order_id)) is not None]
    return sum(verdicts) / len(verdicts) if verdicts else 0.0


def strategic_on_time(engine: Engine, tally: Tally, as_of: datetime) -> float:
    """Share of strategic accounts' orders, whose promise has come, delivered by it."""
    on_time = tq.on_time_by_order(engine, as_of)
    verdicts = [on_time.get(order_id) for order_id, external in tally.order_ids.items()
                if tally.priority.get(external) == "strategic"]
    known = [v for v in verdicts if v is not None]
    return sum(known) / len(known) if known else 0.0
