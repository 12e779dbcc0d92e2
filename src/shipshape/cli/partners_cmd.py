"""`shipshape partners load FILE`: trading-partner profiles from JSON or YAML."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console

from shipshape.api.schemas import PartnerIn
from shipshape.bootstrap import build
from shipshape.domain.errors import InvalidInput
from shipshape.domain.partners import TradingPartner
from shipshape.services import edi

app = typer.Typer(help="Trading partners (EDI).", no_args_is_help=True)
console = Console()


@app.command("load")
def load(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Load partner profiles (a list, or {"partners": [...]}) from JSON or YAML; idempotent."""
    partners = read_partners(file)
    count = edi.upsert_partners(build(migrate=True).deps, partners)
    console.print(f"loaded {count} trading partner profiles")


def read_partners(path: Path) -> list[TradingPartner]:
    document = _document(path)
    raw = document.get("partners", []) if isinstance(document, dict) else document
    if not isinstance(raw, list):
        raise InvalidInput(f"{path.name}: expected a list of partners")
    partners = []
    for number, record in enumerate(raw, 1):
        try:
            partners.append(PartnerIn.model_validate(record).to_domain())
        except ValidationError as error:
            raise InvalidInput(f"partner {number}: {error}") from error
    return partners


def _document(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text)
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise InvalidInput(f"{path.name} cannot be read: {error}") from error
