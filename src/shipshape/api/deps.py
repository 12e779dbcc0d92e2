"""Request-scoped dependencies: the container and the caller's permissions."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shipshape.bootstrap import Container
from shipshape.domain.access import Permission, require
from shipshape.services.auth import Principal

bearer = HTTPBearer(auto_error=False, description=(
    "A token made with `shipshape tokens create --role <role> --name <name>`; its role "
    "(admin, integration, agent, viewer) decides what it may do."))


async def container(request: Request) -> Container:
    app_container: Container = request.app.state.container
    return app_container


class Allowed:
    """The dependency of a route that needs `permission`: the caller's principal, or 401/403.
    The OpenAPI document names the roles that hold the permission (`x-roles`)."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

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
        return principal


def allowed(permission: Permission) -> Callable[..., Awaitable[Principal]]:
    return Allowed(permission)
