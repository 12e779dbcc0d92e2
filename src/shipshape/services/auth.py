"""API tokens: random secrets shown once, stored only as a keyed hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
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
    customer_id: str | None = None
    """A token scoped to one customer sees only that customer's orders, cases, invoices,
    shipments and audit entries; None: every customer's."""
    team: str | None = None
    """The team the token's holder works in (the desk's default queue filter)."""


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """A stored token as `shipshape tokens list` shows it: never its hash."""

    name: str
    role: Role
    customer_id: str | None
    team: str | None
    created_at: datetime
    revoked_at: datetime | None


class TokenStore(Protocol):
    def add(self, name: str, role: Role, token_hash: str, at: datetime,
            customer_id: str | None = None, team: str | None = None) -> None: ...
    def find(self, token_hash: str) -> Principal | None:
        """The principal of a live (not revoked) token."""
        ...
    def records(self) -> list[TokenRecord]: ...
    def revoke(self, name: str, at: datetime) -> int:
        """Revoke every live token named `name`; how many were."""
        ...


KNOWN_FOR_S = 5.0
"""How long a token found valid is taken as valid without asking the store again. A token
revoked through this process's `TokenService` is forgotten at once; another process (a running
`shipshape serve`) stops taking it within this many seconds."""
MAX_NAME = 100
MAX_TEAM = 40


@dataclass(frozen=True, slots=True)
class TokenService:
    store: TokenStore
    secret_key: str
    _valid: dict[str, tuple[Principal, float]] = field(default_factory=dict, compare=False,
                                                       repr=False)
    """Tokens found valid, by hash, with the monotonic time until which they count as known.
    Only valid tokens enter it, so it grows with the tokens made, not with the requests."""
    _revocations: list[int] = field(default_factory=lambda: [0], compare=False, repr=False)
    """How many revocations this process made: a token found valid while one was under way
    is not remembered (the store may have answered before the revocation)."""
    _lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)
    """Held to remember a token and to forget revoked ones (`known` needs it not)."""

    def create(self, name: str, role: str, at: datetime, customer_id: str | None = None,
               team: str | None = None) -> str:
        """A new token of `role`; with `customer_id` it sees that customer's data only (the
        caller checks that the customer exists), with `team` its holder's team."""
        if role not in {r.value for r in Role}:
            raise InvalidInput(f"unknown role {role!r}; choose one of {', '.join(Role)}")
        if not name.strip():
            raise InvalidInput("a token needs a name")
        if len(name) > MAX_NAME:
            raise InvalidInput(f"a token's name has at most {MAX_NAME} characters")
        if customer_id is not None and not customer_id.strip():
            raise InvalidInput("--customer needs a customer id")
        if team is not None and not team.strip():
            raise InvalidInput("--team needs a team's name")
        if team is not None and len(team) > MAX_TEAM:
            raise InvalidInput(f"a team's name has at most {MAX_TEAM} characters")
        token = "ss_" + secrets.token_urlsafe(32)
        self.store.add(name, Role(role), self._hash(token), at, customer_id, team)
        return token

    def records(self) -> list[TokenRecord]:
        return self.store.records()

    def revoke(self, name: str, at: datetime) -> int:
        """Revoke every live token named `name`: this process takes none of them from now on
        (another within `KNOWN_FOR_S`); how many were revoked."""
        with self._lock:
            self._revocations[0] += 1
        count = self.store.revoke(name, at)
        with self._lock:
            self._revocations[0] += 1
            # A few valid tokens at most: forget the revoked ones.
            for digest, (principal, _) in list(self._valid.items()):
                if principal.name == name:
                    del self._valid[digest]
        return count

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
        revocations = self._revocations[0]
        principal = self.store.find(digest)
        if principal is None:
            raise Unauthorized("the token is not valid")
        with self._lock:
            if revocations == self._revocations[0]:
                self._valid[digest] = (principal, time.monotonic() + KNOWN_FOR_S)
        return principal

    def _hash(self, token: str) -> str:
        return hmac.new(self.secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()
