"""`shipshape mine`: a flat CSV, an OCEL file or `store` in, a JSON and an HTML report out;
every kind of bad input one line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from shipshape.adapters.db import tables as t
from shipshape.cli import app, exit_codes
from shipshape.mining import ocel
from shipshape.mining.log import EventLog
from tests.cli_support import failing
from tests.worlds.journey import acknowledged

CSV = "order,step,at,late\nA,create,2024-03-01 08:00,no\nA,ship,2024-03-02 08:00,no\n" \
      "B,create,2024-03-01 09:00,yes\nB,Delivery Date Changed,2024-03-02 09:00,yes\n" \
      "B,ship,2024-03-04 09:00,yes\n"
MAPPING = "case: order\nactivity: step\ntimestamp: at\noutcome: {late: [yes]}\n"


def mine(*args: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["mine", *args])
    assert result.exit_code == 0, result.output
    return {"output": result.output}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "log.csv").write_text(CSV, encoding="utf-8")
    (tmp_path / "map.yaml").write_text(MAPPING, encoding="utf-8")
    return tmp_path


def test_a_flat_log_is_mined_into_both_reports(files: Path) -> None:
    out = mine(str(files / "log.csv"), "--mapping", str(files / "map.yaml"),
               "--json", str(files / "r.json"), "--html", str(files / "r.html"))
    built = json.loads((files / "r.json").read_text(encoding="utf-8"))
    assert (built["events"], built["cases"], built["activities"]["create"]) == (5, 2, 2)
    assert next(p for p in built["patterns"] if p["id"] == "date_changed")["outcome_rate"] == 1
    assert "<svg" in (files / "r.html").read_text(encoding="utf-8")
    assert "5 events, 2 cases (case)" in out["output"]


@pytest.mark.parametrize(("args", "message"), [
    (["{d}/log.csv"], "log.csv: a flat CSV log needs --mapping MAP.yaml"),
    (["{d}/log.parquet"], "log.parquet: unknown kind of log '.parquet'"),
    (["{d}/log.csv", "--mapping", "{d}/absent.yaml"], "absent.yaml: no such file"),
    (["{d}/absent.csv", "--mapping", "{d}/map.yaml"], "absent.csv: no such file"),
    (["{d}/log.csv", "--mapping", "{d}/map.yaml", "--type", "order"],
     "the log has no objects of type 'order' (it has case)"),
    (["{d}/log.csv", "--mapping", "{d}/map.yaml", "--from", "2024-01-01"],
     "--from and --to apply to `store` only"),
    (["{d}/bad.csv", "--mapping", "{d}/map.yaml"],
     "column at: 1 timestamp(s) do not parse as '%Y-%m-%d %H:%M' (line 3; e.g. 'tomorrow')"),
    (["{d}/log.json"], "log.json: not valid JSON"),
])
def test_bad_input_is_one_line_and_exit_status_2(
    files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    args: list[str], message: str,
) -> None:
    (files / "bad.csv").write_text("order,step,at,late\nA,create,2024-03-01 08:00,no\n"
                                   "A,ship,tomorrow,no\n", encoding="utf-8")
    (files / "log.json").write_text("{not json", encoding="utf-8")
    code, output = failing(monkeypatch, capsys, f"sqlite:///{files / 'x.db'}", "mine",
                           *(a.format(d=files) for a in args), "--json", str(files / "r.json"))
    assert code == exit_codes.USAGE
    assert message in output and "Traceback" not in output
    assert not (files / "r.json").exists()


def two_types() -> EventLog:
    events = pl.DataFrame({"event_id": ["e1", "e2", "e3", "e4"],
                           "activity": ["place order", "item out of stock", "pick item",
                                        "failed delivery"],
                           "timestamp": ["2024-01-01T08:00:00", "2024-01-01T09:00:00",
                                         "2024-01-02T08:00:00", "2024-01-03T08:00:00"]}
                          ).with_columns(pl.col("timestamp").str.to_datetime(time_zone="UTC"))
    objects = pl.DataFrame({"object_id": ["o1", "o2", "i1", "i2"],
                            "object_type": ["order", "order", "item", "item"]})
    links = pl.DataFrame({"event_id": ["e1", "e1", "e2", "e3", "e4", "e1"],
                          "object_id": ["o1", "i1", "i1", "i1", "o1", "o2"],
                          "qualifier": ["", "", "", "", "", ""]})
    return EventLog.of(events=events, objects=objects, links=links)


def test_an_ocel_file_is_mined_per_object_type(tmp_path: Path) -> None:
    ocel.write(two_types(), tmp_path / "log.sqlite")
    (tmp_path / "opts.yaml").write_text("outcome: {activity: [failed delivery]}\n",
                                        encoding="utf-8")
    mine(str(tmp_path / "log.sqlite"), "--mapping", str(tmp_path / "opts.yaml"),
         "--json", str(tmp_path / "r.json"), "--html", str(tmp_path / "r.html"))
    built = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert built["events"] == 4 and built["mined_types"] == ["item", "order"]
    assert built["objects"] == {"item": 2, "order": 2} and built["cases"] == 3
    edges = {(e["object_type"], e["from"], e["to"]) for e in built["dfg"]}
    assert edges == {("item", "place order", "item out of stock"),
                     ("item", "item out of stock", "pick item"),
                     ("order", "place order", "failed delivery")}
    assert built["outcome"]["by_type"]["order"] == {"cases": 1, "rate": 0.5}
    kinds = {(p["object_type"], p["id"]): p["cases"] for p in built["patterns"]}
    assert kinds[("item", "stock_out")] == 1 and kinds[("order", "failed_delivery")] == 1
    only = tmp_path / "order.json"
    (tmp_path / "few.yaml").write_text("min_cases: 1\n", encoding="utf-8")
    mine(str(tmp_path / "log.sqlite"), "--type", "order", "--json", str(only),
         "--mapping", str(tmp_path / "few.yaml"),
         "--html", str(tmp_path / "order.html"))
    plain = json.loads(only.read_text(encoding="utf-8"))
    assert plain["mined_types"] == ["order"] and plain["outcome"] is None
    [control] = plain["proposed_controls"]  # no outcome: proposed, but nothing to test
    assert control["pattern"] == "failed_delivery" and control["backtest"]["precision"] is None
    assert "a failed delivery" in (tmp_path / "order.html").read_text(encoding="utf-8")


def test_the_store_is_mined_from_shipshapes_own_events(make_world: Any, tmp_path: Path) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    acknowledged(world)
    url = world.container.settings.database_url
    with world.container.engine.connect() as conn:
        stored = conn.execute(select(func.count()).select_from(t.order_events)).scalar_one()
    result = CliRunner().invoke(app, ["mine", "store", "--type", "order",
                                      "--json", str(tmp_path / "r.json")],
                                env={"SHIPSHAPE_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    built = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert built["events"] == stored and built["mined_types"] == ["order"]
    assert built["cases"] == 1 and built["activities"]
