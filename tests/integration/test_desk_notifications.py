"""The exception desk's notifications through the real delivery path: case events written with the
decision, relayed from the outbox and applied by a worker, end as one signed webhook each (a
local HTTP receiver) and one e-mail each to the owner team (a local SMTP server, aiosmtpd); a
receiver that fails first gets the notification again, once; a receiver that keeps failing ends
in a dead letter; nothing configured sends nothing. On the embedded default (SQLite, the
in-process transport)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from shipshape.adapters.db import tables as t
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.desk_settings import DeskSettings, NotificationSettings
from shipshape.domain.catalogue import DomainEvent, ExceptionAssigned, ExceptionEscalated
from shipshape.services.delivery import replay as dlq
from shipshape.services.delivery.relay import relay_pending
from shipshape.services.notifications import DESK_MAIL, DESK_WEBHOOK
from shipshape.worker import Worker
from tests.worlds.peers import Mailbox, Receiver, free_port, serve
from tests.worlds.worker import work_until

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MAIL_TO = {"warehouse": ["wh@example.test", "lead@example.test"],
           "default": ["desk@example.test"]}
NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


@dataclass
class Desk:
    receiver: Receiver
    mailbox: Mailbox
    url: str
    smtp_port: int


@pytest.fixture
def desk() -> Iterator[Desk]:
    receiver, mailbox = Receiver(), Mailbox()
    server = serve(receiver)
    port = free_port()
    smtpd = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtpd.start()
    host, http_port = server.server_address[:2]
    yield Desk(receiver, mailbox, f"http://{host!s}:{http_port}/hooks/shipshape", port)
    smtpd.stop()
    server.shutdown()
    server.server_close()


def notifications(desk: Desk, **overrides: Any) -> NotificationSettings:
    return NotificationSettings(**{
        "webhook_url": desk.url, "webhook_secret": SECRET, "smtp_host": "127.0.0.1",
        "smtp_port": desk.smtp_port, "mail_from": "shipshape@example.test",
        "mail_to": MAIL_TO, "timeout_s": 5.0, "max_attempts": 3, "first_delay_s": 0,
        "max_delay_s": 0, "jitter_s": 0, **overrides})


@pytest.fixture
def make(database_url: str) -> Iterator[Any]:
    built: list[Container] = []

    def make_container(settings: NotificationSettings | None = None) -> Container:
        desk = DeskSettings(notifications=settings or NotificationSettings())
        container = build(Settings(database_url=database_url, env="test", desk=desk),
                          migrate=True)
        built.append(container)
        return container

    yield make_container
    for container in built:
        container.close()


def case_events() -> list[DomainEvent]:
    return [
        ExceptionAssigned(occurred_at=NOW, order_id="ORD-1", case_id="exc_1", actor="ann",
                          owner_team="warehouse", queue="picking", assignee="bob",
                          reason="routed to the picking queue"),
        ExceptionEscalated(occurred_at=NOW, case_id="exc_2", actor="shipshape", level=2,
                           step="notify_lead", jeopardy="breached", owner_team="finance",
                           queue="credit", priority="high"),
    ]


def write(container: Container, events: list[DomainEvent]) -> list[str]:
    """The events appended and committed as a decision would; their event ids, in order."""
    with container.deps.uow() as uow:
        uow.events.append(events)
        uow.commit()
    with container.engine.connect() as conn:
        return list(conn.execute(select(t.outbox.c.event_id).order_by(t.outbox.c.id))
                    .scalars())


def inbox(container: Container, consumer: str) -> set[str]:
    with container.engine.connect() as conn:
        return set(conn.execute(select(t.inbox.c.event_id)
                                .where(t.inbox.c.consumer == consumer)).scalars())


def notified(container: Container, ids: list[str]) -> bool:
    return inbox(container, DESK_WEBHOOK) >= set(ids) and inbox(container, DESK_MAIL) >= set(ids)


def test_each_assignment_and_breach_is_one_signed_webhook_and_one_mail_to_the_team(
    desk: Desk, make: Any,
) -> None:
    container = make(notifications(desk))
    assert {DESK_WEBHOOK, DESK_MAIL} <= set(container.consumers)
    ids = write(container, case_events())
    relay_pending(container.deps, container.transport)
    assert {DESK_WEBHOOK, DESK_MAIL} <= set(container.delivery_debt().by_consumer)
    work_until(container, lambda: notified(container, ids))
    work_until(container, lambda: True)  # a second worker run finds nothing left to send

    accepted = desk.receiver.accepted()
    assert len(desk.receiver.requests) == len(accepted) == 2
    verifier = Webhook(SECRET)
    by_type = {}
    for headers, raw, _ in desk.receiver.requests:
        body = json.loads(raw)
        assert verifier.verify(raw.decode(), headers) == body
        assert headers["webhook-id"] == f"msg_{body['event_id']}"
        by_type[body["type"]] = body
    assert set(by_type) == {"case.assigned", "case.breached"}
    assert {body["event_id"] for body in by_type.values()} == set(ids)
    assigned, breached = by_type["case.assigned"], by_type["case.breached"]
    assert (assigned["case_id"], assigned["order_id"], assigned["owner_team"],
            assigned["queue"], assigned["assignee"]) == (
        "exc_1", "ORD-1", "warehouse", "picking", "bob")
    assert (breached["case_id"], breached["order_id"], breached["level"],
            breached["jeopardy"], breached["occurred_at"]) == (
        "exc_2", None, 2, "breached", NOW.isoformat())

    mails = {mail["Subject"]: (to, mail) for to, mail in desk.mailbox.mails}
    assert len(desk.mailbox.mails) == 2
    to, mail = mails["[Shipshape] Case exc_1 assigned to warehouse/picking (bob)"]
    assert to == ["wh@example.test", "lead@example.test"]
    assert mail["From"] == "shipshape@example.test"
    to, mail = mails["[Shipshape] Case exc_2 escalated: breached (level 2)"]
    assert to == ["desk@example.test"]
    assert "breached its SLA" in mail.get_payload()
    assert {mail["Message-ID"] for _, mail in desk.mailbox.mails} == {
        f"<msg_{event_id}@shipshape>" for event_id in ids}


def test_receivers_that_fail_first_get_each_notification_again_and_once(
    desk: Desk, make: Any,
) -> None:
    desk.receiver.statuses = [503, 500]
    desk.mailbox.busy = 1
    container = make(notifications(desk))
    ids = write(container, case_events())
    work_until(container, lambda: notified(container, ids))
    work_until(container, lambda: True)

    assert [status for _, _, status in desk.receiver.requests].count(204) == 2
    assert len(desk.receiver.requests) == 4
    ids_sent = [headers["webhook-id"] for headers, _, _ in desk.receiver.requests]
    assert sorted(set(ids_sent)) == sorted(f"msg_{event_id}" for event_id in ids)
    assert sorted(h["webhook-id"] for h, _ in desk.receiver.accepted()) == sorted(set(ids_sent))
    assert desk.mailbox.refused == 1
    assert len(desk.mailbox.mails) == 2
    assert dlq.open_letters(container.deps) == []


def test_a_receiver_that_keeps_failing_leaves_a_dead_letter_and_the_mail_still_goes(
    desk: Desk, make: Any,
) -> None:
    desk.receiver.statuses = [503] * 3
    container = make(notifications(desk))
    [assigned] = case_events()[:1]
    [event_id] = write(container, [assigned])
    work_until(container, lambda: bool(dlq.open_letters(container.deps))
               and event_id in inbox(container, DESK_MAIL))

    [letter] = dlq.open_letters(container.deps)
    assert (letter.consumer, letter.system, letter.operation, letter.event_id,
            letter.attempts) == (DESK_WEBHOOK, "desk-webhook", "case.assigned", event_id, 3)
    assert "gave up after 3 attempts" in letter.error
    assert desk.receiver.accepted() == []
    assert len(desk.mailbox.mails) == 1

    replayed = dlq.replay(container.deps, container.consumers, letter.id)
    assert replayed.outcome == "replayed"
    [(headers, body)] = desk.receiver.accepted()
    assert headers["webhook-id"] == f"msg_{event_id}" and body["type"] == "case.assigned"
    assert len(desk.mailbox.mails) == 1


def test_with_nothing_configured_nothing_is_sent_and_no_consumer_runs(
    desk: Desk, make: Any,
) -> None:
    container = make()
    assert not {DESK_WEBHOOK, DESK_MAIL} & set(container.consumers)
    ids = write(container, case_events())
    relay_pending(container.deps, container.transport)
    assert container.delivery_debt().unapplied == ()  # no consumer owes them anything
    worker, stop = Worker(container), threading.Event()
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while worker.tally.result.skipped < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join(10)
    assert worker.tally.result.skipped == 2 and worker.tally.result.applied == 0
    assert desk.receiver.requests == [] and desk.mailbox.mails == []
    assert not inbox(container, DESK_WEBHOOK) and not inbox(container, DESK_MAIL)
    assert len(ids) == 2


def test_only_the_configured_channel_has_a_consumer(desk: Desk, make: Any) -> None:
    container = make(notifications(desk, smtp_host=""))
    assert DESK_WEBHOOK in container.consumers and DESK_MAIL not in container.consumers
    ids = write(container, case_events())
    work_until(container, lambda: inbox(container, DESK_WEBHOOK) >= set(ids))
    assert len(desk.receiver.accepted()) == 2 and desk.mailbox.mails == []
