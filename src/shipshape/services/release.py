"""Release: a wave per site, the synchronous pre-wave check, and a credit hold after release.

`release_wave` is one transaction: it takes (and locks) the orders due at the site, best first;
loads the fresh data the check reads in a few batched queries; runs the pre-wave check
(`domain/waves.py`); and writes the wave and its orders, the status moves, the exception cases
and the events, with the outbox rows. Orders that fail the check are pulled from the wave and
held, one case per finding (stage release); the others are released, each with an
`OrderReleased` event, and the wave goes to the WMS as one `WaveReleased` event (the
`wms-wave-release` consumer calls `wave_release`). When nothing is due, nothing is written and
the result has no wave id.

`credit_hold_after_release` is the effect of a credit hold the ERP sends once orders are with
the warehouse: each released or picked order of the customer is held with a
`CREDIT_HOLD_AFTER_RELEASE` case and a `TaskCancelRequested` event (the `wms-task-cancel`
consumer calls `task_cancel`), so that it never ships silently.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shipshape.domain import waves as wv
from shipshape.domain.cases import CaseOrigin, ExceptionCase, Stage, promised_at
from shipshape.domain.catalogue import (
    DomainEvent,
    OrderPulledFromWave,
    OrderReleased,
    TaskCancelRequested,
    WaveLine,
    WaveOrder,
    WaveReleased,
)
from shipshape.domain.catalogue.parts import finding_json
from shipshape.domain.controls import PastShipDate
from shipshape.domain.errors import InvalidInput, ShipshapeError
from shipshape.domain.findings import Finding
from shipshape.domain.integration import SystemEvent
from shipshape.domain.masterdata import ContractPrice
from shipshape.domain.orders import OrderStatus
from shipshape.services.cases import OpenedCase, open_case
from shipshape.services.deps import Deps
from shipshape.services.ports import OpenOrder, UnitOfWork, WaveEntry, WaveRecord
from shipshape.services.promise import check_orders
from shipshape.services.release_risk import rescore_wave
from shipshape.services.status import check_moves, status_changed

DEMAND, CADENCE = "demand", "cadence"
TRIGGERS = frozenset({DEMAND, CADENCE})
DEFAULT_LIMIT = 1000
MAX_LIMIT = 5000
RELEASE = Stage.RELEASE.value


@dataclass(frozen=True, slots=True)
class PulledOrder:
    order_id: str
    codes: tuple[str, ...]
    case_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WaveResult:
    """`wave_id` is None when no order was due (nothing was written)."""

    wave_id: str | None
    site: str
    trigger: str
    released: tuple[str, ...] = ()
    pulled: tuple[PulledOrder, ...] = ()
    check_ms: float = 0.0

    def as_json(self) -> dict[str, object]:
        return {"wave_id": self.wave_id, "site_id": self.site, "trigger": self.trigger,
                "released": list(self.released), "released_count": len(self.released),
                "pulled": [{"order_id": p.order_id, "codes": list(p.codes),
                            "cases": list(p.case_ids)} for p in self.pulled],
                "pulled_count": len(self.pulled), "check_ms": round(self.check_ms, 3)}


@dataclass(frozen=True, slots=True)
class PrewaveRun:
    outcomes: list[wv.WaveOutcome]
    facts: wv.PrewaveFacts
    check_ms: float
    """Choosing and locking the orders, loading the fresh data and checking them."""


def release_wave(deps: Deps, site: str, limit: int = DEFAULT_LIMIT,
                 trigger: str = DEMAND) -> WaveResult:
    """Release a wave of up to `limit` orders at `site` (see the module's docstring)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"a wave takes 1 to {MAX_LIMIT} orders, not {limit}")
    if trigger not in TRIGGERS:
        raise InvalidInput(f"unknown wave trigger {trigger!r}; known: "
                           + ", ".join(sorted(TRIGGERS)))
    with deps.uow() as uow:
        if site not in uow.masterdata.sites():
            raise InvalidInput(f"site {site} is not in master data")
        result = release_in(deps, uow, site, limit, trigger)
        uow.commit()
    return result


def release_due_waves(deps: Deps, limit: int = DEFAULT_LIMIT
                      ) -> dict[str, WaveResult | ShipshapeError]:
    """One tick of the cadence: a wave at every site of the master data, each in its own
    transaction; a site whose wave fails (a conflict) does not stop the others."""
    with deps.uow.reading() as uow:
        sites = sorted(uow.masterdata.sites())
    results: dict[str, WaveResult | ShipshapeError] = {}
    for site in sites:
        try:
            results[site] = release_wave(deps, site, limit, CADENCE)
        except ShipshapeError as error:
            results[site] = error
    return results


def release_in(deps: Deps, uow: UnitOfWork, site: str, limit: int, trigger: str) -> WaveResult:
    """The wave within the caller's transaction; no commit."""
    now = deps.clock.now()
    run = prewave(uow, site, limit, now, deps.past_ship_date)
    if run is None:
        return WaveResult(None, site, trigger)
    wave_id = deps.new_id("wave")
    outcomes, scored = rescore_wave(deps, uow, run.outcomes, run.facts, wave_id, now)
    run = PrewaveRun(outcomes, run.facts, run.check_ms)
    uow.events.append(scored)
    released = [o for o in run.outcomes if o.released]
    pulled = _pull(deps, uow, wave_id, run, now)
    _move(uow, released, now)
    _warn(uow, released, now)
    uow.waves.add(WaveRecord(
        wave_id, site, trigger, "released" if released else "all_pulled", run.check_ms, now,
        tuple(WaveEntry(o.candidate.order_id, "released" if o.released else "pulled",
                        [finding_json(f) for f in o.findings + o.warnings])
              for o in run.outcomes)))
    uow.events.append(_release_events(wave_id, site, trigger, released, now))
    return WaveResult(wave_id, site, trigger, tuple(o.candidate.order_id for o in released),
                      tuple(pulled), run.check_ms)


def prewave(uow: UnitOfWork, site: str, limit: int, now: datetime,
            past_ship_date: PastShipDate = PastShipDate.WARN) -> PrewaveRun | None:
    """Choose and lock the orders due at `site`, load fresh data, check each; None when no
    order is due."""
    started = time.perf_counter()
    ids = uow.waves.lock_due(site, limit)
    candidates = uow.waves.candidates(site, ids) if ids else []
    if not candidates:
        return None
    facts = load_facts(uow, site, candidates, now, past_ship_date)
    outcomes = wv.decide_wave(candidates, facts)
    return PrewaveRun(outcomes, facts, (time.perf_counter() - started) * 1000)


def load_facts(uow: UnitOfWork, site: str, candidates: Sequence[wv.WaveCandidate],
               now: datetime, past_ship_date: PastShipDate = PastShipDate.WARN
               ) -> wv.PrewaveFacts:
    customer_ids = {c.draft.customer_id for c in candidates}
    on_hand, reserved = uow.waves.stock(
        site, {r.sku for c in candidates for r in c.reservations})
    wants_carriers = any(c.draft.carrier_service for c in candidates)
    return wv.PrewaveFacts(
        today=now.date(), site=site, customers=uow.masterdata.customers(customer_ids),
        items=uow.masterdata.items({ln.sku for c in candidates for ln in c.draft.lines}),
        carriers=uow.masterdata.carriers() if wants_carriers else {},
        on_hand=on_hand, reserved=reserved, exposure=uow.waves.exposures(customer_ids),
        prices=_contract_prices(uow, candidates), past_ship_date=past_ship_date)


def _contract_prices(uow: UnitOfWork, candidates: Sequence[wv.WaveCandidate]
                     ) -> dict[str, dict[str, ContractPrice]]:
    """The contract prices of the lines stored without a unit price (none: no query)."""
    unpriced = [(c.draft.customer_id, ln.sku) for c in candidates for ln in c.draft.lines
                if ln.unit_price is None]
    if not unpriced:
        return {}
    return uow.masterdata.price_table({cid for cid, _ in unpriced}, {sku for _, sku in unpriced})


def _move(uow: UnitOfWork, released: Sequence[wv.WaveOutcome], now: datetime) -> None:
    moving = [o.candidate.order_id for o in released
              if wv.status_after(o.candidate.status, True) != o.candidate.status]
    uow.waves.set_status(moving, OrderStatus.RELEASED, now)


def _warn(uow: UnitOfWork, released: Sequence[wv.WaveOutcome], now: datetime) -> None:
    """Record the warnings the released orders go with (a ship date already past)."""
    warned = {o.candidate.order_id: o.warnings for o in released if o.warnings}
    if warned:
        uow.waves.add_findings(warned, RELEASE, now)


def _pull(deps: Deps, uow: UnitOfWork, wave_id: str, run: PrewaveRun,
          now: datetime) -> list[PulledOrder]:
    pulled = [o for o in run.outcomes if not o.released]
    if not pulled:
        return []
    for outcome in pulled:
        wv.status_after(outcome.candidate.status, False)
    uow.waves.set_status([o.candidate.order_id for o in pulled], OrderStatus.HELD, now)
    uow.waves.add_findings({o.candidate.order_id: o.findings for o in pulled}, RELEASE, now)
    results: list[PulledOrder] = []
    events: list[DomainEvent] = []
    for outcome in pulled:
        opened = _open_cases(deps, uow, outcome, run.facts, now)
        cases = [o.case for o in opened]
        events += [o.event for o in opened]
        events += _pulled_events(wave_id, run.facts.site, outcome, cases, now)
        results.append(PulledOrder(outcome.candidate.order_id, tuple(outcome.codes),
                                   tuple(case.id for case in cases)))
    events += check_orders(deps, uow, [o.candidate.order_id for o in pulled], now)
    uow.events.append(events)
    return results


def _open_cases(deps: Deps, uow: UnitOfWork, outcome: wv.WaveOutcome, facts: wv.PrewaveFacts,
                now: datetime) -> list[OpenedCase]:
    candidate = outcome.candidate
    draft = candidate.draft
    origin = CaseOrigin(candidate.order_id, facts.customers.get(draft.customer_id), draft.value,
                        promised_at(draft.requested_ship_date, now), now, site_id=facts.site)
    return [open_case(deps, uow, finding, origin, stage=RELEASE)
            for finding in outcome.findings]


def _pulled_events(wave_id: str, site: str, outcome: wv.WaveOutcome,
                   cases: Sequence[ExceptionCase], now: datetime) -> list[DomainEvent]:
    candidate = outcome.candidate
    events: list[DomainEvent] = [OrderPulledFromWave(
        occurred_at=now, order_id=candidate.order_id, wave_id=wave_id, site=site,
        from_status=candidate.status, to_status=OrderStatus.HELD, codes=tuple(outcome.codes),
        case_ids=tuple(case.id for case in cases))]
    if candidate.status is OrderStatus.RELEASED:
        # Split across sites, and released at another site already: stop the work there too.
        events.append(_cancel_event(candidate.order_id, (), ",".join(outcome.codes),
                                    cases[0].id if cases else None, now))
    return events


def _release_events(wave_id: str, site: str, trigger: str,
                    released: Sequence[wv.WaveOutcome], now: datetime) -> list[DomainEvent]:
    events: list[DomainEvent] = [OrderReleased(
        occurred_at=now, order_id=o.candidate.order_id, wave_id=wave_id, site=site,
        from_status=o.candidate.status, to_status=OrderStatus.RELEASED) for o in released]
    if released:
        # Keyed by the wave id: the WMS's answer lands on the wave's own timeline.
        events.append(WaveReleased(occurred_at=now, wave_id=wave_id, site=site, trigger=trigger,
                                   orders=tuple(_wave_order(o) for o in released)))
    return events


def _wave_order(outcome: wv.WaveOutcome) -> WaveOrder:
    draft = outcome.candidate.draft
    return WaveOrder(order_id=outcome.candidate.order_id, customer_id=draft.customer_id,
                     requested_ship_date=draft.requested_ship_date,
                     carrier_service=draft.carrier_service, lines=_wave_lines(outcome))


def _wave_lines(outcome: wv.WaveOutcome) -> tuple[WaveLine, ...]:
    """What the warehouse is asked to pick for this order at the wave's site."""
    return tuple(WaveLine(r.line_no, r.sku, r.quantity)
                 for r in sorted(outcome.candidate.reservations, key=lambda r: r.line_no))


def credit_hold_after_release(deps: Deps, uow: UnitOfWork, event: SystemEvent) -> None:
    """Effect of an applied `credit_status_changed` with `on_hold` true: hold every released or
    picked order of the customer, with a `CREDIT_HOLD_AFTER_RELEASE` case (blocking, credit
    team, stage release) and a `TaskCancelRequested` event for the WMS. Accepted orders are
    left to the pre-wave check, which pulls them."""
    if event.type != "credit_status_changed" or not bool(event.data.get("on_hold")):
        return
    customer_id = str(event.data.get("customer_id", ""))
    affected = [o for o in uow.waves.open_orders_of(customer_id)
                if o.status in wv.AFTER_RELEASE_STATUSES]
    if not affected:
        return
    check_moves(affected, OrderStatus.HELD)
    now = deps.clock.now()
    uow.waves.set_status([o.id for o in affected], OrderStatus.HELD, now)
    events: list[DomainEvent] = []
    findings: dict[str, list[Finding]] = {}
    for order in affected:
        finding = wv.credit_hold_after_release(customer_id, order.id, order.status, order.sites)
        findings[order.id] = [finding]
        opened = _hold_case(deps, uow, order, event, finding, now)
        case = opened.case
        events += [opened.event, status_changed(
            order.id, order.status, OrderStatus.HELD, now, reason=wv.CREDIT_HOLD_AFTER_RELEASE,
            case_id=case.id, webhook_id=event.webhook_id)]
        events.append(_cancel_event(order.id, order.sites, wv.CREDIT_HOLD_AFTER_RELEASE,
                                    case.id, now))
    uow.waves.add_findings(findings, RELEASE, now)
    events += check_orders(deps, uow, [order.id for order in affected], now)
    uow.events.append(events)


def _hold_case(deps: Deps, uow: UnitOfWork, order: OpenOrder, event: SystemEvent,
               finding: Finding, now: datetime) -> OpenedCase:
    origin = CaseOrigin(order.id, uow.masterdata.customer(str(event.data.get("customer_id"))),
                        order.value, promised_at(order.requested_ship_date, now), now,
                        source_system=event.system,
                        site_id=order.sites[0] if len(order.sites) == 1 else None)
    return open_case(deps, uow, finding, origin, details={"webhook_id": event.webhook_id})


def _cancel_event(order_id: str, sites: Sequence[str], reason: str, case_id: str | None,
                  now: datetime) -> TaskCancelRequested:
    """`sites` empty: every site the order was released at (the WMS knows its tasks)."""
    return TaskCancelRequested(occurred_at=now, order_id=order_id, sites=tuple(sites),
                               reason=reason, case_id=case_id)
