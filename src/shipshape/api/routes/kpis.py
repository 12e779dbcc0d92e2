"""KPIs: the perfect order, exceptions per 1,000 orders, the desk's recorded cost and time to
resolve, credit notes and integration failures, in all and by dimension; and each delivered
order with the causes of its failures."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError

from shipshape.adapters.db import kpi_queries, perfect_order_failures
from shipshape.adapters.db.kpi_sources import Window
from shipshape.api.deps import allowed, container
from shipshape.api.kpi_models import KpiReportOut, OrderKpiList
from shipshape.api.limits import Between, PageLimit, PageOffset, Period
from shipshape.api.read_models import listed
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.kpis import Dimension, dimensions_of
from shipshape.services.auth import Principal

router = APIRouter()
Reader = Annotated[Principal, Depends(allowed(Permission.READ))]
Of = Annotated[Container, Depends(container)]
DIMENSIONS = ", ".join(d.value for d in Dimension)
_NAME = "|".join(d.value for d in Dimension)
BY_PATTERN = f"^({_NAME})(,({_NAME}))*$"


def dimensions(by: Annotated[list[str] | None, Query(
        description=f"group the KPIs by each of these too ({DIMENSIONS}); repeat it "
                    "(`by=day&by=stage`) or separate by commas (`by=day,stage`)",
        json_schema_extra={"items": {"type": "string", "pattern": BY_PATTERN,
                                     "examples": ["day", "stage,owner_team"]}})] = None,
               ) -> tuple[Dimension, ...]:
    """The `by` query parameter: known dimensions, else a 422 naming the one not known."""
    try:
        return dimensions_of(by or ())
    except ValueError as error:
        raise RequestValidationError([{"loc": ("query", "by"), "type": "enum",
                                       "input": by, "msg": str(error)}]) from None


By = Annotated[tuple[Dimension, ...], Depends(dimensions)]


def _window(period: Period, who: Principal) -> Window:
    return Window(period.start, period.end, who.customer_id)


@router.get("/kpis", response_model=KpiReportOut)
def get_kpis(c: Of, who: Reader, period: Between, by: By) -> dict[str, Any]:
    """The KPIs of the period (`from`, `to`; open ends: all time), in all and per group of each
    dimension in `by`: perfect order rate and its parts (orders delivered in the period), its
    failures per cause, exceptions per 1,000 orders (cases opened / orders created), rework
    hours, expedited freight, invoice correction cost and time to resolve (mean, p90) of the
    cases closed, credit notes, and the integration failure rate. A KPI a dimension does not
    apply to is null in that breakdown, which says why. A token scoped to a customer counts
    that customer's only."""
    return kpi_queries.kpi_report(c.engine, _window(period, who), by,
                                  c.settings.invoice_currency).as_json()


@router.get("/kpis/orders", response_model=OrderKpiList)
def list_order_kpis(c: Of, who: Reader, period: Between, perfect: bool | None = None,
                    limit: PageLimit = 100, offset: PageOffset = 0) -> dict[str, Any]:
    """The orders whose last shipment was delivered in the period, oldest delivery first (only
    the perfect or imperfect ones with `perfect`): their perfect-order facts, each part they
    failed with the case (or credit note) that caused it, and their credit notes."""
    page = perfect_order_failures.order_kpis(c.engine, _window(period, who), perfect, limit,
                                             offset)
    return listed("orders", page)
