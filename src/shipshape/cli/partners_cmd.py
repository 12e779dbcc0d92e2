"""`shipshape partners load FILE`: trading-partner profiles from JSON or YAML;
`shipshape partners documents PARTNER`: the EDI documents received from and sent to a partner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from shipshape.adapters.channels.bulk_files import brief
from shipshape.adapters.channels.canonical import PartnerIn
from shipshape.adapters.db.edi_ack_queries import partner_dashboard, partner_exists
from shipshape.adapters.db.edi_document_store import StoredDocument, edi_documents
from shipshape.bootstrap import Container, as2_sender, build
from shipshape.cli.output import Listing, OutputFormat, OutputOption, emit
from shipshape.cli.reading import read
from shipshape.domain.errors import InvalidInput, NotFound
from shipshape.domain.partners import TradingPartner
from shipshape.services import edi_intake as edi
from shipshape.services.edi_ack_sweep import sweep_missing_acks

app = typer.Typer(help="Trading partners (EDI).", no_args_is_help=True)
DOCUMENT_FIELDS: tuple[str, ...] = ("id", "partner_id", "direction", "doc_type",
                                    "control_number", "created_at")
console = Console()


@app.command("load")
def load(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Load partner profiles (a list, or {"partners": [...]}) from JSON or YAML; idempotent."""
    partners = read_partners(file)
    count = edi.upsert_partners(build(migrate="embedded").deps, partners)
    console.print(f"loaded {count} trading partner profiles")


@app.command("documents")
def documents(
    partner: Annotated[str, typer.Argument(help="the partner id")],
    doc_type: Annotated[str | None, typer.Option("--type", help="e.g. 856, 810, 997")] = None,
    direction: Annotated[str | None, typer.Option(help="in or out")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="most documents")] = 20,
    content: Annotated[bool, typer.Option("--content", help="print each document")] = False,
    output: OutputOption = OutputFormat.table,
) -> None:
    """The partner's stored EDI documents, newest first."""
    found = read(lambda c: edi_documents(c.engine, partner, doc_type, direction, limit))
    if output is OutputFormat.table:
        print_documents(partner, found, content)
        return
    fields = DOCUMENT_FIELDS + (("content",) if content else ())
    rows = [{name: getattr(document, name) for name in fields} for document in found]
    emit(Listing("documents", rows, fields, limit=limit), output)


@app.command("dashboard")
def dashboard(partner: Annotated[str, typer.Argument(help="the partner id")]) -> None:
    """The partner's EDI figures: documents in and out, acknowledgement rate and latency,
    rejections, documents awaiting past their window, open EDI cases (JSON)."""
    def look(c: Container) -> dict[str, object]:
        if not partner_exists(c.engine, partner):
            raise NotFound(f"no trading partner {partner}")
        return partner_dashboard(c.engine, partner, c.deps.clock.now())
    console.print_json(json.dumps(read(look)))


@app.command("sweep-acks")
def sweep_acks() -> None:
    """Open EDI_ACK_MISSING for each document not acknowledged within its partner's window."""
    container = build(migrate="embedded")
    try:
        report = sweep_missing_acks(container.deps)
    finally:
        container.close()
    console.print_json(json.dumps(report.as_json()))


@app.command("send-as2")
def send_as2() -> None:
    """Send every outbound document due to an AS2 partner now (what the worker does every
    `as2.send_interval_s`); prints how many were delivered, how many failed, and how many
    await an asynchronous MDN."""
    container = build(migrate="embedded")
    try:
        sender = as2_sender(container)
        if sender is None:
            raise InvalidInput("AS2 is not configured: set as2.id, as2.key_file, as2.cert_file")
        report = sender()
    finally:
        container.close()
    console.print_json(json.dumps({"delivered": report.delivered, "failed": report.failed,
                                   "awaiting_receipt": report.awaiting_receipt}))


def print_documents(partner: str, found: list[StoredDocument], content: bool) -> None:
    if not found:
        console.print(f"no documents for partner {partner}")
        return
    table = Table(title=f"EDI documents of {partner}", title_justify="left")
    for column in ("id", "direction", "type", "control number", "stored at"):
        table.add_column(column)
    for document in found:
        table.add_row(str(document.id), document.direction, document.doc_type,
                      document.control_number, document.created_at.isoformat())
    console.print(table)
    for document in found if content else []:
        console.rule(f"{document.doc_type} {document.control_number}")
        console.out(document.content, highlight=False)


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
            raise InvalidInput(f"partner {number}: {brief(error)}") from error
    return partners


def _document(path: Path) -> Any:
    if path.suffix.lower() not in (".json", ".yaml", ".yml"):
        raise InvalidInput(f"{path.name}: {path.suffix or 'a name without extension'} is not a "
                           "partner profile file type; name it .json, .yaml or .yml")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{path.name} is not UTF-8 text ({error.reason})") from error
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            return yaml.safe_load(text)
        return json.loads(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise InvalidInput(f"{path.name} cannot be read: {error}") from error
