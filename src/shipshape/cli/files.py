"""Bulk files: master data (JSON or CSV) and orders (JSON lines or CSV)."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from shipshape.api.schemas import (
    CarrierIn,
    CustomerIn,
    ItemIn,
    OrderIn,
    PriceIn,
    SiteIn,
    StockMovementIn,
)
from shipshape.cli.csv_mapping import ColumnMapping
from shipshape.domain.bounds import text_problem
from shipshape.domain.errors import InvalidInput
from shipshape.domain.masterdata import Carrier, ContractPrice, Customer, Item, Site
from shipshape.services.masterdata import StockMovement

KINDS = ("sites", "customers", "items", "prices", "carriers", "receipts")
KEYS_OF = {"sites": ("id",), "customers": ("id",), "items": ("sku",),
           "prices": ("customer_id", "sku"), "carriers": ("code",)}
KEY_PATTERN = re.compile(r"[A-Za-z0-9._\-]{1,60}")
MAX_KEY = 200
MasterRecord = Site | Customer | Item | ContractPrice | Carrier


@dataclass
class MasterDataFile:
    records: list[MasterRecord]
    receipts: list[StockMovement]


@dataclass
class OrderRow:
    """One order from a file, or the reason it could not be read."""

    number: int
    order: OrderIn | None
    idempotency_key: str | None = None
    error: str | None = None


def read_masterdata(path: Path, kind: str | None = None) -> MasterDataFile:
    if path.suffix.lower() == ".csv":
        kind = kind or path.stem
        if kind not in KINDS:
            raise InvalidInput(f"{path.name}: name the kind with --kind ({', '.join(KINDS)})")
        sections = {kind: [_csv_record(kind, row) for row in _csv_rows(path)]}
    else:
        sections = _json_document(path)
    records: list[MasterRecord] = []
    for name in KINDS[:-1]:
        records += [_parse(name, i, raw) for i, raw in enumerate(sections.get(name, []), 1)]
    receipts = [_receipt(i, raw) for i, raw in enumerate(sections.get("receipts", []), 1)]
    return MasterDataFile(merge_carrier_rows(records), receipts)


def _receipt(number: int, raw: dict[str, Any]) -> StockMovement:
    try:
        return StockMovementIn(**raw).to_domain()
    except ValidationError as error:
        raise InvalidInput(f"receipts record {number}: {error}") from error


def _json_document(path: Path) -> dict[str, list[dict[str, Any]]]:
    try:
        document: dict[str, list[dict[str, Any]]] = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path.name} is not valid JSON: {error}") from error
    unknown = set(document) - set(KINDS) if isinstance(document, dict) else {"(not an object)"}
    if unknown:
        raise InvalidInput(f"{path.name}: unknown sections {sorted(unknown)}; use {KINDS}")
    return document


def _parse(kind: str, number: int, raw: dict[str, Any]) -> MasterRecord:
    raw = dict(raw)
    for key in KEYS_OF[kind]:
        if not isinstance(raw.get(key), str) or not KEY_PATTERN.fullmatch(raw[key]):
            raise InvalidInput(f"{kind} record {number}: {key} must be 1-60 letters, digits, "
                               f"'.', '_' or '-', got {raw.get(key)!r}")
    try:
        if kind == "sites":
            return SiteIn(**_without(raw, "id")).to_domain(raw["id"])
        if kind == "customers":
            return CustomerIn(**_without(raw, "id")).to_domain(raw["id"])
        if kind == "items":
            return ItemIn(**_without(raw, "sku")).to_domain(raw["sku"])
        if kind == "prices":
            return PriceIn(**_without(raw, "customer_id", "sku")).to_domain(
                raw["customer_id"], raw["sku"])
        return CarrierIn(**_without(raw, "code")).to_domain(raw["code"])
    except (ValidationError, KeyError) as error:
        raise InvalidInput(f"{kind} record {number}: {error}") from error


def _without(raw: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k not in keys}


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    """The rows as dicts; InvalidInput for a file that is not UTF-8 CSV at all."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        try:
            for row in reader:
                yield {k.strip(): v.strip() for k, v in row.items()
                       if k and v is not None and v != ""}
        except UnicodeDecodeError as error:
            raise InvalidInput(f"{path.name} is not UTF-8 text ({error.reason})") from error
        except csv.Error as error:
            raise InvalidInput(f"{path.name} line {reader.line_num}: {error}") from error


def _csv_record(kind: str, row: dict[str, str]) -> dict[str, Any]:
    """CSV cells are text; lists use `|`, carriers have one row per service."""
    record: dict[str, Any] = dict(row)
    if kind == "items" and "substitutes" in record:
        record["substitutes"] = record["substitutes"].split("|")
    if kind == "carriers":
        service = {k.removeprefix("service_"): record.pop(k) for k in list(record)
                   if k.startswith("service_") or k in ("max_weight_kg", "hazmat_allowed",
                                                         "countries")}
        if "countries" in service:
            service["countries"] = service["countries"].split("|")
        record["services"] = [service]
    return record


def merge_carrier_rows(records: list[MasterRecord]) -> list[MasterRecord]:
    """A CSV carrier appears once per service; fold them into one carrier each."""
    merged: dict[str, Carrier] = {}
    others: list[MasterRecord] = []
    for record in records:
        if isinstance(record, Carrier):
            known = merged.get(record.code)
            merged[record.code] = record if known is None else Carrier(
                record.code, record.name, known.services + record.services)
        else:
            others.append(record)
    return others + list(merged.values())


def read_orders(path: Path, mapping: ColumnMapping | None = None) -> Iterator[OrderRow]:
    """Each order of the file, or why it cannot be read: one bad line costs only itself."""
    if path.suffix.lower() == ".csv":
        yield from _orders_from_csv(path, mapping)
        return
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            try:
                text = line.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                yield OrderRow(number, None, error=f"not UTF-8 text (byte {error.start + 1})")
                continue
            if text.strip():
                yield _order_from_json(number, text)


def _order_from_json(number: int, text: str) -> OrderRow:
    try:
        raw = json.loads(text)
        key = raw.pop("idempotency_key", None) if isinstance(raw, dict) else None
        if (problem := _key_problem(key)) is not None:
            return OrderRow(number, None, error=f"idempotency_key: {problem}")
        return OrderRow(number, OrderIn.model_validate(raw), key)
    except json.JSONDecodeError as error:
        return OrderRow(number, None, error=f"not JSON: {error.msg}")
    except ValidationError as error:
        return OrderRow(number, None, error=_brief(error))
    except (ValueError, RecursionError) as error:  # numbers too long, nesting too deep
        return OrderRow(number, None, error=f"not JSON that can be read: {str(error)[:200]}")


def _key_problem(key: object) -> str | None:
    """Why a row's own idempotency key cannot be used (None: it can, or there is none)."""
    if key is None:
        return None
    if not isinstance(key, str) or not key:
        return "must be non-empty text"
    return text_problem(key, MAX_KEY)


def _brief(error: ValidationError) -> str:
    """Each failed field and why, on one line (the offending input is left out: it may be huge)."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())


def _orders_from_csv(path: Path, mapping: ColumnMapping | None) -> Iterator[OrderRow]:
    """One row per line; rows with the same channel and external_id form one order."""
    grouped: dict[tuple[str, str], dict[str, Any]] = {}
    for row in _csv_rows(path) if mapping is None else mapping.rows(path):
        key = (row.get("channel", ""), row.get("external_id", ""))
        order = grouped.setdefault(key, _csv_header(row))
        order["lines"].append({k: row[k] for k in ("line_no", "sku", "quantity", "unit_price",
                                                   "uom") if k in row})
    for number, raw in enumerate(grouped.values(), 1):
        yield _order_from_json(number, json.dumps(raw))


def _csv_header(row: dict[str, str]) -> dict[str, Any]:
    fields = ("channel", "external_id", "customer_id", "customer_po", "requested_ship_date",
              "carrier_service")
    head: dict[str, Any] = {k: row[k] for k in fields if k in row}
    head["ship_to"] = {k.removeprefix("ship_to_"): v for k, v in row.items()
                       if k.startswith("ship_to_")}
    head["lines"] = []
    return head
