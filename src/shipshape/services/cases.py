"""Opening an exception case: the one way a service builds, stores and announces a case.

`open_case` builds the case in the domain (`domain/cases.py`) with everything a site wants
different from what the finding says (stage, details, line numbers), adds it to the unit of
work's case store and returns it with its `ExceptionOpened` event. The caller appends the event
where its events go, so the order of a timeline stays the caller's choice; a caller that records
no event (a dead letter, a refused inbound event) leaves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from shipshape.domain import cases
from shipshape.domain.cases import CaseOrigin, ExceptionCase
from shipshape.domain.events import Event
from shipshape.domain.findings import Finding
from shipshape.services.deps import Deps
from shipshape.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class OpenedCase:
    """A case just stored, and the `ExceptionOpened` event that tells of it."""

    case: ExceptionCase
    event: Event


def open_case(deps: Deps, uow: UnitOfWork, finding: Finding, origin: CaseOrigin, *,
              rule_version: str | None = None, stage: str | None = None,
              details: Mapping[str, object] | None = None,
              line_nos: Sequence[int] | None = None) -> OpenedCase:
    """Open and store a case for `finding`; `rule_version` defaults to the rules in force,
    `details` are added to the finding's, `stage` and `line_nos` replace what it implies."""
    version = deps.rules.version if rule_version is None else rule_version
    case = cases.open_case(deps.new_id("exc"), finding, origin, version, stage=stage,
                           details=details, line_nos=line_nos)
    uow.cases.add(case)
    return OpenedCase(case, cases.case_opened(case, origin.opened_at))
