"""`shipshape ml`: the text model's commands."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Adds this module's commands to `shipshape ml`."""
