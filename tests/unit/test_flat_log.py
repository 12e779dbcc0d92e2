"""Flat CSV event logs read with a mapping: what reaches the log, and a plain-words LogError for
every kind of bad input (columns, timestamps, day and month swapped, the mapping itself);
duplicate events reported, never refused."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from shipshape.mining import flat
from shipshape.mining import mapping as mappings
from shipshape.mining.errors import LogError
from shipshape.mining.log import FLAT_TYPE

MAPPING: dict[str, Any] = {"case": "order", "activity": "step", "timestamp": "at"}


def write(tmp_path: Path, rows: list[str], name: str = "log.csv",
          header: str = "order,step,at,who,late,value") -> Path:
    path = tmp_path / name
    text = "\n".join([header, *rows]) + "\n"
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text, encoding="utf-8")
    return path


ROWS = ["A,create,2024-03-01 08:00:00,ann,no,10",
        "A,ship,2024-03-02 08:00:00,bob,no,10",
        "B,create,2024-03-01 09:00:00,ann,yes,99",
        "B,ship,2024-03-05 09:00:00,bob,yes,99"]


def test_a_csv_becomes_a_log_of_cases_with_attributes_outcome_and_cost(tmp_path: Path) -> None:
    mapping = {**MAPPING, "resource": "who", "attributes": ["value"],
               "outcome": {"column": "late", "positive": ["yes"]},
               "cost": {"column": "value", "per_case": "max"}}
    log = flat.read(write(tmp_path, ROWS, "log.csv.gz"), mapping)
    assert log.counts()["events"] == 4 and log.object_types() == [FLAT_TYPE]
    assert sorted(log.objects.get_column("object_id").to_list()) == ["A", "B"]
    cases = log.cases()
    assert cases.get_column("activity").to_list() == ["create", "ship", "create", "ship"]
    assert cases.get_column("timestamp")[0] == datetime(2024, 3, 1, 8, tzinfo=UTC)
    resources = log.event_attributes.filter(pl.col("name") == "resource")
    assert sorted(resources.get_column("value").to_list()) == ["ann", "ann", "bob", "bob"]
    facts = {(r["object_id"], r["name"]): r["value"] for r in log.object_attributes.to_dicts()}
    assert facts[("A", "outcome")] == "false" and facts[("B", "outcome")] == "true"
    assert float(facts[("B", "cost")]) == 99.0


def test_events_at_the_same_time_keep_the_order_of_the_file(tmp_path: Path) -> None:
    rows = [f"A,step{n},2024-03-01 08:00:00,x,no,1" for n in (3, 1, 2, 10, 9)]
    log = flat.read(write(tmp_path, rows), MAPPING)
    assert log.cases().get_column("activity").to_list() == [
        "step3", "step1", "step2", "step10", "step9"]


def test_the_format_is_inferred_when_the_mapping_gives_none(tmp_path: Path) -> None:
    imported = flat.load(write(tmp_path, ["A,create,25/12/2024 08:00,x,no,1",
                                          "A,ship,03/01/2025 08:00,x,no,1"]), MAPPING)
    assert imported.timestamp_format == "%d/%m/%Y %H:%M"
    assert imported.log.cases().get_column("timestamp")[1] == datetime(2025, 1, 3, 8, tzinfo=UTC)


def test_a_format_that_reads_day_and_month_alike_is_asked_for(tmp_path: Path) -> None:
    path = write(tmp_path, ["A,create,01/02/2024,x,no,1", "A,ship,03/02/2024,x,no,1"])
    with pytest.raises(LogError, match="day/month and as month/day alike; set timestamp_format"):
        flat.read(path, MAPPING)


def test_timestamps_that_do_not_parse_are_counted_with_their_lines(tmp_path: Path) -> None:
    rows = ["A,create,2024-03-01 08:00:00,x,no,1", "A,ship,soon,x,no,1",
            "B,create,,x,no,1", "B,ship,2024-13-45 08:00:00,x,no,1"]
    mapping = {**MAPPING, "timestamp_format": "%Y-%m-%d %H:%M:%S"}
    with pytest.raises(LogError) as raised:
        flat.read(write(tmp_path, rows), mapping)
    assert "column at: 3 timestamp(s) do not parse as '%Y-%m-%d %H:%M:%S' (line 3, 4, 5" \
        in str(raised.value)


def test_bad_rows_can_be_skipped_and_are_then_reported(tmp_path: Path) -> None:
    rows = ["A,create,2024-03-01 08:00:00,x,no,1", "A,ship,soon,x,no,1", ",ship,2024-03-01,x,,"]
    imported = flat.load(write(tmp_path, rows), {**MAPPING, "bad_rows": "skip",
                                                 "timestamp_format": "%Y-%m-%d %H:%M:%S"})
    assert imported.log.counts()["events"] == 1
    kinds = {note.kind: note for note in imported.notes}
    assert kinds["rows_without_case_or_activity"].lines == (4,)
    assert kinds["timestamps_not_parsed"].lines == (3,)


def test_values_that_parse_only_day_first_are_named_a_day_month_swap(tmp_path: Path) -> None:
    rows = ["A,create,03/01/2024,x,no,1", "A,ship,25/01/2024,x,no,1"]
    with pytest.raises(LogError) as raised:
        flat.read(write(tmp_path, rows), {**MAPPING, "timestamp_format": "%m/%d/%Y"})
    message = str(raised.value)
    assert "1 timestamp(s) do not parse as '%m/%d/%Y' (line 3; e.g. '25/01/2024')" in message
    assert "1 of them parse as '%d/%m/%Y': day and month look swapped" in message


def swapped_rows() -> list[str]:
    """Cases of four daily steps in January; values with a day of 12 or less written with
    day and month exchanged (2024-05-01 for 5 January), as in the IBM order-to-cash log."""
    rows = []
    for case in range(6):
        for step in range(4):
            day = 3 + 2 * case + step
            written = f"2024-{day:02d}-01" if day <= 12 else f"2024-01-{day:02d}"
            rows.append(f"C{case},step{step},{written} 10:00:00,x,no,1")
    return rows


def test_day_and_month_swapped_where_ambiguous_are_read_as_written_and_noted(
        tmp_path: Path) -> None:
    loaded = flat.load(write(tmp_path, swapped_rows()),
                       {**MAPPING, "timestamp_format": "%Y-%m-%d %H:%M:%S"})
    [note] = loaded.notes
    assert (note.kind, note.count) == ("day_month_swaps", 18)
    assert note.message.startswith("column at: day and month look swapped in the 18 values")
    assert "read as written (day_month_swaps: swap reads them exchanged" in note.message


def test_day_month_swaps_error_refuses_such_a_column(tmp_path: Path) -> None:
    path = write(tmp_path, swapped_rows())
    with pytest.raises(LogError) as raised:
        flat.read(path, {**MAPPING, "timestamp_format": "%Y-%m-%d %H:%M:%S",
                         "day_month_swaps": "error"})
    message = str(raised.value)
    assert message.startswith("column at: day and month look swapped in the 18 values whose "
                              "day is 12 or less")
    assert "Set day_month_swaps: swap" in message


def test_day_month_swaps_swap_reads_them_exchanged_and_keep_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, swapped_rows())
    mapping = {**MAPPING, "timestamp_format": "%Y-%m-%d %H:%M:%S"}
    swapped = flat.load(path, {**mapping, "day_month_swaps": "swap"})
    first = swapped.log.cases().filter(pl.col("case_id") == "C0")
    assert first.get_column("timestamp").dt.day().to_list() == [3, 4, 5, 6]
    assert first.get_column("timestamp").dt.month().to_list() == [1, 1, 1, 1]
    assert swapped.notes[0].kind == "day_month_swaps" and swapped.notes[0].count == 18
    kept = flat.load(path, {**mapping, "day_month_swaps": "keep"})
    assert kept.log.cases().filter(pl.col("case_id") == "C0").get_column(
        "timestamp").dt.month().to_list() == [3, 4, 5, 6]
    assert "read as written" in kept.notes[0].message


def test_a_log_in_order_is_not_called_swapped(tmp_path: Path) -> None:
    rows = [f"C{c},step{s},2024-0{1 + c % 3}-{1 + s:02d} 10:00:00,x,no,1"
            for c in range(6) for s in range(5)]
    imported = flat.load(write(tmp_path, rows), MAPPING)
    assert not imported.notes


def test_duplicate_events_are_reported_and_kept_or_dropped(tmp_path: Path) -> None:
    rows = [*ROWS, "A,ship,2024-03-02 08:00:00,bob,no,10", "A,ship,2024-03-02 08:00:00,x,no,1"]
    imported = flat.load(write(tmp_path, rows), MAPPING)
    assert imported.log.counts()["events"] == 6
    [note] = imported.notes
    assert (note.kind, note.count, note.lines) == ("duplicates", 2, (6, 7))
    assert note.message.startswith("2 event(s) repeat an earlier event of their case with the "
                                   "same activity and time, in 1 case(s) (line 6, 7); kept")
    dropped = flat.load(write(tmp_path, rows), {**MAPPING, "duplicates": "drop"})
    assert dropped.log.counts()["events"] == 4


@pytest.mark.parametrize(("mapping", "message"), [
    ({"case": "order", "activity": "step"}, "mapping: timestamp missing: name the column"),
    ({**MAPPING, "colour": "red"}, "mapping: unknown key(s) colour"),
    ({**MAPPING, "day_month_swaps": "maybe"}, "day_month_swaps must be one of keep, swap"),
    ({**MAPPING, "outcome": {"column": "late"}}, "outcome.positive missing"),
    ({**MAPPING, "outcome": ["late"]}, "outcome must be a mapping"),
    ({**MAPPING, "cost": {"column": "value", "per_case": "avg"}}, "cost.per_case must be one"),
    ({**MAPPING, "case": ["a", "b"]}, "case must be one name"),
    ({**MAPPING, "patterns": {"bogus": ["x"]}}, "patterns.bogus is no pattern kind"),
    ({**MAPPING, "timezone": "Mars/Base"}, "timezone 'Mars/Base' is no IANA time zone"),
])
def test_a_wrong_mapping_is_refused_in_plain_words(tmp_path: Path, mapping: dict[str, Any],
                                                   message: str) -> None:
    with pytest.raises(LogError, match=message.replace("(", r"\(").replace(")", r"\)")):
        flat.read(write(tmp_path, ROWS), mapping)


def test_a_mapping_file_that_is_not_yaml_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "map.yaml"
    path.write_text("case: order\nactivity: [step\n", encoding="utf-8")
    with pytest.raises(LogError, match=r"mapping .*map.yaml: not valid YAML at line 3"):
        mappings.load(path)
    with pytest.raises(LogError, match="no such file"):
        mappings.load(tmp_path / "absent.yaml")


def test_columns_the_file_lacks_are_named_with_those_it_has(tmp_path: Path) -> None:
    mapping = {**MAPPING, "resource": "user", "outcome": {"Delayed": ["yes"]}}
    with pytest.raises(LogError) as raised:
        flat.read(write(tmp_path, ROWS), mapping)
    assert "no column user, Delayed (the mapping names it; the file has order, step, at, who," \
        in str(raised.value)


def test_files_that_are_absent_empty_or_not_csv_are_refused(tmp_path: Path) -> None:
    with pytest.raises(LogError, match="no such file"):
        flat.read(tmp_path / "absent.csv", MAPPING)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(LogError, match="no column order, step, at"):
        flat.read(empty, MAPPING)
    binary = tmp_path / "binary.csv.gz"
    binary.write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(LogError, match="not a readable CSV file"):
        flat.read(binary, MAPPING)


def test_rows_without_case_or_activity_are_refused_with_their_lines(tmp_path: Path) -> None:
    rows = [*ROWS, ",ship,2024-03-02 08:00:00,x,no,1", "C,,2024-03-02 08:00:00,x,no,1"]
    with pytest.raises(LogError, match=r"2 row\(s\) have no case id \(order\) or no activity "
                                       r"\(step\) \(line 6, 7\)"):
        flat.read(write(tmp_path, rows), MAPPING)


def test_an_outcome_column_named_alone_takes_its_values_beside_it(tmp_path: Path) -> None:
    short = mappings.load({**MAPPING, "outcome": "late", "positive_values": ["yes"]})
    long = mappings.load({**MAPPING, "outcome": {"column": "late", "positive": ["yes"]}})
    assert short.options.outcome == long.options.outcome
    with pytest.raises(LogError, match="needs the values that mean it happened"):
        mappings.load({**MAPPING, "outcome": "late"})
    with pytest.raises(LogError, match="positive_values goes with `outcome: COLUMN`"):
        mappings.load({**MAPPING, "outcome": {"column": "late", "positive": ["yes"]},
                             "positive_values": ["yes"]})
