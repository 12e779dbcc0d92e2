"""The console's way to the API: the app's own `/api/v1`, called in-process with the signed-in
user's token, so that what a user sees and may do is exactly what the API allows that token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
from starlette.types import ASGIApp

from shipshape.console.view import error_text

API = "/api/v1"
BASE_URL = "http://console.local"
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Answer:
    """What the API answered: its JSON when it succeeded, else a sentence of why not."""

    status: int
    data: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


class ApiClient:
    def __init__(self, app: ASGIApp, token: str | None) -> None:
        self.app = app
        self.token = token

    async def get(self, path: str, params: dict[str, str] | None = None) -> Answer:
        return await self._call("GET", path, params=params)

    async def post(self, path: str, body: dict[str, Any]) -> Answer:
        return await self._call("POST", path, json=body)

    async def _call(self, method: str, path: str, **kwargs: Any) -> Answer:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        transport = httpx.ASGITransport(app=self.app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL,
                                     timeout=TIMEOUT_S, headers=headers) as client:
            try:
                response = await client.request(method, API + path, **kwargs)
            except httpx.HTTPError as error:
                return Answer(0, error=f"the API could not be reached: {error}")
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.is_success:
            return Answer(response.status_code, body)
        return Answer(response.status_code, body, error_text(response.status_code, body))
