"""Object-centric event logs in and out of files: `read(path)` for OCEL 2.0 SQLite, JSON and
XML and OCEL 1.0 JSON and XML (told apart by content), `write(log, path)` for OCEL 2.0 SQLite
and JSON. Whatever is wrong with a file is a LogError in plain words."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from shipshape.mining.errors import LogError
from shipshape.mining.log import EventLog
from shipshape.mining.ocel1 import is_ocel1_json, is_ocel1_xml, read_json1, read_xml1
from shipshape.mining.ocel_json import read_json2, write_json2
from shipshape.mining.ocel_sqlite import read_sqlite
from shipshape.mining.ocel_sqlite_write import write_sqlite
from shipshape.mining.ocel_xml import read_xml2

SQLITE, JSON, XML = (".sqlite", ".sqlite3", ".db"), (".json", ".jsonocel"), (".xml", ".xmlocel")
READABLE = SQLITE + JSON + XML
WRITABLE = (".sqlite", ".json")


def kind_of(path: Path, allowed: tuple[str, ...]) -> str:
    """The suffix that decides the format; a LogError naming the ones known otherwise."""
    suffix = path.suffix.lower()
    if suffix not in allowed:
        raise LogError(f"{path.name}: unknown kind of file {suffix or '(no suffix)'!r}; "
                       f"use one of {', '.join(allowed)}")
    return suffix


def read(path: Path | str) -> EventLog:
    path = Path(path)
    suffix = kind_of(path, READABLE)
    if not path.is_file():
        raise LogError(f"{path}: no such file")
    if suffix in SQLITE:
        return read_sqlite(path)
    if suffix in JSON:
        return _read_json(path)
    return _read_xml(path)


def _read_json(path: Path) -> EventLog:
    try:
        with path.open("rb") as handle:
            data = json.load(handle)
    except (ValueError, UnicodeDecodeError) as error:
        raise LogError(f"{path.name}: not valid JSON ({error})") from None
    if not isinstance(data, dict):
        raise LogError(f"{path.name}: not an OCEL log (the JSON is not an object)")
    if is_ocel1_json(data):
        return read_json1(data, path.name)
    if "events" in data or "objects" in data:
        return read_json2(data, path.name)
    raise LogError(f"{path.name}: not an OCEL log: it has neither OCEL 2.0's 'events' and "
                   "'objects' nor OCEL 1.0's 'ocel:events' and 'ocel:objects'")


def _read_xml(path: Path) -> EventLog:
    try:
        root = ElementTree.parse(path).getroot()
    except ElementTree.ParseError as error:
        raise LogError(f"{path.name}: not valid XML ({error})") from None
    if root.tag != "log":
        raise LogError(f"{path.name}: not an OCEL log (its root element is <{root.tag}>, "
                       "not <log>)")
    return read_xml1(root, path.name) if is_ocel1_xml(root) else read_xml2(root, path.name)


def write(log: EventLog, path: Path | str) -> None:
    """`log` at `path` as OCEL 2.0 (.sqlite or .json); an existing file is replaced."""
    path = Path(path)
    suffix = kind_of(path, WRITABLE)
    if suffix == ".sqlite":
        write_sqlite(log, path)
    else:
        write_json2(log, path)
