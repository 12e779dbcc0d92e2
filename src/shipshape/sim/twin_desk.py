"""Customer service in the twin: agents on a shift work the desk's open cases through the
desk's governed actions, each case taking a drawn handling time; strategic accounts first when
the scenario's process says so.

What an agent does, by case: a partial availability is split across sites where the customer
allows it, else its short lines are substituted where the customer allows it, else it waits for
stock (the engine takes the order again when stock arrives); a short pick is sourced again at a
site with stock, else it waits; an order whose stock a count took is sourced again at a site
with stock, else worked as a partial availability; an unknown item's or mispriced line is
cancelled; a repeated order is rejected; a damaged delivery is credited; a dead letter is
replayed. A refused action leaves the case for a later look.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import simpy

from shipshape.adapters.db.twin_world_queries import QueuedCase, free_by_site, open_cases
from shipshape.api.desk_view import retrier
from shipshape.domain.desk import Action
from shipshape.domain.errors import ShipshapeError
from shipshape.domain.masterdata import PRIORITY_RANK, Priority
from shipshape.services.desk import CaseAction, act
from shipshape.sim.twin_data import partner_of, streams

if TYPE_CHECKING:
    from shipshape.sim.world import Twin

Process = Generator[simpy.Event, Any, None]
LOOK_EVERY_S = 300.0
LOOK_AGAIN_S = 4 * 3600.0
"""A case an agent could not resolve is looked at again after this long."""
WORKED = frozenset({"PARTIAL_AVAILABILITY", "STALE_RESERVATION", "SHORT_PICK", "UNKNOWN_ITEM",
                    "PRICE_MISMATCH", "DUPLICATE_ORDER", "DAMAGED_ON_DELIVERY",
                    "INTEGRATION_FAILURE"})
AGENT = "twin-agent"


class CustomerService:
    def __init__(self, twin: Twin) -> None:
        self.twin = twin
        staff = twin.scenario.customer_service
        self.agents = simpy.PriorityResource(twin.env, capacity=max(staff.agents, 1))
        self.staffed = staff.agents > 0
        self.in_hand: set[str] = set()
        self.rng = streams(twin.seed, "desk")
        self.retrier = retrier(twin.container)

    def run(self) -> Process:
        env = self.twin.env
        while self.staffed:
            yield env.timeout(LOOK_EVERY_S)
            for case in open_cases(self.twin.container.engine, WORKED):
                if case.id not in self.in_hand:
                    self.in_hand.add(case.id)
                    env.process(self._work(case))

    def _rank(self, case: QueuedCase) -> int:
        if not self.twin.scenario.process.priority or case.segment is None:
            return 0
        priority = self._priority_of(case)
        return PRIORITY_RANK.get(Priority(priority), 1) if priority else 1

    def _priority_of(self, case: QueuedCase) -> str | None:
        segments = {s.name: s.priority for s in self.twin.scenario.customers.segments}
        return segments.get(case.segment or "")

    def _work(self, case: QueuedCase) -> Process:
        env, staff = self.twin.env, self.twin.scenario.customer_service
        with self.agents.request(priority=self._rank(case)) as agent:
            yield agent
            yield env.timeout(self._until_shift())
            yield env.timeout(self.rng.expovariate(1 / staff.handling_minutes) * 60)
            done = self._resolve(case)
        if not done:
            yield env.timeout(LOOK_AGAIN_S)
        self.in_hand.discard(case.id)

    def _until_shift(self) -> float:
        staff = self.twin.scenario.customer_service
        hour = (self.twin.env.now / 3600) % 24
        if staff.start_hour <= hour < staff.end_hour:
            return 0.0
        wait_h = (staff.start_hour - hour) % 24
        return wait_h * 3600

    def _resolve(self, case: QueuedCase) -> bool:
        tries = {"PARTIAL_AVAILABILITY": self._shortage, "SHORT_PICK": self._short_pick,
                 "STALE_RESERVATION": self._gave_way,
                 "UNKNOWN_ITEM": self._cancel_lines, "PRICE_MISMATCH": self._cancel_lines,
                 "DUPLICATE_ORDER": self._reject,
                 "DAMAGED_ON_DELIVERY": self._credit,
                 "INTEGRATION_FAILURE": self._retry}[case.code](case)
        return any(self._act(case, request) for request in tries)

    def _act(self, case: QueuedCase, request: CaseAction) -> bool:
        try:
            act(self.twin.container.deps, case.id, request, lambda _: True, self.retrier)
        except ShipshapeError:
            return False
        return True

    def _shortage(self, case: QueuedCase) -> list[CaseAction]:
        segment = next((s for s in self.twin.scenario.customers.segments
                        if s.name == case.segment), None)
        tries = []
        if segment is not None and segment.allow_split:
            tries.append(_action(Action.APPROVE_SPLIT))
        if segment is not None and segment.allow_substitutes:
            tries += [_action(Action.SUBSTITUTE, line_no=line_no,
                              substitute_sku=self._substitute(case, line_no))
                      for line_no in case.line_nos]
        return tries

    def _gave_way(self, case: QueuedCase) -> list[CaseAction]:
        """An order whose stock a count took: from a site that still has the SKU, else as a
        shortage."""
        return self._short_pick(case) + self._shortage(case)

    def _substitute(self, case: QueuedCase, line_no: int) -> str:
        for entry in case.details.get("availability") or []:
            if isinstance(entry, dict) and entry.get("line_no") == line_no:
                return partner_of(self.twin.world, str(entry.get("sku")))
        return ""

    def _short_pick(self, case: QueuedCase) -> list[CaseAction]:
        sku = str(case.details.get("sku") or "")
        skus = {sku} if sku else {str(s.get("sku")) for s in case.details.get("shorts") or []
                                  if isinstance(s, dict)}
        engine = self.twin.container.engine
        sites = {site for s in skus for site, free in (free_by_site(engine, s) or {}).items()
                 if free > 0}
        return [_action(Action.RESOURCE, site_id=site) for site in sorted(sites)]

    def _cancel_lines(self, case: QueuedCase) -> list[CaseAction]:
        return [_action(Action.CANCEL_LINE, line_no=line_no) for line_no in case.line_nos]

    def _credit(self, case: QueuedCase) -> list[CaseAction]:
        return [_action(Action.CREDIT)]

    def _retry(self, case: QueuedCase) -> list[CaseAction]:
        """A dead letter is replayed; while its system is still down the replay fails and the
        case waits for a later look."""
        return [_action(Action.RETRY)]

    def _reject(self, case: QueuedCase) -> list[CaseAction]:
        return [_action(Action.REJECT, root_cause="the same order sent twice")]


def _action(action: Action, **fields: object) -> CaseAction:
    return CaseAction(action=action, reason_code="twin", actor=AGENT, **fields)  # type: ignore[arg-type]
