"""The risk model's mapping and data: fields checked with errors that name the field and the
file, an event log read into one row per case as it stood at its first `at_activity` event,
dates with day and month swapped read back, missing columns named."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shipshape.ml.errors import MappingError
from shipshape.ml.risk_data import ID, LABEL, TIME, encode_frame, prepare_frame
from shipshape.ml.risk_mapping import load_mapping, mapping_from
from shipshape.ml.risk_model import Encoder, FeatureSpec


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "map.yaml"
    path.write_text(text)
    return path


def test_a_table_mapping_reads_with_kinds_and_exclusions(tmp_path: Path) -> None:
    mapping = load_mapping(write(tmp_path, "id: order_id\ntime: created_at\n"
                                 "label: {column: outcome, positive: [LATE, 1, true]}\n"
                                 "features: {lines: numeric, channel: categorical}\n"
                                 "exclude: [channel]\n"))
    assert mapping.label.positive == ["LATE", "1", "true"]
    assert mapping.declared_kinds() == {"lines": "numeric"}
    assert not mapping.is_event_log


def test_an_event_log_mapping_defaults_id_and_time_to_case_and_timestamp() -> None:
    mapping = mapping_from({"case": "Key", "activity": "Activity", "timestamp": "Date",
                            "at_activity": "Line Creation", "label": "Delayed",
                            "positive": "DELAYED"})
    assert (mapping.id_column, mapping.time_column) == ("Key", "Date")
    assert mapping.label.positive == ["DELAYED"] and mapping.declared_kinds() is None


@pytest.mark.parametrize(("text", "said"), [
    ("id: a\ntime: b\nlabel: {column: c, positive: [x]}\nfeaturs: [d]\n", "field `featurs`"),
    ("id: a\nlabel: {column: c, positive: [x]}\n", "needs `id`"),
    ("id: a\ntime: b\n", "field `label` is required"),
    ("id: a\ntime: b\nlabel: {column: c, positive: []}\n", "field `label.positive`"),
    ("case: a\nactivity: b\ntimestamp: c\nlabel: {column: c, positive: [x]}\n",
     "at_activity missing"),
    ("id: a\ntime: b\nlabel: {column: c, positive: [x]}\nfeatures: {d: text}\n",
     "field `features"),
    ("- just\n- a list\n", "YAML dictionary"),
])
def test_a_wrong_mapping_names_the_field_and_the_file(tmp_path: Path, text: str, said: str
                                                      ) -> None:
    path = write(tmp_path, text)
    with pytest.raises(MappingError) as caught:
        load_mapping(path)
    assert said in str(caught.value) and str(path) in str(caught.value)


def test_a_column_the_data_lacks_is_named_with_its_field() -> None:
    mapping = mapping_from({"id": "order_id", "time": "created_at", "features": ["lines"],
                            "label": {"column": "outcome", "positive": ["LATE"]}})
    frame = pl.DataFrame({"order_id": ["a"], "created_at": ["2024-01-01"], "outcome": ["OK"]})
    with pytest.raises(MappingError, match=r"'lines' \(field `features.lines`\)"):
        prepare_frame(frame, mapping, "x.csv", "map.yaml")


def test_times_that_do_not_read_are_refused_with_their_line() -> None:
    mapping = mapping_from({"id": "o", "time": "t", "time_format": "%Y-%m-%d",
                            "label": {"column": "y", "positive": ["1"]}})
    frame = pl.DataFrame({"o": ["a", "b"], "t": ["2024-01-01", "yesterday"], "y": [1, 0]})
    with pytest.raises(MappingError, match=r"column 't'.*1 value.*line 3.*'yesterday'"):
        prepare_frame(frame, mapping, "x.csv")


EVENTS = pl.DataFrame({
    "Key": ["A", "A", "A", "B", "B", "C"],
    "Activity": ["Create", "Line Creation", "Deliver", "Line Creation", "Deliver", "Create"],
    "Date": ["2016-13-01 10:00:00", "2016-01-02 09:00:00", "2016-01-03 09:00:00",
             "2016-05-01 08:00:00", "2016-06-01 08:00:00", "2016-15-01 08:00:00"],
    "Customer": [None, "c1", "c9", "c2", "c2", "c3"],
    "Value": [5.0, None, 99.0, 7.0, 7.0, 1.0],
    "Delayed": ["IN TIME", "IN TIME", "DELAYED", "IN TIME", "IN TIME", "DELAYED"],
})


def test_an_event_log_becomes_one_row_per_case_at_its_first_at_activity() -> None:
    mapping = mapping_from({"case": "Key", "activity": "Activity", "timestamp": "Date",
                            "at_activity": "Line Creation", "time_format": "%Y-%d-%m %H:%M:%S",
                            "label": {"column": "Delayed", "positive": ["DELAYED"]}})
    prepared = prepare_frame(EVENTS, mapping, "log.csv")
    rows = {r[ID]: r for r in prepared.frame.to_dicts()}
    assert set(rows) == {"A", "B"}
    assert prepared.notes == ["1 of 3 cases never reach 'Line Creation': not used"]
    assert rows["A"]["Customer"] == "c1" and rows["A"]["Value"] == 5.0
    assert rows["A"][LABEL] == 1 and rows["B"][LABEL] == 0
    assert str(rows["A"][TIME]) == "2016-02-01 09:00:00"
    assert set(prepared.candidates) == {"Customer", "Value"}


def test_day_and_month_swapped_where_the_mapping_says_so() -> None:
    mapping = mapping_from({"case": "Key", "activity": "Activity", "timestamp": "Date",
                            "at_activity": "Line Creation", "day_month_swaps": "swap",
                            "label": {"column": "Delayed", "positive": ["DELAYED"]}})
    frame = EVENTS.filter(pl.col("Key") == "B")
    prepared = prepare_frame(frame, mapping, "log.csv")
    assert str(prepared.frame[TIME][0]) == "2016-01-05 08:00:00"


def test_frames_and_rows_encode_alike() -> None:
    specs = [FeatureSpec("n", "numeric"), FeatureSpec("c", "categorical", ("767", "x", "true"))]
    frame = pl.DataFrame({"n": ["1.5", None, "oops"], "c": [767.0, None, 3.0]})
    rows = [{"n": "1.5", "c": 767}, {}, {"n": "oops", "c": 3.0}]
    assert encode_frame(frame, specs).tolist().__repr__() == \
        Encoder(specs).rows(rows).tolist().__repr__()
    assert Encoder(specs).row({"c": True}).tolist()[0][1] == 2.0
