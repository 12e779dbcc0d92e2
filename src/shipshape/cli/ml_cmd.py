"""`shipshape ml`: train, evaluate and apply the governed models."""

from __future__ import annotations

import typer

from shipshape.cli import ml_risk_cmd, ml_text_cmd

app = typer.Typer(help="Train, evaluate and apply the order-risk model and the text classifier.",
                  no_args_is_help=True)
ml_risk_cmd.register(app)
ml_text_cmd.register(app)
