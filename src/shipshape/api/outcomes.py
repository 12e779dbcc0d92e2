"""The HTTP status of each use-case outcome: the one place outcomes meet HTTP."""

from __future__ import annotations

from collections.abc import Mapping

from shipshape.services.outcomes import Outcome

HTTP_STATUS: Mapping[Outcome, int] = {
    Outcome.CREATED: 201,
    Outcome.EXISTING: 200,
    Outcome.REJECTED: 422,
    Outcome.REFUSED: 409,
    Outcome.APPLIED: 200,
    Outcome.STALE: 200,
}


def http_status(outcome: Outcome) -> int:
    return HTTP_STATUS[outcome]
