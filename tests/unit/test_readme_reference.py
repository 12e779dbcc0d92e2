"""The README's API reference is the OpenAPI document's: regenerate it with
`python -m shipshape.api.reference README.md` when a route changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipshape.api.reference import current_document, rewrite

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_lists_every_route_as_the_openapi_document_describes_it() -> None:
    text = README.read_text(encoding="utf-8")
    assert rewrite(text, current_document()) == text, (
        "the README's API reference is stale: run "
        "`.venv/bin/python -m shipshape.api.reference README.md`")


def test_a_readme_without_the_markers_is_refused_with_a_message() -> None:
    with pytest.raises(ValueError, match="markers"):
        rewrite("# no reference here\n", current_document())
