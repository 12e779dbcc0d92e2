"""API tokens: random secrets shown once, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass, field
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


KNOWN_FOR_S = 5.0
"""How long a token found valid is taken as valid without asking the store again."""


@dataclass(frozen=True, slots=True)
class TokenService:
    store: TokenStore
    secret_key: str
    _valid: dict[str, tuple[Principal, float]] = field(default_factory=dict, compare=False,
                                                       repr=False)
    """Tokens found valid, by hash, with the monotonic time until which they count as known.
    Only valid tokens enter it, so it grows with the tokens made, not with the requests."""

    def create(self, name: str, role: str, at: datetime) -> str:
        if role not in {r.value for r in Role}:
            raise InvalidInput(f"unknown role {role!r}; choose one of {', '.join(Role)}")
        if not name.strip():
            raise InvalidInput("a token needs a name")
        token = "ss_" + secrets.token_urlsafe(32)
        self.store.add(name, Role(role), self._hash(token), at)
        return token

    def known(self, token: str | None) -> Principal | None:
        """The principal of `token` if the store found it valid in the last `KNOWN_FOR_S`
        seconds, else None (ask `authenticate`)."""
        if not token:
            return None
        found = self._valid.get(self._hash(token))
        return found[0] if found is not None and found[1] > time.monotonic() else None

    def authenticate(self, token: str | None) -> Principal:
        if not token:
            raise Unauthorized("a bearer token is required")
        digest = self._hash(token)
        principal = self.store.find(digest)
        if principal is None:
            raise Unauthorized("the token is not valid")
        self._valid[digest] = (principal, time.monotonic() + KNOWN_FOR_S)
        return principal

    def _hash(self, token: str) -> str:
        return hmac.new(self.secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()
