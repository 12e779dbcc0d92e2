"""A case from a free-text message (`POST /api/v1/cases/from-text`).

The message is classified first (`TextClassifier`, outside the transaction: it reads no
store). Confident: a case of the label's code and team is opened, or, when the message names
an order with an open case of that code, the message is attached to that case, counted as
one more occurrence (`ExceptionRecurred`), as the desk counts an exception seen again. Not
confident (below the model's threshold): a `TEXT_TRIAGE` case for customer service, with the
best guesses in its details. Either way `MessageClassified` carries the message, the label,
the confidence and the model's version onto the case's timeline and into the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import Decimal

from shipshape.domain import text_cases
from shipshape.domain.cases import CaseOrigin
from shipshape.domain.catalogue import DomainEvent, ExceptionRecurred, MessageClassified
from shipshape.domain.errors import Conflict, InvalidInput, NotFound
from shipshape.services.cases import open_case
from shipshape.services.deps import Deps
from shipshape.services.outcomes import Outcome
from shipshape.services.ports import StoredResponse, UnitOfWork
from shipshape.services.ports.text import Classification, TextClassifier


@dataclass(frozen=True, slots=True)
class IncomingText:
    text: str
    source: str
    actor: str
    order_id: str | None = None
    customer_id: str | None = None
    reference: str | None = None
    scope: str | None = None
    """The one customer the caller may act for (a token scoped to a customer); None: any."""


@dataclass(frozen=True, slots=True)
class TextCase:
    body: dict[str, object]
    """The answer: the case, whether opened or attached, and the classification."""
    opened: bool
    """False: attached to a case that was open already."""
    replayed: bool = False
    """The same message under the same idempotency key was taken before: this is its answer."""


@dataclass(frozen=True, slots=True)
class _Put:
    case_id: str
    opened: bool
    occurrences: int
    event: DomainEvent


def case_from_text(deps: Deps, classifier: TextClassifier, message: IncomingText,
                   key: str | None = None, scope: str = "") -> TextCase:
    """Classify `message` and open or attach its case; with `key` (in `scope`) at most once.
    NotFound for an order or customer that does not exist (or lies outside the caller's
    scope), InvalidInput for a message that cannot be taken, Conflict for a key used for
    another message. Nothing is written when it raises."""
    _check(message)
    found = classifier.classify(message.text)
    digest = _digest(message)
    with deps.uow() as uow:
        stored = uow.idempotency.get(scope, key) if key is not None else None
        if stored is not None:
            if stored.request_hash != digest:
                raise Conflict(f"idempotency key {key!r} was already used for another message")
            return TextCase(stored.body, stored.outcome is Outcome.CREATED, replayed=True)
        origin = _origin(deps, uow, message)
        put = _put(deps, uow, found, message, origin)
        uow.events.append([put.event, _classified(found, message, origin, put)])
        body = _answer(put, found)
        if key is not None:
            outcome = Outcome.CREATED if put.opened else Outcome.EXISTING
            uow.idempotency.put(scope, key, StoredResponse(digest, outcome, body),
                                deps.clock.now())
        uow.commit()
    return TextCase(body, put.opened)


def _digest(message: IncomingText) -> str:
    return hashlib.sha256(json.dumps(
        {"kind": "text", "text": message.text, "source": message.source,
         "order_id": message.order_id, "customer_id": message.customer_id,
         "reference": message.reference}).encode()).hexdigest()


def _answer(put: _Put, found: Classification) -> dict[str, object]:
    return {"case_id": put.case_id, "opened": put.opened, "attached": not put.opened,
            "occurrences": put.occurrences, "label": found.label,
            "code": text_cases.TEXT_TRIAGE if found.triage else found.code,
            "team": text_cases.TRIAGE_TEAM if found.triage else found.team,
            "confidence": found.confidence, "threshold": found.threshold,
            "triage": found.triage,
            "top": [{"label": label, "confidence": p} for label, p in found.top],
            "model_version": found.model_version}


def _check(message: IncomingText) -> None:
    if not message.text.strip():
        raise InvalidInput("text: the message is empty")
    if len(message.text) > text_cases.MAX_TEXT:
        raise InvalidInput(f"text: longer than {text_cases.MAX_TEXT} characters")
    if "\x00" in message.text:
        raise InvalidInput("text: must not contain NUL characters")
    if message.source not in set(text_cases.MessageSource):
        raise InvalidInput(f"source: {message.source!r} is not one of "
                           f"{', '.join(text_cases.MessageSource)}")


def _origin(deps: Deps, uow: UnitOfWork, message: IncomingText) -> CaseOrigin:
    """The order and customer the message is about, as far as the caller may see them."""
    scope, customer_id = message.scope, message.customer_id
    if scope is not None and customer_id not in (None, scope):
        raise NotFound(f"customer {customer_id} does not exist")
    customer_id = customer_id or scope
    order = uow.picks.order(message.order_id, lock=False) if message.order_id else None
    if message.order_id and (order is None or scope not in (None, order.customer_id)):
        raise NotFound(f"order {message.order_id} does not exist")
    if order is not None and customer_id not in (None, order.customer_id):
        raise InvalidInput(f"customer_id: order {order.id} is not customer {customer_id}'s")
    customer_id = order.customer_id if order is not None else customer_id
    customer = uow.masterdata.customer(customer_id) if customer_id else None
    if customer_id and customer is None:
        raise NotFound(f"customer {customer_id} does not exist")
    return CaseOrigin(message.order_id, customer, order.value if order else Decimal(0), None,
                      deps.clock.now(), source_system=message.source)


def _put(deps: Deps, uow: UnitOfWork, found: Classification, message: IncomingText,
         origin: CaseOrigin) -> _Put:
    """Attach to the order's open case of the label's code, or open (or count into) a case."""
    if not found.triage and message.order_id:
        existing = uow.cases.open_of_order(message.order_id, found.code)
        if existing:
            case_id = existing[0][0]
            count = uow.cases.recur(case_id, origin.opened_at)
            return _Put(case_id, False, count, ExceptionRecurred(
                occurred_at=origin.opened_at, order_id=message.order_id, case_id=case_id,
                code=found.code, occurrences=count))
    finding = text_cases.finding_of(message.source, found.label, found.code, found.team,
                                    found.confidence, found.triage)
    opened = open_case(deps, uow, finding, origin, rule_version=found.model_version,
                       details=_details(found, message))
    return _Put(opened.case.id, not opened.recurred, opened.case.occurrences, opened.event)


def _details(found: Classification, message: IncomingText) -> dict[str, object]:
    return {
        "message": {"source": message.source, "reference": message.reference,
                    "text": message.text},
        "classification": {
            "label": found.label, "code": found.code, "team": found.team,
            "confidence": found.confidence, "threshold": found.threshold,
            "triage": found.triage, "model_version": found.model_version,
            "top": [{"label": label, "confidence": p} for label, p in found.top]},
    }


def _classified(found: Classification, message: IncomingText, origin: CaseOrigin,
                put: _Put) -> MessageClassified:
    code = text_cases.TEXT_TRIAGE if found.triage else found.code
    team = text_cases.TRIAGE_TEAM if found.triage else found.team
    return MessageClassified(
        occurred_at=origin.opened_at, order_id=message.order_id, case_id=put.case_id,
        actor=message.actor, source=message.source, reference=message.reference,
        text=message.text, label=found.label, code=code, owner_team=team,
        confidence=found.confidence, threshold=found.threshold, triage=found.triage,
        attached=not put.opened,
        top=tuple({"label": label, "confidence": p} for label, p in found.top),
        model_version=found.model_version)
