"""`shipshape customers contact`: shown, set and changed option by option, as the API would."""

from __future__ import annotations

import json

from shipshape.bootstrap import Container
from shipshape.cli import exit_codes
from tests.builders import seed_distributor
from tests.integration.test_cli_lists import run


def test_a_contact_is_set_changed_and_shown(container: Container, database_url: str) -> None:
    seed_distributor(container)
    run(database_url, "customers", "contact", "C1", code=exit_codes.FAILURE)
    shown = json.loads(run(database_url, "customers", "contact", "C1", "--email",
                           "buyer@acme.example", "--language", "de", "--opt-out", "delivered",
                           "-o", "json").stdout)
    assert (shown["channel"], shown["emails"], shown["language"], shown["opted_out"]) == (
        "email", ["buyer@acme.example"], "de", ["delivered"])
    assert shown["updated_by"].startswith("cli:")
    changed = json.loads(run(database_url, "customers", "contact", "C1", "--opt-out",
                             "shipped", "--opt-in", "delivered", "-o", "json").stdout)
    assert (changed["emails"], changed["language"], changed["opted_out"]) == (
        ["buyer@acme.example"], "de", ["shipped"])
    refused = run(database_url, "customers", "contact", "C1", "--opt-out", "everything",
                  code=exit_codes.FAILURE)
    assert "unknown notice kinds everything" in str(refused.exception)
    run(database_url, "customers", "contact", "NOPE", "--channel", "none",
        code=exit_codes.FAILURE)
