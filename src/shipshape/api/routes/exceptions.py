"""Exception cases: the desk's queue, one case whole, assignment and governed actions."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.engine import RowMapping

from shipshape.adapters.db import desk_queries
from shipshape.adapters.db.desk_queries import CaseFilter
from shipshape.api import desk_view
from shipshape.api.deps import allowed, container
from shipshape.api.desk_models import ActionIn, ActionOut, AssignIn, CaseDetail
from shipshape.api.limits import Between, Filter, PageLimit, PageOffset, sort_query
from shipshape.api.read_models import ExceptionList, listed
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.cases import CaseCost, CaseStatus, Stage
from shipshape.domain.errors import NotFound
from shipshape.domain.findings import Kind
from shipshape.services import desk
from shipshape.services.auth import Principal
from shipshape.services.desk import CaseAction

router = APIRouter()
Reader = Annotated[Principal, Depends(allowed(Permission.READ))]
Worker = Annotated[Principal, Depends(allowed(Permission.WORK_EXCEPTIONS))]
Of = Annotated[Container, Depends(container)]


@router.get("/exceptions", response_model=ExceptionList)
def list_exceptions(
    c: Of, who: Reader, period: Between, status: CaseStatus | None = None, code: Filter = None,
    kind: Kind | None = None, stage: Stage | None = None, owner_team: Filter = None,
    queue: Filter = None, assignee: Filter = None, site_id: Filter = None,
    segment: Filter = None, customer_id: Filter = None, order_id: Filter = None,
    sla_state: desk_view.SlaState | None = None,
    sort: Annotated[str, sort_query(desk_queries.CASE_SORTS)] = "-opened_at",
    limit: PageLimit = 100, offset: PageOffset = 0,
) -> dict[str, Any]:
    """Exception cases by their fields, opening time (`from`, `to`) and SLA state now, each
    with its SLA clock. `sort=sla_due_at` puts the most urgent first. `code` is open-ended:
    rules may add codes of their own. A token scoped to a customer sees that customer's only."""
    where = CaseFilter(
        status=status, code=code, kind=kind, stage=stage, owner_team=owner_team, queue=queue,
        assignee=assignee, site_id=site_id, segment=segment,
        customer_id=customer_id, scope=who.customer_id, order_id=order_id,
        sla_state=sla_state, opened_from=period.start, opened_to=period.end)
    page = desk_queries.list_cases(c.engine, where, desk_view.sla_of(c), sort=sort,
                                   limit=limit, offset=offset,
                                   currency=c.settings.invoice_currency)
    return listed("exceptions", page)


@router.get("/exceptions/{case_id}", response_model=CaseDetail)
def get_exception(c: Of, who: Reader, case_id: str) -> dict[str, Any]:
    """One case: its SLA clock, its history, its order with the stock per site, and the
    actions the caller may take on it now."""
    return _detail(c, who, _visible(c, who, case_id))


@router.post("/exceptions/{case_id}/assign", response_model=CaseDetail)
def assign_exception(c: Of, who: Worker, case_id: str, body: AssignIn) -> dict[str, Any]:
    """Give the case to a person (`assignee`), or back to its queue (`null`); `queue` and
    `owner_team` reassign it. 409 when the case is closed."""
    _visible(c, who, case_id)
    desk.assign_case(c.deps, case_id, body.assignee, who.name, queue=body.queue,
                     owner_team=body.owner_team, reason=body.reason or "")
    return _detail(c, who, _visible(c, who, case_id))


@router.post("/exceptions/{case_id}/actions", response_model=ActionOut)
async def act_on_exception(c: Of, who: Worker, case_id: str, body: ActionIn) -> dict[str, Any]:
    """Take a governed action on the case (see the README's table of actions): 403 when the
    role may not, 409 when the case is closed or the action does not answer it, 422 when the
    control points refuse it (naming what is available); a refused action changes nothing."""
    return await run_in_threadpool(_act, c, who, case_id, body)


def _act(c: Container, who: Principal, case_id: str, body: ActionIn) -> dict[str, Any]:
    _visible(c, who, case_id)
    request = CaseAction(
        action=body.action, reason_code=body.reason_code, actor=who.name,
        root_cause=body.root_cause,
        cost=CaseCost(body.cost.rework_minutes, body.cost.expedited_freight,
                      body.cost.invoice_correction),
        line_no=body.line_no, substitute_sku=body.substitute_sku, release_on=body.release_on,
        site_id=body.site_id, waiting_on=body.waiting_on, note=body.note or "",
        carrier_service=body.carrier_service)
    done = desk.act(c.deps, case_id, request, desk_view.may(who), desk_view.retrier(c))
    return {"case": _detail(c, who, _visible(c, who, case_id)), "closed": done.closed,
            "outcome": done.outcome}


def _visible(c: Container, who: Principal, case_id: str) -> RowMapping:
    """The case's row, or 404 when there is none or it lies outside the caller's scope."""
    row = desk_queries.case_row(c.engine, case_id)
    if row is None or (who.customer_id is not None and row["customer_id"] != who.customer_id):
        raise NotFound(f"case {case_id} does not exist")
    return row


def _detail(c: Container, who: Principal, row: RowMapping) -> dict[str, Any]:
    detail = desk_queries.case_detail(c.engine, row, desk_view.sla_of(c),
                                      c.settings.invoice_currency)
    return {**detail, "actions": desk_view.actions_of(c, who, row)}
