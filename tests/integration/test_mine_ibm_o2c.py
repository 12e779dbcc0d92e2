"""`shipshape mine` on the real IBM SAP order-to-cash log (IBM/processmining, Apache-2.0; read
from ../shared/data, skipped where it is absent) with the mapping in tests/fixtures/mining: the
report's counts equal the ones this test takes from the raw file with nothing but csv and gzip,
and every proposed control carries its backtested precision and recall."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shipshape.adapters.rules.zen import ZenPolicyRules
from shipshape.cli import app

LOG = (Path(__file__).parents[3] / "shared" / "data" / "event_logs" / "ibm-o2c-sap"
       / "O2C_SAP_log.csv.gz")
MAPPING = Path(__file__).parents[1] / "fixtures" / "mining" / "ibm_o2c_mapping.yaml"
pytestmark = pytest.mark.skipif(
    not LOG.exists(), reason=f"IBM O2C log not present at {LOG} (clone without ../shared)")
DATE_CHANGE = "Sched.Line Changed Delivery Date"
BLOCKS = {"Header Block": ("Header Block Set", "Header Block Removed"),
          "Address missing Block": ("Address missing Block Set", "Address missing Block Removed"),
          "Sched.Line Block": ("Sched.Line Block Set", "Sched.Line Block Removed"),
          "Document blocked for credit": ("Document blocked for credit ",
                                          "Document released for credit")}


def raw_rows() -> list[dict[str, str]]:
    with gzip.open(LOG, "rt", encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def moment(text: str) -> datetime:
    """As the mapping reads Date: where day and month could be exchanged, they are."""
    written = datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    if written.day <= 12:
        return written.replace(month=written.day, day=written.month)
    return written


def by_case(rows: list[dict[str, str]]) -> dict[str, list[str]]:
    """Each case's activities in time order, ties in the order of the file."""
    timed: dict[str, list[tuple[datetime, int, str]]] = defaultdict(list)
    for line, row in enumerate(rows):
        timed[row["Key"]].append((moment(row["Date"]), line, row["Activity"]))
    return {case: [activity for _, _, activity in sorted(events)]
            for case, events in timed.items()}


def set_then_removed(activities: list[str], set_by: str, removed_by: str) -> int:
    """Set events followed later in the case by a removal."""
    last_removal = max((i for i, a in enumerate(activities) if a == removed_by), default=-1)
    return sum(1 for i, a in enumerate(activities) if a == set_by and i < last_removal)


@pytest.fixture(scope="module")
def mined(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("o2c")
    result = CliRunner().invoke(app, [
        "mine", str(LOG), "--mapping", str(MAPPING), "--json", str(folder / "o2c.json"),
        "--html", str(folder / "o2c.html"), "--export-rules", str(folder / "rules")])
    assert result.exit_code == 0, result.output
    built: dict[str, Any] = json.loads((folder / "o2c.json").read_text(encoding="utf-8"))
    built["_folder"] = str(folder)
    return built


@pytest.fixture(scope="module")
def raw() -> list[dict[str, str]]:
    return raw_rows()


def pattern(built: dict[str, Any], pattern_id: str) -> dict[str, Any]:
    return next(p for p in built["patterns"] if p["id"] == pattern_id)


def test_events_cases_and_activities_match_the_raw_file(mined: dict[str, Any],
                                                        raw: list[dict[str, str]]) -> None:
    assert mined["events"] == len(raw)
    assert mined["cases"] == len({row["Key"] for row in raw})
    assert mined["objects"] == {"case": mined["cases"]}
    assert mined["activities"] == dict(Counter(row["Activity"] for row in raw))


def test_date_changes_match_the_raw_file(mined: dict[str, Any],
                                         raw: list[dict[str, str]]) -> None:
    changed = pattern(mined, "date_changed")
    assert changed["activities"] == [DATE_CHANGE]
    assert changed["occurrences"] == sum(row["Activity"] == DATE_CHANGE for row in raw)
    assert changed["cases"] == len({row["Key"] for row in raw if row["Activity"] == DATE_CHANGE})


def test_blocks_set_then_removed_match_the_raw_file(mined: dict[str, Any],
                                                    raw: list[dict[str, str]]) -> None:
    cases = by_case(raw)
    every: set[str] = set()
    for label, (set_by, removed_by) in BLOCKS.items():
        counted = {case: set_then_removed(acts, set_by, removed_by)
                   for case, acts in cases.items()}
        hit = {case for case, n in counted.items() if n}
        found = pattern(mined, f"block_set_then_removed:{label}")
        assert (found["cases"], found["occurrences"]) == (len(hit), sum(counted.values())), label
        every |= hit
    assert pattern(mined, "block_set_then_removed")["cases"] == len(every)
    assert pattern(mined, "block_set_then_removed:Header Block")["cases"] > 0


def test_the_outcome_rate_and_lift_of_a_pattern_match_the_raw_file(
    mined: dict[str, Any], raw: list[dict[str, str]]
) -> None:
    delayed = {row["Key"] for row in raw if row["Delayed"] == "DELAYED"}
    changed = {row["Key"] for row in raw if row["Activity"] == DATE_CHANGE}
    found = pattern(mined, "date_changed")
    rate = len(changed & delayed) / len(changed)
    assert found["outcome_rate"] == pytest.approx(rate, abs=1e-6)
    assert found["lift"] == pytest.approx(rate / (len(delayed) / mined["cases"]), abs=1e-5)
    assert mined["outcome"]["by_type"]["case"]["cases"] == len(delayed)


def test_controls_carry_their_backtest_and_export_rules_that_load(
    mined: dict[str, Any], raw: list[dict[str, str]]
) -> None:
    controls = mined["proposed_controls"]
    assert controls
    delayed = {row["Key"] for row in raw if row["Delayed"] == "DELAYED"}
    for control in controls:
        tested = control["backtest"]
        assert 0 <= tested["precision"] <= 1 and 0 <= tested["recall"] <= 1
        assert tested["target_cases"] == len(delayed)
        assert tested["recall"] == pytest.approx(tested["caught"] / len(delayed), abs=1e-6)
        assert control["proposal"].startswith("Order lines with ")
    returns = next(c for c in controls if c["pattern"] == "attribute:OrderType=US-Return Order")
    keys = {row["Key"] for row in raw if row["OrderType"] == "US-Return Order"}
    assert returns["backtest"]["flagged"] == len(keys)
    assert returns["backtest"]["caught"] == len(keys & delayed)
    rules = ZenPolicyRules(Path(mined["_folder"]) / "rules")
    codes = {f.code for f in rules.evaluate({"order": {"order_type": "US-Return Order"},
                                             "customer": {"id": "nobody"}})}
    assert returns["code"] in codes


def test_the_html_report_is_written(mined: dict[str, Any]) -> None:
    page = (Path(mined["_folder"]) / "o2c.html").read_text(encoding="utf-8")
    assert "Process map" in page and "Sched.Line Changed Delivery Date" in page
    assert mined["source"]["notes"][0]["kind"] == "day_month_swaps"
