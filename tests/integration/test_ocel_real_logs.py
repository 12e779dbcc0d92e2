"""Real OCEL logs published with PM4Py, ocpa and OCEL(ESCOPE) (GPL/AGPL: read from the shared
data folder, never copied here): our reader finds what r4pm finds in each, and what we write
of them is read back, by us and by r4pm, with the same counts."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from shipshape.mining import ocel
from tests.worlds.r4pm_counts import r4pm_counts, r4pm_tables

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "event_logs"
if not DATA.is_dir():
    DATA = Path("/work/shared/data/event_logs")
OCEL2 = ["pm4py-core/ocel20_example.sqlite", "pm4py-core/ocel20_example.jsonocel",
         "pm4py-core/ocel20_example.xmlocel", "ocelescope/pallet-logistics-v0.9.sqlite"]
OCEL1 = ["pm4py-core/example_log.jsonocel", "pm4py-core/example_log.xmlocel",
         "ocpa/order_process.jsonocel", "ocpa/p2p-normal.jsonocel"]


def shared(name: str) -> Path:
    path = DATA / name
    if not path.is_file():
        pytest.skip(f"{name} is not here: the shared event logs (GPL/AGPL, kept out of the "
                    "repository) are read from ../shared/data/event_logs")
    return path


@pytest.mark.parametrize("name", OCEL2)
def test_our_reader_finds_what_r4pm_finds(name: str) -> None:
    path = shared(name)
    log = ocel.read(path)
    assert log.counts() == r4pm_counts(path)
    theirs = r4pm_tables(path)["events"].select(
        pl.col("ocel:eid").alias("event_id"),
        pl.col("ocel:timestamp").dt.replace_time_zone("UTC").dt.cast_time_unit("us"))
    ours = log.events.select("event_id", "timestamp")
    assert ours.sort("event_id").equals(theirs.sort("event_id").rename(
        {"ocel:timestamp": "timestamp"}))


def test_the_three_forms_of_the_same_log_agree() -> None:
    logs = [ocel.read(shared(name)) for name in OCEL2[:3]]
    assert logs[0].counts() == logs[1].counts() == logs[2].counts() == {
        "events": 13, "objects": 9, "links": 20, "relations": 7, "event_attributes": 13,
        "object_attributes": 12}
    assert logs[0].object_types() == ["Invoice", "Payment", "Purchase Order",
                                      "Purchase Requisition"]


@pytest.mark.parametrize("name", OCEL1)
def test_ocel_1_logs_read(name: str) -> None:
    log = ocel.read(shared(name))
    assert log.events.height > 0 and log.links.height >= log.events.height
    assert set(log.links.get_column("qualifier")) == {""}


@pytest.mark.parametrize("name", OCEL2 + OCEL1)
@pytest.mark.parametrize("suffix", [".sqlite", ".json"])
def test_what_we_write_reads_back_with_the_same_counts_here_and_in_r4pm(
    tmp_path: Path, name: str, suffix: str,
) -> None:
    log = ocel.read(shared(name))
    out = tmp_path / f"copy{suffix}"
    ocel.write(log, out)
    assert ocel.read(out).counts() == log.counts() == r4pm_counts(out)
