"""Tokens: a token found valid is known for a few seconds; nothing else is; a revoked one is
forgotten at once by the process that revoked it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shipshape.domain.access import Role
from shipshape.domain.errors import InvalidInput, Unauthorized
from shipshape.services import auth
from shipshape.services.auth import Principal, TokenRecord, TokenService


class Tokens:
    """A token store in a dict, counting how often it is asked."""

    def __init__(self) -> None:
        self.rows: dict[str, Principal] = {}
        self.revoked: set[str] = set()
        self.asked = 0

    def add(self, name: str, role: Role, token_hash: str, at: datetime,
            customer_id: str | None = None, team: str | None = None) -> None:
        self.rows[token_hash] = Principal(name, role, customer_id, team)

    def find(self, token_hash: str) -> Principal | None:
        self.asked += 1
        return None if token_hash in self.revoked else self.rows.get(token_hash)

    def records(self) -> list[TokenRecord]:
        return []

    def revoke(self, name: str, at: datetime) -> int:
        found = {h for h, p in self.rows.items() if p.name == name} - self.revoked
        self.revoked |= found
        return len(found)


def test_a_valid_token_is_known_until_its_time_is_up(monkeypatch: pytest.MonkeyPatch) -> None:
    store = Tokens()
    service = TokenService(store, "secret")
    token = service.create("erp", "integration", datetime.now(UTC))
    assert service.known(token) is None
    assert service.authenticate(token) == Principal("erp", Role.INTEGRATION)
    assert service.known(token) == Principal("erp", Role.INTEGRATION)
    now = auth.time.monotonic()
    monkeypatch.setattr(auth.time, "monotonic", lambda: now + auth.KNOWN_FOR_S + 1)
    assert service.known(token) is None
    assert store.asked == 1


def test_a_token_the_store_does_not_have_is_never_known() -> None:
    service = TokenService(Tokens(), "secret")
    with pytest.raises(Unauthorized):
        service.authenticate("ss_forged")
    assert service.known("ss_forged") is None
    assert service.known(None) is None


def test_a_token_carries_its_customer_and_team() -> None:
    service = TokenService(Tokens(), "secret")
    token = service.create("sue", "supervisor", datetime.now(UTC), "C1", "credit")
    assert service.authenticate(token) == Principal("sue", Role.SUPERVISOR, "C1", "credit")


@pytest.mark.parametrize("customer, team", [(" ", None), (None, ""), (None, "t" * 41)])
def test_a_blank_scope_is_refused(customer: str | None, team: str | None) -> None:
    with pytest.raises(InvalidInput):
        TokenService(Tokens(), "secret").create("x", "viewer", datetime.now(UTC), customer, team)


def test_a_revoked_token_is_forgotten_at_once_and_others_are_kept() -> None:
    store = Tokens()
    service = TokenService(store, "secret")
    leaver = service.create("leaver", "agent", datetime.now(UTC))
    stayer = service.create("stayer", "agent", datetime.now(UTC))
    service.authenticate(leaver)
    service.authenticate(stayer)
    assert service.revoke("leaver", datetime.now(UTC)) == 1
    assert service.known(leaver) is None
    with pytest.raises(Unauthorized):
        service.authenticate(leaver)
    assert service.known(stayer) == Principal("stayer", Role.AGENT)
    assert service.revoke("leaver", datetime.now(UTC)) == 0


def test_a_token_found_while_a_revocation_runs_is_not_remembered() -> None:
    """The store answered before the revocation committed: the answer is used once, not kept."""
    store = Tokens()
    service = TokenService(store, "secret")
    token = service.create("leaver", "agent", datetime.now(UTC))
    found_before = store.find

    def find_then_revoke(token_hash: str) -> Principal | None:
        principal = found_before(token_hash)
        service.revoke("leaver", datetime.now(UTC))
        return principal

    store.find = find_then_revoke  # type: ignore[method-assign]
    assert service.authenticate(token) == Principal("leaver", Role.AGENT)
    assert service.known(token) is None
