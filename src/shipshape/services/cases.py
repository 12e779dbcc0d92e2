"""Opening an exception case: the one way a service builds, stores and announces a case.

`open_case` builds the case in the domain (`domain/cases.py`) with everything a site wants
different from what the finding says (stage, details, line numbers), adds it to the unit of
work's case store and returns it with its `ExceptionOpened` event. The same exception seen
again while its case is open (same code and subject, `domain.cases.subject_of`) is counted into
that case, told by `ExceptionRecurred`, instead of opening another. The caller appends the event
where its events go, so the order of a timeline stays the caller's choice; a caller that records
no event (a dead letter, a refused inbound event) leaves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from shipshape.domain import cases
from shipshape.domain.cases import CaseOrigin, ExceptionCase
from shipshape.domain.catalogue import ExceptionOpened, ExceptionRecurred
from shipshape.domain.findings import Finding
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class OpenedCase:
    """A case just stored, or the open case of the same code and subject counted once more,
    and the event that tells of it (`ExceptionOpened` or `ExceptionRecurred`)."""

    case: ExceptionCase
    event: ExceptionOpened | ExceptionRecurred

    @property
    def recurred(self) -> bool:
        return isinstance(self.event, ExceptionRecurred)


def open_case(deps: Deps, uow: UnitOfWork, finding: Finding, origin: CaseOrigin, *,
              rule_version: str | None = None, stage: str | None = None,
              details: Mapping[str, object] | None = None,
              line_nos: Sequence[int] | None = None) -> OpenedCase:
    """Open and store a case for `finding`, or count it into the open case of the same code and
    subject. `rule_version` defaults to the rules in force, `details` are added to the
    finding's, `stage` and `line_nos` replace what it implies."""
    version = deps.rules.version if rule_version is None else rule_version
    case = cases.open_case(deps.new_id("exc"), finding, origin, version, stage=stage,
                           details=details, line_nos=line_nos)
    existing = uow.cases.open_like(case.code, case.subject) if case.subject else None
    if existing is not None:
        return _recurred(uow, replace(case, id=existing), origin.opened_at)
    case = routed(deps, case, origin)
    uow.cases.add(case)
    return OpenedCase(case, cases.case_opened(case, origin.opened_at))


def routed(deps: Deps, case: ExceptionCase, origin: CaseOrigin) -> ExceptionCase:
    """The case as the routing table (`deps.routing`) routes it: owner team, queue, priority,
    an SLA budget in business seconds on the owner team's calendar and the due time it gives,
    never after the promised time; the table's version is kept in `details["routing"]`.
    Without a routing table the case stays as the domain built it."""
    if deps.routing is None:
        return case
    customer = origin.customer
    route = deps.routing.route({
        "code": case.code, "kind": case.kind, "stage": case.stage, "site_id": case.site_id,
        "customer_segment": case.customer_segment,
        "customer_priority": customer.priority if customer else None,
        "order_value": float(origin.order_value), "owner_team": case.owner_team})
    budget, due = deps.desk.budget_and_due(route.owner_team, origin.opened_at, route.sla_hours,
                                           origin.promised)
    return replace(case, owner_team=route.owner_team, queue=route.queue,
                   priority=route.priority, sla_budget_s=budget, sla_due_at=due,
                   details={**case.details, "routing": deps.routing.version})


def _recurred(uow: UnitOfWork, case: ExceptionCase, at: datetime) -> OpenedCase:
    count = uow.cases.recur(case.id, at)
    counted = replace(case, occurrences=count, last_seen_at=at)
    return OpenedCase(counted, ExceptionRecurred(
        occurred_at=at, order_id=case.order_id, case_id=case.id, code=case.code,
        occurrences=count))
