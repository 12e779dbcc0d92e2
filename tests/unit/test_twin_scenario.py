"""Scenario files: the built-ins load and can be written out to edit; every mistake names the
field it is about, and the CLI says it in one line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from shipshape.cli import app
from shipshape.sim.scenario import (
    BUILT_IN,
    ScenarioError,
    built_in_text,
    load_scenario,
    parse_scenario,
    write_scenario,
)


def test_the_built_ins_share_a_world_and_differ_in_their_process() -> None:
    legacy, _ = load_scenario("legacy")
    redesigned, _ = load_scenario("redesigned")
    assert legacy.process.reservation == "batch" and redesigned.process.reservation == "event"
    assert legacy.model_dump(exclude={"name", "description", "process"}) == \
        redesigned.model_dump(exclude={"name", "description", "process"})


@pytest.mark.parametrize("name", BUILT_IN)
def test_a_written_scenario_reads_back_as_the_built_in(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.yaml"
    write_scenario(name, path)
    assert load_scenario(str(path))[0] == load_scenario(name)[0]


def test_writing_over_an_existing_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("keep me", encoding="utf-8")
    with pytest.raises(ScenarioError, match="exists already"):
        write_scenario("legacy", path)
    assert path.read_text(encoding="utf-8") == "keep me"


def edited(change: dict[str, object]) -> str:
    data = yaml.safe_load(built_in_text("redesigned"))
    for dotted, value in change.items():
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[last] = value
    return yaml.safe_dump(data)


@pytest.mark.parametrize(("change", "named"), [
    ({"demand.orders_per_dya": 5}, "demand.orders_per_dya: unknown field"),
    ({"demand.orders_per_day": 0}, "demand.orders_per_day"),
    ({"sites.0.demand_share": 0.9}, "sites: Value error, the shares must add up to 1"),
    ({"process.reservation": "nightly"}, "process.reservation"),
    ({"carriers.outages": [{"carrier": "UPS", "start_hour": 5, "end_hour": 2}]},
     "carriers.outages.0: Value error, end_hour (2) must come after start_hour (5)"),
    ({"costs.rework_minutes": {"packing": 3}}, "unknown stage(s) packing"),
])
def test_a_mistake_names_its_field(change: dict[str, object], named: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(edited(change), "mine.yaml")
    assert str(raised.value).startswith("mine.yaml: ")
    assert named.replace("Value error, ", "") in str(raised.value)


def test_broken_yaml_is_said_with_its_line() -> None:
    with pytest.raises(ScenarioError, match=r"not valid YAML \(line 2"):
        parse_scenario("name: x\n  demand: [\n", "mine.yaml")


def test_the_cli_writes_a_scenario_and_refuses_a_bad_one_in_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "outage.yaml"
    written = runner.invoke(app, ["simulate", "--write-scenario", "legacy", str(path)])
    assert written.exit_code == 0, written.output
    path.write_text(path.read_text(encoding="utf-8").replace("orders_per_day: 2000",
                                                             "orders_per_day: -3"))
    shipshape = Path(sys.executable).parent / "shipshape"
    refused = subprocess.run([str(shipshape), "simulate", "--scenario", str(path)],
                             capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert refused.returncode == 2
    assert "demand.orders_per_day: Input should be greater than or equal to 1" in refused.stderr
    assert "Traceback" not in refused.stderr and not list(tmp_path.glob("twin"))
