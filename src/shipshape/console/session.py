"""Who is signed in, in which browser: kept on the server, in memory, by the browser's id (a
signed session cookie), never in the browser and never on disk. A restart signs everyone out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from nicegui import app

from shipshape.services.auth import Principal


@dataclass(frozen=True)
class Session:
    token: str
    name: str
    role: str
    team: str | None = None
    customer_id: str | None = None


Identify = Callable[[str], Principal]
"""The API's own token check: the principal of a valid token, else it raises."""

_sessions: dict[str, Session] = {}


def _browser() -> str:
    return str(app.storage.browser["id"])


def current() -> Session | None:
    return _sessions.get(_browser())


def sign_in(token: str, principal: Principal) -> Session:
    session = Session(token, principal.name, str(principal.role),
                      getattr(principal, "team", None), getattr(principal, "customer_id", None))
    _sessions[_browser()] = session
    return session


def sign_out() -> None:
    _sessions.pop(_browser(), None)
