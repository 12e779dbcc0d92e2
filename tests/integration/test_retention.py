"""`shipshape purge`: idempotency keys, inbox rows, delivered outbox rows and EDI documents older
than the retention age go (a dry run unless `--apply`); an event still owed to a consumer keeps
its outbox row and the inbox rows of its event, whatever their age."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container, build
from shipshape.cli import app
from shipshape.config import Settings
from tests.cli_support import failing, shipshape
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
NOW = datetime.now(UTC)
OLD, RECENT = NOW - timedelta(days=40), NOW - timedelta(days=1)


@pytest.fixture
def store(database_url: str) -> Iterator[Container]:
    container = build(Settings(database_url=database_url, env="test"), migrate=True)
    with container.engine.begin() as conn:
        conn.execute(t.idempotency_keys.insert(), [
            _key("old-key", OLD), _key("recent-key", RECENT)])
        conn.execute(t.outbox.insert(), [
            _outbox("delivered-long-ago", OLD, delivered=OLD),
            _outbox("delivered-recently", OLD, delivered=RECENT),
            _outbox("still-owed", OLD, delivered=None),
            _outbox("unsent", OLD, delivered=None, published=None)])
        conn.execute(t.inbox.insert(), [
            _inbox("erp-order-mirror", "delivered-long-ago", OLD),
            _inbox("erp-order-mirror", "delivered-recently", OLD),
            _inbox("erp-order-mirror", "still-owed", OLD),
            _inbox("wms-wave-release", "outbox-row-purged-before", OLD),
            _inbox("wms-wave-release", "applied-yesterday", RECENT)])
        conn.execute(t.edi_documents.insert(), [_document("000000001", OLD),
                                                _document("000000002", RECENT)])
    yield container
    container.close()


def _key(key: str, at: datetime) -> dict[str, Any]:
    return {"scope": "token:shop", "key": key, "request_hash": "h", "status_code": 201,
            "body": {}, "created_at": at}


def _outbox(event_id: str, created: datetime, delivered: datetime | None,
            published: datetime | None = OLD) -> dict[str, Any]:
    return {"event_id": event_id, "topic": "order.OrderAccepted", "stream": "ord-1",
            "payload": {}, "created_at": created, "published_at": published,
            "delivered_at": delivered}


def _inbox(consumer: str, event_id: str, at: datetime) -> dict[str, Any]:
    return {"consumer": consumer, "event_id": event_id, "processed_at": at}


def _document(control_number: str, at: datetime) -> dict[str, Any]:
    return {"partner_id": "P1", "direction": "in", "doc_type": "850",
            "control_number": control_number, "interchange_id": None, "content": "ISA*...",
            "created_at": at}


def remaining(container: Container) -> dict[str, list[str]]:
    with container.engine.connect() as conn:
        return {
            "idempotency_keys": sorted(conn.execute(select(t.idempotency_keys.c.key)).scalars()),
            "outbox": sorted(conn.execute(select(t.outbox.c.event_id)).scalars()),
            "inbox": sorted(conn.execute(select(t.inbox.c.event_id)).scalars()),
            "edi_documents": sorted(conn.execute(
                select(t.edi_documents.c.control_number)).scalars()),
        }


def counts(output: str) -> dict[str, int]:
    found = {}
    for line in output.splitlines():
        words = line.replace("│", " ").split()
        if len(words) == 2 and words[1].isdigit():
            found[words[0]] = int(words[1])
    return found


EVERYTHING = {
    "idempotency_keys": ["old-key", "recent-key"],
    "outbox": ["delivered-long-ago", "delivered-recently", "still-owed", "unsent"],
    "inbox": ["applied-yesterday", "delivered-long-ago", "delivered-recently",
              "outbox-row-purged-before", "still-owed"],
    "edi_documents": ["000000001", "000000002"],
}


def test_a_dry_run_counts_and_deletes_nothing(store: Container, database_url: str) -> None:
    result = shipshape(database_url, "purge", "--older-than", "30d")
    assert counts(result.output) == {"idempotency_keys": 1, "inbox": 3, "outbox": 1,
                                     "edi_documents": 1}
    assert "dry run" in result.output
    assert remaining(store) == EVERYTHING


def test_apply_removes_what_is_old_and_keeps_what_is_still_owed(
    store: Container, database_url: str
) -> None:
    result = shipshape(database_url, "purge", "--older-than", "30d", "--apply")
    assert counts(result.output) == {"idempotency_keys": 1, "inbox": 3, "outbox": 1,
                                     "edi_documents": 1}
    assert remaining(store) == {
        "idempotency_keys": ["recent-key"],
        "outbox": ["delivered-recently", "still-owed", "unsent"],
        "inbox": ["applied-yesterday", "still-owed"],
        "edi_documents": ["000000002"],
    }
    again = shipshape(database_url, "purge", "--older-than", "30d", "--apply")
    assert set(counts(again.output).values()) == {0}


def test_the_default_age_comes_from_the_retention_setting(
    store: Container, database_url: str
) -> None:
    result = CliRunner().invoke(app, ["purge", "--apply"], env={
        "SHIPSHAPE_DATABASE_URL": database_url, "SHIPSHAPE_RETENTION_DAYS": "60"})
    assert result.exit_code == 0, result.output
    assert set(counts(result.output).values()) == {0}
    assert remaining(store) == EVERYTHING


@pytest.mark.parametrize(("age", "said"), [("30 days", "30d, 12h"), ("10m", "between 1h")])
def test_an_unreadable_or_too_short_age_is_refused_and_deletes_nothing(
    store: Container, database_url: str, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], age: str, said: str,
) -> None:
    code, output = failing(monkeypatch, capsys, database_url, "purge", "--older-than", age,
                           "--apply")
    assert code == 2
    assert "--older-than" in output and said in output
    assert remaining(store) == EVERYTHING
