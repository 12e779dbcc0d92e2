"""The API keeps its OpenAPI contract: Schemathesis sends generated requests, valid and invalid,
to every operation of the app in process (SQLite, an admin token) with all its checks on: no 5xx,
only documented statuses, content types, headers and bodies, invalid data refused, valid data
accepted, the token enforced, `Allow` on a 405.

The document is read once at collection, from an app over an unmigrated in-memory store (it
depends on the routes only); each operation then runs against an app over its own migrated store.
`POST /events/{system}` is tested too, but without a webhook secret configured (a signature cannot
be generated from the document): every request it gets is refused 401 or 404 before its body is
read; `tests/integration/test_system_events.py` covers the signed path.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from shipshape.api.app import create_app
from shipshape.api.reference import current_document
from shipshape.bootstrap import Container, build
from shipshape.config import Settings
from shipshape.ml_settings import MlSettings
from tests.text_corpus import trained_folder

MAX_EXAMPLES = int(os.environ.get("SHIPSHAPE_CONTRACT_EXAMPLES", "5"))
"""Examples per operation: 5 keeps `make test` short; set SHIPSHAPE_CONTRACT_EXAMPLES=100 for a
deeper run before a release (see the README)."""


schema = schemathesis.openapi.from_dict(current_document())


@pytest.fixture(scope="module")
def text_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small text model, so that `POST /cases/from-text` answers as it does when configured
    (without one it answers 503 to everything)."""
    return trained_folder(tmp_path_factory.mktemp("contract-text") / "model")


@pytest.fixture
def container(database_url: str, text_model: Path) -> Iterator[Container]:
    built = build(Settings(database_url=database_url, env="test",
                           ml=MlSettings(text_model=text_model)), migrate=True)
    yield built
    built.close()


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


def valid_data_accepted(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                        case: schemathesis.Case) -> bool | None:
    """Schemathesis' `positive_data_acceptance`, but for a 422 that is a rule a JSON Schema
    cannot state: the domain's (a site not in master data, a body that is no EDI: no field
    `errors`) or a model's own (line numbers unique in an order: `value_error` on the field).
    Validation refusing what the schema allows names the fields with the failed constraint."""
    if response.status_code == 422 and all(
            error["type"] == "value_error" for error in response.json().get("errors", [])):
        return None
    return positive_data_acceptance(ctx, response, case)


def invalid_data_refused(ctx: schemathesis.CheckContext, response: schemathesis.Response,
                         case: schemathesis.Case) -> bool | None:
    """Schemathesis' `negative_data_rejection`, with 413 taken as a refusal too: invalid data
    generated past the body limit is refused before it is read."""
    if response.status_code == 413:
        return None
    return negative_data_rejection(ctx, response, case)


def token_unless_left_out(case: schemathesis.Case, token: str) -> dict[str, str]:
    """The admin token, but not on a case whose headers were made invalid on purpose: that
    case may be one without `Authorization`, which must be answered 401."""
    headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    if headers is not None and headers.mode is GenerationMode.NEGATIVE:
        return {}
    return {"Authorization": f"Bearer {token}"}


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_its_contract(case: schemathesis.Case, app: FastAPI,
                                    tokens: dict[str, str]) -> None:
    case.operation.schema.app = app  # where checks that send a request again (no token) send it
    case.call_and_validate(app=app, headers=token_unless_left_out(case, tokens["admin"]),
                           excluded_checks=[positive_data_acceptance, negative_data_rejection],
                           additional_checks=[valid_data_accepted, invalid_data_refused])
