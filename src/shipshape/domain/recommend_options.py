"""The candidate recommendations of a case, from its facts (`domain/recommend.py`).

* `PARTIAL_AVAILABILITY` (a held order): `resource` to a site that has the whole order,
  `approve_split` across the sites that have it between them, `substitute` a line with an
  item master data names as its substitute, `delay_release` to the day stock is expected.
  Each (but the delay) is tried with the allocation intake and the desk action run
  (`domain.inventory.allocate`), so what is recommended is what the action will reserve.
* `SHORT_PICK` (a released order with units backordered): `resource` the backordered units
  to another site that has them all; `pause` the case waiting on supply until the day stock
  is expected.
* `CARRIER_TENDER_FAILED` (a picked order no carrier took): `retender` to a carrier service
  the failed tender did not try.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from shipshape.domain.desk import Action
from shipshape.domain.inventory import AllocationPlan, Demand, allocate
from shipshape.domain.recommend import Facts, Line, Policy, Recommendation, Substitute

RESOURCE, SPLIT, SUBSTITUTE, DELAY = range(4)
"""Preference among candidates of equal service and margin."""


def candidates(facts: Facts, policy: Policy) -> list[Recommendation]:
    if facts.code == "PARTIAL_AVAILABILITY":
        return [*resources(facts, policy), *split(facts, policy),
                *substitutes(facts, policy), *delay(facts, policy, Action.DELAY_RELEASE)]
    if facts.code == "SHORT_PICK":
        return [*resources(facts, policy), *delay(facts, policy, Action.PAUSE)]
    if facts.code == "CARRIER_TENDER_FAILED":
        return carriers(facts)
    return []


def resources(facts: Facts, policy: Policy) -> list[Recommendation]:
    """Each site that has every line in full on its own."""
    found = []
    shipping_now = _on_time(facts, facts.today)
    for site in (s for s in facts.ranked_sites if s not in facts.excluded_sites):
        plan = _allocate(facts, facts.lines, [site], split=False)
        if not plan.complete:
            continue
        sites = 1 if facts.code == "PARTIAL_AVAILABILITY" else 2
        reasons = (f"{site} has all of it: {_lines_text(facts.lines)}",
                   "ships complete from one site" if sites == 1 else
                   f"the backordered units ship from {site}, a second shipment",
                   _date_text(facts, shipping_now))
        found.append(Recommendation(
            Action.RESOURCE, {"site_id": site}, reasons + _consent(facts, policy, sites),
            shipping_now, True, _margin(facts.lines, sites, policy, facts), sites, RESOURCE))
    return found


def split(facts: Facts, policy: Policy) -> list[Recommendation]:
    """Every line across the sites that have it between them, in sourcing order."""
    plan = _allocate(facts, facts.lines, facts.ranked_sites, split=True)
    sites = sorted({r.site for r in plan.reservations})
    if not plan.complete or len(sites) < 2:
        return []
    per_line = [f"line {line.line_no} {line.sku}: " + " + ".join(
        f"{r.site} {r.quantity}" for r in plan.reservations if r.line_no == line.line_no)
        for line in facts.lines]
    on_time = _on_time(facts, facts.today)
    reasons = (f"ships complete from {len(sites)} sites ({', '.join(sites)})", *per_line,
               _date_text(facts, on_time), *_consent(facts, policy, len(sites)))
    return [Recommendation(Action.APPROVE_SPLIT, {}, reasons, on_time, True,
                           _margin(facts.lines, len(sites), policy, facts), len(sites), SPLIT)]


def substitutes(facts: Facts, policy: Policy) -> list[Recommendation]:
    """Each line replaced by each of its substitutes, where the order can then be taken."""
    found = []
    for line in facts.lines:
        for sub in (s for s in facts.substitutes if s.for_sku == line.sku):
            found += _substitute(facts, policy, line, sub)
    return found


def _substitute(facts: Facts, policy: Policy, line: Line,
                sub: Substitute) -> list[Recommendation]:
    lines = tuple(replace(ln, sku=sub.sku, unit_price=sub.unit_price)
                  if ln.line_no == line.line_no else ln for ln in facts.lines)
    plan = _allocate(facts, lines, facts.ranked_sites, split=policy.allow_split)
    if not plan.complete:
        return []
    sites = len({r.site for r in plan.reservations})
    on_time = _on_time(facts, facts.today)
    held = ", ".join(f"{r.site} {r.quantity}" for r in plan.reservations
                     if r.line_no == line.line_no)
    reasons = (f"{sub.sku} replaces {line.sku} on line {line.line_no} at {sub.unit_price} "
               f"a unit (was {line.unit_price}): {held}",
               "the customer accepts substitutes", _date_text(facts, on_time))
    return [Recommendation(Action.SUBSTITUTE, {"line_no": line.line_no,
                                               "substitute_sku": sub.sku},
                           reasons, on_time, True, _margin(lines, sites, policy, facts),
                           sites, SUBSTITUTE)]


def delay(facts: Facts, policy: Policy, action: Action) -> list[Recommendation]:
    """Wait for stock: until the replenishment date when one is known, else the assumed
    replenishment lead time (none when that is 0)."""
    when, known = facts.replenish_on, True
    if when is None and policy.replenishment_days > 0:
        when, known = facts.today + timedelta(days=policy.replenishment_days), False
    if when is None:
        return []
    when = max(when, facts.today)
    on_time = _on_time(facts, when)
    source = ("stock is due then" if known else
              f"no inbound supply is recorded: assumes {policy.replenishment_days} days "
              "to replenish")
    reasons = (f"waits until {when.isoformat()}: {source}", "ships complete once stock is in",
               _date_text(facts, on_time))
    parameters: dict[str, str | int] = (
        {"release_on": when.isoformat()} if action is Action.DELAY_RELEASE else
        {"waiting_on": "supply", "note": f"replenishment expected {when.isoformat()}"})
    return [Recommendation(action, parameters, reasons, on_time, True,
                           _margin(facts.lines, 1, policy, facts), 1, DELAY)]


def carriers(facts: Facts) -> list[Recommendation]:
    """Every carrier service the failed tender did not try (ineligible ones are dropped by
    the policy, naming why)."""
    found = []
    for option in (c for c in facts.carriers if c.service not in facts.tried):
        arrives = facts.today + timedelta(days=option.transit_days)
        on_time = facts.due is None or arrives <= facts.due
        promised = f", promised {facts.due.isoformat()}" if facts.due else ""
        reasons = (f"{option.service} was not tried by the failed tender",
                   f"{option.transit_days} days in transit: delivers by "
                   f"{arrives.isoformat()}{promised}",
                   "named by the carrier selection table" if option.table_rank is not None
                   else "not in the carrier selection table")
        preference = option.table_rank if option.table_rank is not None else 1000
        found.append(Recommendation(
            Action.RETENDER, {"carrier_service": option.service}, reasons, on_time, True,
            facts.order_value, 1, preference * 100 + option.transit_days))
    return found


def _allocate(facts: Facts, lines: Sequence[Line], first: Sequence[str],
              split: bool) -> AllocationPlan:
    ranked = [*first, *(s for s in facts.ranked_sites if s not in first)] if split else first
    ranked = [s for s in ranked if s not in facts.excluded_sites]
    demands = [Demand(ln.line_no, ln.sku, ln.quantity) for ln in lines]
    return allocate(demands, facts.positions, ranked, split)


def _margin(lines: Sequence[Line], sites: int, policy: Policy, facts: Facts) -> Decimal:
    """Revenue at contract prices less the cost of each shipment beyond the first; a short
    pick's backordered units ship on their own, so their first site is a second shipment."""
    revenue = sum((ln.unit_price * ln.quantity for ln in lines), Decimal(0))
    if facts.code == "SHORT_PICK":
        revenue = facts.order_value
    return revenue - policy.extra_shipment_cost * max(sites - 1, 0)


def _on_time(facts: Facts, ships_on: date) -> bool:
    return facts.due is None or ships_on <= facts.due


def _date_text(facts: Facts, on_time: bool) -> str:
    if facts.due is None:
        return "no date was requested"
    return ("ships by the requested date " if on_time else "misses the requested date ") + \
        facts.due.isoformat()


def _consent(facts: Facts, policy: Policy, sites: int) -> tuple[str, ...]:
    if sites < 2 or policy.allow_split:
        return ()
    return ("the customer's standing policy does not split: ask for their consent "
            "(the reason code records it)",)


def _lines_text(lines: Sequence[Line]) -> str:
    return ", ".join(f"{ln.quantity} {ln.sku} (line {ln.line_no})" for ln in lines)
