"""`shipshape customers contact ID [...]`: show or change how a customer is told of its orders
(`services/customer_notices.py`), as `GET|PUT /api/v1/customers/{id}/contact` do."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from shipshape.adapters.db import communication_store as cq
from shipshape.bootstrap import Container
from shipshape.cli.masterdata_cmd import customers_app
from shipshape.cli.output import OutputFormat, ShowOutputOption, emit_record
from shipshape.cli.reading import found, read
from shipshape.domain.communication import Channel
from shipshape.services import customer_notices as notices


@customers_app.command("contact")
def contact_cmd(
    customer_id: Annotated[str, typer.Argument(help="the customer's id")],
    channel: Annotated[Channel | None, typer.Option(
        help="email, webhook or none (default: webhook with --webhook-url, email with "
             "--email, else unchanged)")] = None,
    email: Annotated[list[str] | None, typer.Option(
        "--email", help="an address notices go to (repeat for more; replaces the list)")
    ] = None,
    webhook_url: Annotated[str | None, typer.Option(help="the customer's webhook")] = None,
    webhook_secret: Annotated[str | None, typer.Option(
        help="whsec_ + base64: signs each webhook")] = None,
    language: Annotated[str | None, typer.Option(help="en, de, ... (default: en)")] = None,
    opt_out: Annotated[list[str] | None, typer.Option(
        "--opt-out", help="a kind of notice not to send (repeatable)")] = None,
    opt_in: Annotated[list[str] | None, typer.Option(
        "--opt-in", help="a kind of notice to send again (repeatable)")] = None,
    output: ShowOutputOption = OutputFormat.table,
) -> None:
    """Show CUSTOMER_ID's contact for notices; with options, change it (what is not given
    stays as it was)."""
    changing = any(value is not None for value in (channel, email, webhook_url, webhook_secret,
                                                   language, opt_out, opt_in))
    if changing:
        def change(c: Container) -> None:
            now = notices.contact_of(c.deps, customer_id)
            emails = list(email) if email is not None else list(now.emails if now else ())
            url = webhook_url if webhook_url is not None else (now.webhook_url if now else None)
            secret = webhook_secret if webhook_secret is not None else (
                now.webhook_secret if now else None)
            chosen = (channel.value if channel is not None
                      else "webhook" if webhook_url else "email" if email
                      else now.channel.value if now else None)
            kinds = (set(now.opted_out) if now else set()) | set(opt_out or ())
            notices.set_contact(c.deps, customer_id, channel=chosen, emails=emails,
                                webhook_url=url, webhook_secret=secret,
                                language=language or (now.language if now else None),
                                opted_out=sorted(kinds - set(opt_in or ())),
                                actor=f"cli:{getpass.getuser()}")

        read(change)
    contact = read(lambda c: cq.contact_of(c.engine, customer_id))
    emit_record(f"contact of customer {customer_id}",
                found(contact, f"a contact of customer {customer_id}"), output)
