"""Request-scoped dependencies: the container and the caller's permissions."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from shipshape.bootstrap import Container
from shipshape.domain.access import Permission, require
from shipshape.services.auth import Principal

bearer = HTTPBearer(auto_error=False)


def container(request: Request) -> Container:
    app_container: Container = request.app.state.container
    return app_container


def allowed(permission: Permission) -> Callable[..., Principal]:
    def check(
        c: Container = Depends(container),
        credentials: HTTPAuthorizationCredentials | None = Depends(bearer),
    ) -> Principal:
        principal = c.tokens.authenticate(credentials.credentials if credentials else None)
        require(principal.role, permission)
        return principal
    return check
