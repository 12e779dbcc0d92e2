"""OCEL 2.0 files in and out: what is written is read back whole (SQLite and JSON), type names
that would collide get tables of their own, OCEL 1.0 JSON and OCEL 2.0 XML are told apart by
content, and a broken file is refused with a message that says what is wrong, never a
traceback."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from shipshape.mining import ocel
from shipshape.mining.errors import LogError
from shipshape.mining.log import TIME, EventLog

T0 = datetime(2024, 3, 1, 8, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TYPES = ["map_type", "Order", "order", "it's \"odd\"", "object", "with space"]


def small_log() -> EventLog:
    """Two events per activity, objects of types whose table names would collide, an event
    attribute called like our own columns, attribute changes over time."""
    events = [(f"e{i}", activity, T0.replace(minute=i))
              for i, activity in enumerate(["create", "create", "map_type", "map type"])]
    objects = [(f"o{i}", kind) for i, kind in enumerate(TYPES)]
    links = [("e0", "o0", "made"), ("e0", "o1", "made"), ("e1", "o2", ""), ("e2", "o3", "x"),
             ("e3", "o4", "y"), ("e3", "o5", "y"), ("e3", "o4", "z")]
    return EventLog.of(
        events=pl.DataFrame(events, schema=["event_id", "activity", "timestamp"], orient="row"),
        objects=pl.DataFrame(objects, schema=["object_id", "object_type"], orient="row"),
        links=pl.DataFrame(links, schema=["event_id", "object_id", "qualifier"], orient="row"),
        relations=pl.DataFrame([("o1", "o2", "same"), ("o2", "o1", "same")],
                               schema=["source_id", "target_id", "qualifier"], orient="row"),
        event_attributes=pl.DataFrame(
            [("e0", "event_id", "x"), ("e0", "who", "ann"), ("e1", "who", "bob"),
             ("e3", "amount", "1.5")], schema=["event_id", "name", "value"], orient="row"),
        object_attributes=pl.DataFrame(
            [("o1", "status", "new", EPOCH), ("o1", "status", "paid", T0),
             ("o1", "object_id", "shadow", EPOCH), ("o2", "status", "open", T0),
             ("o5", "size", "L", EPOCH)],
            schema=["object_id", "name", "value", "timestamp"], orient="row"))


def same(one: EventLog, other: EventLog) -> None:
    for name in ("events", "objects", "links", "relations", "event_attributes",
                 "object_attributes"):
        left, right = getattr(one, name), getattr(other, name)
        assert left.sort(pl.all()).equals(right.sort(pl.all())), name


@pytest.mark.parametrize("suffix", [".sqlite", ".json"])
def test_a_written_log_reads_back_whole(tmp_path: Path, suffix: str) -> None:
    log = small_log()
    path = tmp_path / f"log{suffix}"
    ocel.write(log, path)
    same(ocel.read(path), log)


def test_type_tables_cannot_collide_and_keys_are_declared(tmp_path: Path) -> None:
    path = tmp_path / "log.sqlite"
    ocel.write(small_log(), path)
    with sqlite3.connect(path) as db:
        maps = dict(db.execute("SELECT ocel_type, ocel_type_map FROM object_map_type"))
        tables = {name for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'")}
        keyed = {row[1] for row in db.execute("PRAGMA table_info(event_object)") if row[5]}
        foreign = {row[2] for row in db.execute("PRAGMA foreign_key_list(event_object)")}
    assert len({m.lower() for m in maps.values()}) == len(TYPES)
    assert maps["map_type"] != "map_type" and maps["object"] != "object"
    assert {f"object_{m}" for m in maps.values()} <= tables
    assert keyed == {"ocel_event_id", "ocel_object_id", "ocel_qualifier"}
    assert foreign == {"event", "object"}


def test_an_existing_file_is_replaced_only_once_written(tmp_path: Path) -> None:
    path = tmp_path / "log.json"
    path.write_text("old")
    ocel.write(small_log(), path)
    assert ocel.read(path).counts() == small_log().counts()


def ocel_sqlite(path: Path, event_object: list[tuple[str, str, str]],
                time: str = "2024-03-01 08:00:00", events: tuple[str, ...] = ("e1",)) -> Path:
    with sqlite3.connect(path) as db:
        db.executescript("""
            CREATE TABLE event_map_type (ocel_type TEXT, ocel_type_map TEXT);
            CREATE TABLE object_map_type (ocel_type TEXT, ocel_type_map TEXT);
            CREATE TABLE event (ocel_id TEXT, ocel_type TEXT);
            CREATE TABLE object (ocel_id TEXT, ocel_type TEXT);
            CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT,
                                       ocel_qualifier TEXT);
            CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT,
                                        ocel_qualifier TEXT);
            CREATE TABLE event_Pay (ocel_id TEXT, ocel_time TIMESTAMP);
            CREATE TABLE object_Invoice (ocel_id TEXT, ocel_time TIMESTAMP,
                                         ocel_changed_field TEXT, total TEXT);
            INSERT INTO event_map_type VALUES ('pay', 'Pay');
            INSERT INTO object_map_type VALUES ('invoice', 'Invoice');
            INSERT INTO object VALUES ('i1', 'invoice');
            INSERT INTO object_Invoice VALUES ('i1', '1970-01-01 00:00:00', NULL, '10');
        """)
        db.executemany("INSERT INTO event VALUES (?, 'pay')", [(e,) for e in events])
        db.executemany("INSERT INTO event_Pay VALUES (?, ?)", [(e, time) for e in events])
        db.executemany("INSERT INTO event_object VALUES (?, ?, ?)", event_object)
    return path


def test_a_well_formed_handmade_sqlite_file_reads(tmp_path: Path) -> None:
    log = ocel.read(ocel_sqlite(tmp_path / "ok.sqlite", [("e1", "i1", "paid")]))
    assert log.counts() == {"events": 1, "objects": 1, "links": 1, "relations": 0,
                            "event_attributes": 0, "object_attributes": 1}
    assert log.events.get_column("timestamp").to_list() == [T0]


@pytest.mark.parametrize(("link", "named"), [(("e9", "i1", "q"), "e9"),
                                             (("e1", "ghost", "q"), "ghost")])
def test_a_file_that_violates_its_own_foreign_keys_is_refused(
    tmp_path: Path, link: tuple[str, str, str], named: str,
) -> None:
    path = ocel_sqlite(tmp_path / "broken.sqlite", [("e1", "i1", "paid"), link])
    with pytest.raises(LogError, match=f"broken.sqlite: 1 event-to-object links name an "
                                       f"(event|object) that does not exist.*foreign keys.*"
                                       f"{named}"):
        ocel.read(path)


def test_timestamps_that_do_not_parse_are_counted_and_named(tmp_path: Path) -> None:
    path = ocel_sqlite(tmp_path / "times.sqlite", [], time="31/02/2024 25:00",
                       events=("e1", "e2", "e3"))
    with pytest.raises(LogError, match=r"3 event \(event_Pay\) timestamps cannot be read.*"
                                       r"e1 \('31/02/2024 25:00'\), e2"):
        ocel.read(path)


def test_duplicate_events_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "twice.json"
    event = {"id": "e1", "type": "pay", "time": "2024-03-01T08:00:00Z", "relationships": []}
    path.write_text(json.dumps({"events": [event, event, {**event, "id": "e2"}],
                                "objects": []}))
    with pytest.raises(LogError, match=r"twice.json: 1 event id is used more than once "
                                       r"\(duplicate events\): e1 \(2x\)"):
        ocel.read(path)


@pytest.mark.parametrize(("name", "content", "message"), [
    ("log.sqlite", "not a database", "not a readable OCEL 2.0 SQLite file"),
    ("log.json", "{not json", "not valid JSON"),
    ("log.json", "[1, 2]", "the JSON is not an object"),
    ("log.json", '{"rows": []}', "not an OCEL log"),
    ("log.xmlocel", "<log><events>", "not valid XML"),
    ("log.xml", "<html/>", "root element is <html>"),
    ("log.csv", "a,b", "unknown kind of file '.csv'"),
])
def test_what_is_not_an_ocel_log_is_refused_in_plain_words(
    tmp_path: Path, name: str, content: str, message: str,
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(LogError, match=message):
        ocel.read(path)


def test_a_sqlite_file_without_the_ocel_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE orders (id TEXT)")
    with pytest.raises(LogError, match=r"not an OCEL 2\.0 SQLite file: it has no table event"):
        ocel.read(path)


def test_ocel_1_json_is_told_apart_by_its_content(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({
        "ocel:global-log": {"ocel:version": "1.0"},
        "ocel:events": {"e1": {"ocel:activity": "Create", "ocel:timestamp": "2024-03-01T08:00:00",
                               "ocel:omap": ["o1", "i1"], "ocel:vmap": {"n": 2}}},
        "ocel:objects": {"o1": {"ocel:type": "order", "ocel:ovmap": {"v": 1.5}},
                         "i1": {"ocel:type": "item", "ocel:ovmap": {}}}}))
    log = ocel.read(path)
    assert log.counts() == {"events": 1, "objects": 2, "links": 2, "relations": 0,
                            "event_attributes": 1, "object_attributes": 1}
    assert log.event_attributes.row(0) == ("e1", "n", "2")
    assert log.object_attributes.get_column("timestamp").to_list() == [EPOCH]


def test_ocel_2_xml_reads_with_its_attribute_history(tmp_path: Path) -> None:
    path = tmp_path / "log.xmlocel"
    path.write_text("""<log><object-types/><event-types/>
      <objects><object id="o1" type="order"><attributes>
        <attribute name="status" time="1970-01-01T00:00:00Z">new</attribute>
        <attribute name="status" time="2024-03-01T09:00:00+01:00">paid</attribute>
      </attributes><objects><relationship object-id="o2" qualifier="has"/></objects></object>
      <object id="o2" type="item"/></objects>
      <events><event id="e1" type="pay" time="2024-03-01T08:00:00Z">
        <attributes><attribute name="who">ann</attribute></attributes>
        <objects><relationship object-id="o1" qualifier="paid"/></objects></event></events>
    </log>""")
    log = ocel.read(path)
    assert log.counts() == {"events": 1, "objects": 2, "links": 1, "relations": 1,
                            "event_attributes": 1, "object_attributes": 2}
    assert log.object_attributes.get_column("timestamp").to_list() == [EPOCH, T0]


def test_an_attribute_sqlite_cannot_hold_is_refused_when_writing(tmp_path: Path) -> None:
    log = small_log()
    clash = EventLog(log.events, log.objects, log.links, log.relations,
                     pl.concat([log.event_attributes, pl.DataFrame(
                         [("e1", "WHO", "x")], schema=log.event_attributes.schema,
                         orient="row")]), log.object_attributes)
    with pytest.raises(LogError, match="'WHO' and 'who' of event_create differ only in case"):
        ocel.write(clash, tmp_path / "log.sqlite")
    assert not (tmp_path / "log.sqlite").exists()


def test_the_times_are_utc_microseconds() -> None:
    assert small_log().events.schema["timestamp"] == TIME
