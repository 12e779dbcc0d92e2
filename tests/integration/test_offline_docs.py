"""`/docs` (Swagger UI) and `/redoc` work without a network: every script, style sheet and icon
they load is served by the app itself, and neither page names an external URL."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

EXTERNAL = re.compile(r"(?:https?:)?//[^\s\"'<>]+")


class _Resources(HTMLParser):
    """The URLs a page loads: scripts, style sheets, icons."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        url = named.get("src") if tag == "script" else named.get("href") if tag == "link" else None
        if url:
            self.urls.append(url)


def resources_of(html: str) -> list[str]:
    parser = _Resources()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_a_docs_page_loads_only_what_the_app_serves(client: TestClient, page: str) -> None:
    answer = client.get(page)
    assert answer.status_code == 200
    assert EXTERNAL.findall(answer.text) == []
    urls = resources_of(answer.text)
    assert any(url.endswith(".js") for url in urls)
    assert any("favicon" in url for url in urls)
    for url in urls:
        assert url.startswith("/"), url
        fetched = client.get(url)
        assert fetched.status_code == 200, url
        assert fetched.content, url
        if url.endswith(".css"):
            assert re.findall(r"url\(\s*['\"]?(?:https?:)?//", fetched.text) == [], url


def test_swagger_ui_asks_no_online_validator(client: TestClient) -> None:
    assert '"validatorUrl": null' in client.get("/docs").text


def test_the_pages_read_the_apps_own_document(client: TestClient) -> None:
    assert "'/openapi.json'" in client.get("/docs").text
    assert 'spec-url="/openapi.json"' in client.get("/redoc").text
    assert client.get("/openapi.json").json()["info"]["title"] == "Shipshape"
