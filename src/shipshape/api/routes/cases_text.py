"""A case from a free-text message: classified by the text model (`ml.text_model`), opened in
the label's team or attached to the order's open case of that code; in the triage queue when
the model is not confident."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from shipshape.adapters.channels.canonical import PLAIN, PROSE
from shipshape.api.deps import allowed, container
from shipshape.api.errors import problem
from shipshape.api.limits import IdempotencyKey
from shipshape.api.problems import errors
from shipshape.bootstrap import Container
from shipshape.domain.access import Permission
from shipshape.domain.text_cases import MAX_TEXT, MessageSource
from shipshape.ml.errors import ModelUnusable
from shipshape.services.auth import Principal
from shipshape.services.intake import caller_scope
from shipshape.services.ports.text import TextClassifier
from shipshape.services.text_cases import IncomingText, case_from_text

log = logging.getLogger(__name__)
router = APIRouter()
App = Annotated[Container, Depends(container)]
Reporter = Annotated[Principal, Depends(allowed(Permission.REPORT_EXCEPTIONS))]


class TextCaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "text": "Hello, order 4711 arrived with two cartons crushed. Please advise.",
        "source": "email", "order_id": "ord_4711", "reference": "msg-20260301-0042"}]})

    text: Annotated[str, Field(min_length=1, max_length=MAX_TEXT), PROSE]
    """The message (tabs and line breaks allowed, no other control character)."""
    source: MessageSource
    order_id: Annotated[str, Field(min_length=1, max_length=40), PLAIN] | None = None
    customer_id: Annotated[str, Field(min_length=1, max_length=60), PLAIN] | None = None
    reference: Annotated[str, Field(min_length=1, max_length=200), PLAIN] | None = None
    """The message's own id (an e-mail's Message-ID, a ticket number), kept with the case."""


class GuessOut(BaseModel):
    label: str
    confidence: float


class TextCaseOut(BaseModel):
    case_id: str
    opened: bool
    """True: a new case; False: the message was attached to the order's open case."""
    attached: bool
    occurrences: int
    label: str
    """The model's best label (on triage too: its best guess)."""
    code: str
    """The case's code: the label's, or TEXT_TRIAGE."""
    team: str
    """The team the label (or triage) sends the case to."""
    confidence: float
    threshold: float
    triage: bool
    top: list[GuessOut]
    model_version: str


@router.post("/cases/from-text", response_model=TextCaseOut, status_code=201,
             responses={200: {"model": TextCaseOut,
                              "description": "attached to the order's open case"},
                        **errors(404)})
def case_from_message(body: TextCaseIn, c: App, who: Reporter, response: Response,
                      idempotency_key: IdempotencyKey = None) -> Any:
    """Classify a message (an e-mail, an agent's note, a carrier's or an EDI acknowledgement's
    text) and open a case of its label's code in its team (201), or attach it to the named
    order's open case of that code (200). Below the model's confidence threshold the case goes
    to the triage queue (code TEXT_TRIAGE, customer service) with the best guesses. With
    `Idempotency-Key`, the same message sent again answers the first answer
    (`Idempotent-Replayed: true`) and counts nothing again. 503 when no text model is
    configured or it cannot be used; 404 for an order or customer that does not exist."""
    classifier = _classifier(c)
    if isinstance(classifier, JSONResponse):
        return classifier
    done = case_from_text(c.deps, classifier, IncomingText(
        text=body.text, source=body.source.value, actor=who.name, order_id=body.order_id,
        customer_id=body.customer_id, reference=body.reference, scope=who.customer_id),
        idempotency_key, caller_scope(who.name))
    if not done.opened:
        response.status_code = 200
    if done.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return done.body


def _classifier(c: Container) -> TextClassifier | JSONResponse:
    folder = c.settings.ml.text_model
    if folder is None:
        return problem(503, "no text model is configured (ml.text_model): train one with "
                            "`shipshape ml train-text` and name its folder",
                       title="No text model")
    from shipshape.ml.text_classifier import classifier_at

    try:
        return classifier_at(folder)
    except ModelUnusable as error:
        log.error("the text model cannot be used: %s", error.reason)
        return problem(503, "the configured text model cannot be used (the server log says "
                            "why)", title="Text model unusable")
