"""Tokens: a token found valid is known for a few seconds; nothing else is."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shipshape.domain.access import Role
from shipshape.domain.errors import Unauthorized
from shipshape.services import auth
from shipshape.services.auth import Principal, TokenService


class Tokens:
    """A token store in a dict, counting how often it is asked."""

    def __init__(self) -> None:
        self.rows: dict[str, Principal] = {}
        self.asked = 0

    def add(self, name: str, role: Role, token_hash: str, at: datetime) -> None:
        self.rows[token_hash] = Principal(name, role)

    def find(self, token_hash: str) -> Principal | None:
        self.asked += 1
        return self.rows.get(token_hash)


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
