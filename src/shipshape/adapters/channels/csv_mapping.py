"""CSV order exports with their own column names: a YAML file maps them to the canonical ones."""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from shipshape.domain.errors import InvalidInput

FIELDS = (
    "channel", "external_id", "customer_id", "customer_po", "requested_ship_date",
    "carrier_service", "ship_to_name", "ship_to_line1", "ship_to_city", "ship_to_region",
    "ship_to_postal_code", "ship_to_country", "line_no", "sku", "quantity", "unit_price", "uom",
)
REQUIRED = ("channel", "external_id", "customer_id", "line_no", "sku")
OPTIONS = ("date_format", "decimal_comma", "delimiter", "encoding")
NUMBERS = ("quantity", "unit_price")
THOUSANDS = re.compile(r"\d{1,3}(\.\d{3})+(,\d*)?")


@dataclass(frozen=True)
class ColumnMapping:
    """Canonical field -> CSV column; `constants` are fields with one value for every row."""

    columns: dict[str, str]
    constants: dict[str, str]
    date_format: str | None = None
    decimal_comma: bool = False
    delimiter: str = ","
    encoding: str = "utf-8-sig"

    def rows(self, path: Path) -> Iterator[dict[str, str]]:
        """The file's rows under canonical names; missing columns fail before the first row."""
        for _, _, row in self.records(path):
            yield row

    def records(self, path: Path) -> Iterator[tuple[int, dict[str, str], dict[str, str]]]:
        """Each row's line number, its cells under the file's own names, and under canonical
        names."""
        try:
            with path.open(newline="", encoding=self.encoding) as handle:
                reader = csv.DictReader(handle, delimiter=self.delimiter)
                self._check_headers(path, [name.strip() for name in reader.fieldnames or []])
                for row in reader:
                    original = original_cells(row)
                    yield reader.line_num, original, self._canonical(
                        {k.strip(): v.strip() for k, v in original.items()})
        except UnicodeDecodeError as error:
            raise InvalidInput(f"{path.name} is not {self.encoding} text ({error.reason}); "
                               "name its encoding in the mapping") from error

    def _check_headers(self, path: Path, headers: list[str]) -> None:
        missing = sorted(set(self.columns.values()) - set(headers))
        if missing:
            raise InvalidInput(f"{path.name} has no column {', '.join(map(repr, missing))} "
                               f"named in the mapping; its columns are {headers}")

    def _canonical(self, row: dict[str, str]) -> dict[str, str]:
        values = {field: row[col] for field, col in self.columns.items() if row.get(col)}
        return {**self._converted(values), **self.constants}

    def _converted(self, values: dict[str, str]) -> dict[str, str]:
        if self.date_format and "requested_ship_date" in values:
            values["requested_ship_date"] = _date(values["requested_ship_date"], self.date_format)
        if self.decimal_comma:
            values.update({k: _decimal_comma(values[k]) for k in NUMBERS if k in values})
        return values


def original_cells(row: dict[str | Any, Any]) -> dict[str, str]:
    """A `csv.DictReader` row without the cells beyond the header (and the header's blanks)."""
    return {k: v for k, v in row.items() if isinstance(k, str) and k and isinstance(v, str)}


def read_mapping(path: Path) -> ColumnMapping:
    """Read and check a mapping file; any mistake in it is refused before a row is read."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path.name} cannot be read: {error}") from error
    if not isinstance(document, dict):
        raise InvalidInput(f"{path.name}: expected canonical field: column pairs")
    fields = {k: v for k, v in document.items() if k not in OPTIONS}
    _check_fields(path, fields)
    return ColumnMapping(
        columns={k: v.strip() for k, v in fields.items() if not v.startswith("=")},
        constants={k: v[1:].strip() for k, v in fields.items() if v.startswith("=")},
        **_options(path, document))


def _check_fields(path: Path, fields: dict[Any, Any]) -> None:
    unknown = sorted(str(k) for k in fields if k not in FIELDS)
    if unknown:
        raise InvalidInput(f"{path.name}: unknown fields {unknown}; the fields are "
                           f"{', '.join(FIELDS)} and the options {', '.join(OPTIONS)}")
    absent = [k for k in REQUIRED if k not in fields]
    if absent:
        raise InvalidInput(f"{path.name}: the mapping must name {', '.join(absent)}")
    not_text = sorted(k for k, v in fields.items() if not isinstance(v, str) or not v.strip())
    if not_text:
        raise InvalidInput(f"{path.name}: {', '.join(not_text)} must name a column, "
                           "or give a constant as \"=value\"")


def _options(path: Path, document: dict[Any, Any]) -> dict[str, Any]:
    options = {k: document[k] for k in OPTIONS if k in document}
    expected = {"date_format": str, "decimal_comma": bool, "delimiter": str, "encoding": str}
    wrong = sorted(k for k, v in options.items() if not isinstance(v, expected[k]))
    if wrong or len(options.get("delimiter", ",")) != 1 or not _known(options.get("encoding")):
        raise InvalidInput(f"{path.name}: date_format is text, decimal_comma true or false, "
                           "delimiter one character, encoding a Python codec name")
    return options


def _known(encoding: str | None) -> bool:
    try:
        return encoding is None or bool(codecs.lookup(encoding))
    except LookupError:
        return False


def _date(value: str, date_format: str) -> str:
    """ISO text; any other value, even an ISO date, stays unreadable so its order is refused."""
    try:
        return datetime.strptime(value, date_format).date().isoformat()
    except ValueError:
        return f"{value} is not {date_format}"


def _decimal_comma(value: str) -> str:
    """1.234,50 -> 1234.50 and 12,5 -> 12.5; dots count as thousands only in groups of three."""
    compact = value.replace(" ", "").replace("\u00a0", "")
    if THOUSANDS.fullmatch(compact):
        compact = compact.replace(".", "")
    return compact.replace(",", ".")
