"""API tokens: random secrets shown once, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from shipshape.domain.access import Role
from shipshape.domain.errors import InvalidInput, Unauthorized


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role


class TokenStore(Protocol):
    def add(self, name: str, role: Role, token_hash: str, at: datetime) -> None: ...
    def find(self, token_hash: str) -> Principal | None: ...


@dataclass(frozen=True, slots=True)
class TokenService:
    store: TokenStore
    secret_key: str

    def create(self, name: str, role: str, at: datetime) -> str:
        if role not in {r.value for r in Role}:
            raise InvalidInput(f"unknown role {role!r}; choose one of {', '.join(Role)}")
        if not name.strip():
            raise InvalidInput("a token needs a name")
        token = "ss_" + secrets.token_urlsafe(32)
        self.store.add(name, Role(role), self._hash(token), at)
        return token

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise Unauthorized("a bearer token is required")
        principal = self.store.find(self._hash(token))
        if principal is None:
            raise Unauthorized("the token is not valid")
        return principal

    def _hash(self, token: str) -> str:
        return hmac.new(self.secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()
