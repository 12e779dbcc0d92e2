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

from shipshape.adapters.channels.canonical import (
    CarrierIn,
    CustomerIn,
    ItemIn,
    OrderIn,
    PriceIn,
    SiteIn,
    StockMovementIn,
)
from shipshape.adapters.channels.csv_mapping import ColumnMapping, original_cells
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
SourceRecord = dict[str, Any] | str | list[dict[str, str]] | None
JSON_LINES_SUFFIXES = (".jsonl", ".ndjson", ".json")
EDI_SUFFIXES = (".x12", ".edi", ".edifact", ".850")
ORDER_FILE_TYPES = ".jsonl or .ndjson (JSON lines), .csv, or EDI (.x12, .edi, .edifact, .850)"
SNIFF_BYTES = 4096


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
    source: SourceRecord = None
    """What the file held: a JSON line's object (or its text when it is not an object), or
    the CSV rows of the order with their own column names; written back with a rejection."""


def read_masterdata(path: Path, kind: str | None = None) -> MasterDataFile:
    _check_masterdata_type(path)
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


def _check_masterdata_type(path: Path) -> None:
    """A master data file is .json (one object of sections) or .csv, and holds what its name
    says."""
    suffix = path.suffix.lower()
    if suffix not in (".json", ".csv"):
        raise InvalidInput(f"{path.name}: {suffix or 'a name without extension'} is not a "
                           "master data file type; name it .json or .csv")
    content = content_type(path)
    if content in ("binary", "not utf-8"):
        raise InvalidInput(f"{path.name} is not UTF-8 text")
    if suffix == ".csv" and content == "jsonl":
        raise InvalidInput(f"{path.name} holds JSON, not CSV: name it .json")


def _receipt(number: int, raw: dict[str, Any]) -> StockMovement:
    try:
        return StockMovementIn(**raw).to_domain()
    except ValidationError as error:
        raise InvalidInput(f"receipts record {number}: {brief(error)}") from error


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
    except ValidationError as error:
        raise InvalidInput(f"{kind} record {number}: {brief(error)}") from error
    except KeyError as error:
        raise InvalidInput(f"{kind} record {number}: {error} is missing") from error


def _without(raw: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {k: v for k, v in raw.items() if k not in keys}


def _csv_rows(path: Path) -> Iterator[dict[str, str]]:
    """The rows as dicts; InvalidInput for a file that is not UTF-8 CSV at all."""
    for _, _, row in _csv_records(path):
        yield row


def _csv_records(path: Path) -> Iterator[tuple[int, dict[str, str], dict[str, str]]]:
    """Each row's line number, its cells as they are, and its cells trimmed, empty ones left
    out."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        try:
            for row in reader:
                original = original_cells(row)
                yield reader.line_num, original, {k.strip(): v.strip() for k, v in
                                                  original.items() if v != ""}
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
    if order_file_type(path) == "csv":
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
    except json.JSONDecodeError as error:
        return OrderRow(number, None, error=f"not JSON: {error.msg}", source=text.strip())
    except (ValueError, RecursionError) as error:  # numbers too long, nesting too deep
        return OrderRow(number, None, error=f"not JSON that can be read: {str(error)[:200]}",
                        source=text.strip())
    return _order_from_record(number, raw, raw if isinstance(raw, dict) else text.strip())


def _order_from_record(number: int, raw: Any, source: SourceRecord) -> OrderRow:
    fields = dict(raw) if isinstance(raw, dict) else raw
    key = fields.pop("idempotency_key", None) if isinstance(fields, dict) else None
    if (problem := _key_problem(key)) is not None:
        return OrderRow(number, None, error=f"idempotency_key: {problem}", source=source)
    try:
        return OrderRow(number, OrderIn.model_validate(fields), key, source=source)
    except ValidationError as error:
        return OrderRow(number, None, error=brief(error), source=source)
    except RecursionError:
        return OrderRow(number, None, error="nested too deep to be read", source=source)


def _key_problem(key: object) -> str | None:
    """Why a row's own idempotency key cannot be used (None: it can, or there is none)."""
    if key is None:
        return None
    if not isinstance(key, str) or not key:
        return "must be non-empty text"
    return text_problem(key, MAX_KEY)


def brief(error: ValidationError) -> str:
    """Each failed field and why, on one line (the offending input is left out: it may be huge)."""
    return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors())


def _orders_from_csv(path: Path, mapping: ColumnMapping | None) -> Iterator[OrderRow]:
    """One row per line; rows with the same channel and external_id form one order, numbered
    by the file line of its first row."""
    grouped: dict[tuple[str, str], tuple[int, dict[str, Any], list[dict[str, str]]]] = {}
    for line, original, row in _csv_records(path) if mapping is None else mapping.records(path):
        key = (row.get("channel", ""), row.get("external_id", ""))
        _, order, sources = grouped.setdefault(key, (line, _csv_header(row), []))
        order["lines"].append({k: row[k] for k in ("line_no", "sku", "quantity", "unit_price",
                                                   "uom") if k in row})
        sources.append(original)
    for line, raw, sources in grouped.values():
        yield _order_from_record(line, raw, sources)


def order_file_type(path: Path) -> str:
    """"jsonl", "csv" or "edi" by the file's extension, once its content is seen to fit;
    InvalidInput naming what is wrong otherwise (a .txt, JSON named .csv, EDI named .jsonl).
    An EDI file is left to the EDI reader, which names what is wrong in its envelope."""
    suffix = path.suffix.lower()
    kind = ("jsonl" if suffix in JSON_LINES_SUFFIXES else "csv" if suffix == ".csv"
            else "edi" if suffix in EDI_SUFFIXES else None)
    if kind is None:
        raise InvalidInput(f"{path.name}: {suffix or 'a name without extension'} is not an "
                           f"order file type; name it {ORDER_FILE_TYPES}")
    content = content_type(path)
    if content in FITS[kind]:
        return kind
    if content in ("binary", "not utf-8"):
        raise InvalidInput(f"{path.name} is not UTF-8 text"
                           + (" (it holds NUL bytes)" if content == "binary" else ""))
    if content == "text":
        raise InvalidInput(f"{path.name} is not JSON lines: its first line is not a JSON object")
    raise InvalidInput(f"{path.name} holds {NAMES[content]}, not {NAMES[kind]}: name it "
                       f"{SUFFIX_OF[content]}")


FITS = {"jsonl": ("jsonl", "empty"), "csv": ("text", "empty", "not utf-8"),
        "edi": ("edi", "text", "binary", "not utf-8", "empty")}
NAMES = {"jsonl": "JSON", "csv": "CSV", "edi": "EDI (X12 or EDIFACT)"}
SUFFIX_OF = {"jsonl": ".jsonl", "edi": ".x12 or .edi"}


def content_type(path: Path) -> str:
    """What the start of a file looks like: "empty", "binary", "not utf-8", "jsonl" (it starts
    with { or [), "edi" (ISA, UNA or UNB) or "text"."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    start = head.lstrip(b"\xef\xbb\xbf \r\n\t")
    if not start:
        return "empty"
    # Many NULs: UTF-16 or a binary format. A NUL in a field of a text file costs its row only.
    if head.count(b"\x00") > len(head) // 4:
        return "binary"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if len(head) < SNIFF_BYTES or error.start < len(head) - 3:  # not a character cut short
            return "not utf-8"
    if start[:1] in (b"{", b"["):
        return "jsonl"
    return "edi" if start[:3] in (b"ISA", b"UNA", b"UNB") else "text"


def _csv_header(row: dict[str, str]) -> dict[str, Any]:
    fields = ("channel", "external_id", "customer_id", "customer_po", "requested_ship_date",
              "carrier_service")
    head: dict[str, Any] = {k: row[k] for k in fields if k in row}
    head["ship_to"] = {k.removeprefix("ship_to_"): v for k, v in row.items()
                       if k.startswith("ship_to_")}
    head["lines"] = []
    return head
