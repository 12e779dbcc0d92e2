"""Whose is it: the customer of an order, an invoice or a case, for the API's customer scope
(a token made for one customer sees that customer's things only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, Engine, select

from shipshape.adapters.db import tables as t


def customer_of_order(engine: Engine, order_id: str) -> str | None:
    """The order's customer; None when there is no such order."""
    return _customer(engine, t.orders.c.customer_id, t.orders.c.id, order_id)


def customer_of_invoice(engine: Engine, invoice_id: str) -> str | None:
    """The invoice's (or credit note's) customer; None when there is no such invoice."""
    return _customer(engine, t.invoices.c.customer_id, t.invoices.c.id, invoice_id)


def customer_of_case(engine: Engine, case_id: str) -> str | None:
    """The case's customer; None when there is no such case or it has no customer."""
    return _customer(engine, t.exception_cases.c.customer_id, t.exception_cases.c.id, case_id)


def _customer(engine: Engine, customer: Column[Any], key: Column[Any],
              value: str) -> str | None:
    with engine.connect() as conn:
        found = conn.execute(select(customer).where(key == value)).scalar()
    return None if found is None else str(found)
