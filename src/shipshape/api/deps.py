"""Request-scoped dependencies: the container and the caller's permissions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Literal

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shipshape.bootstrap import Container
from shipshape.domain.access import Permission, require
from shipshape.domain.errors import Forbidden, NotFound
from shipshape.services.auth import Principal

bearer = HTTPBearer(auto_error=False, description=(
    "A token made with `shipshape tokens create --role <role> --name <name> [--customer ID]`; "
    "its role (admin, integration, supervisor, agent, viewer) decides what it may do. A token "
    "made for one customer sees that customer's orders, cases, invoices, shipments and audit "
    "entries only: another's answer 404 and are in no list; routes about every customer "
    "(master data and stock writes, waves, reconciliation, EDI) refuse it with 403."))


async def container(request: Request) -> Container:
    app_container: Container = request.app.state.container
    return app_container


class Allowed:
    """The dependency of a route that needs `permission`: the caller's principal, or 401/403.
    The OpenAPI document names the roles that hold the permission (`x-roles`)."""

    def __init__(self, permission: Permission, every_customer: bool = False) -> None:
        self.permission = permission
        self.every_customer = every_customer
        """The route is about every customer: a token scoped to one is refused (403)."""

    async def __call__(
        self,
        request: Request,
        c: Container = Depends(container),
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    ) -> Principal:
        # Async, so that a known token costs no trip to the thread pool; the store is asked
        # there when the token is not known.
        token = credentials.credentials if credentials else None
        principal = c.tokens.known(token)
        if principal is None:
            principal = await run_in_threadpool(c.tokens.authenticate, token)
        request.state.principal = principal.name  # for the access log: the name, not the token
        require(principal.role, self.permission)
        if self.every_customer and principal.customer_id is not None:
            raise Forbidden(f"the token is scoped to customer {principal.customer_id}; this "
                            "route is about every customer")
        return principal


def allowed(permission: Permission, *,
            every_customer: bool = False) -> Callable[..., Awaitable[Principal]]:
    """The caller's principal if its role holds `permission`; `every_customer`: the route
    concerns all customers, so a token scoped to one is refused (403)."""
    return Allowed(permission, every_customer)


# ---------------------------------------------------------------- customer scope of a token


def scope_of(principal: Principal) -> str | None:
    """The one customer whose data the caller may see; None: every customer's."""
    return principal.customer_id


def not_found_outside_scope(principal: Principal, customer_id: str | None,
                            message: str) -> None:
    """Raise 404 with `message` when the caller is scoped to a customer and the thing it named
    belongs to another (or to none, or does not exist). Pass the very message the route gives
    for a thing that does not exist: a scoped token then learns nothing of other customers'
    ids."""
    scope = principal.customer_id
    if scope is not None and customer_id != scope:
        raise NotFound(message)


def customer_filter(principal: Principal, asked: str | None) -> str | Literal[False] | None:
    """The `customer_id` filter a list runs with: the caller's own customer when scoped
    (whatever it asked), else what it asked; False when a scoped caller asked for another
    customer, whose rows it may not see: answer an empty list (`empty_list`)."""
    scope = principal.customer_id
    if scope is None:
        return asked
    return scope if asked in (None, scope) else False


def empty_list(key: str, limit: int, offset: int) -> dict[str, Any]:
    """The body of a list route that matches nothing."""
    return {key: [], "total": 0, "limit": limit, "offset": offset}
