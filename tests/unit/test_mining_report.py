"""Mining a small flat log whose every figure is known: activities, variants, the
directly-follows graph with its waits, rework, the order-to-cash patterns with outcome rate and
lift, the Pareto, proposed controls with their backtest, the JDM export loaded and evaluated
by the control points' own loader, and a report page that opens offline."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from shipshape.adapters.rules.jdm import load_decision
from shipshape.adapters.rules.zen import ZenPolicyRules
from shipshape.mining import flat, report, report_html, rules
from shipshape.mining.mapping import load
from shipshape.mining.recognise import recognise

HEADER = "case,activity,at,user,channel,late,value"
T = "2024-03-01 {}:00:00"
LOG = [
    # A: a block set then removed; late
    ("A", "Create", 8, "ann", "edi", "yes", 100), ("A", "Header Block Set", 9, "ann", "", "", 100),
    ("A", "Header Block Removed", 10, "cid", "", "", 100), ("A", "Ship", 12, "bob", "", "", 100),
    # B: removed before it was set: no set-then-removed
    ("B", "Create", 8, "ann", "web", "no", 10), ("B", "Header Block Removed", 9, "cid", "", "", 10),
    ("B", "Header Block Set", 10, "ann", "", "", 10), ("B", "Ship", 11, "bob", "", "", 10),
    # C: set and removed at the same time, in this order in the file; a date changed; late
    ("C", "Create", 8, "ann", "edi", "", 50), ("C", "Header Block Set", 9, "ann", "", "", 50),
    ("C", "Header Block Removed", 9, "cid", "", "", 50),
    ("C", "Sched.Line Changed Delivery Date", 10, "dan", "", "yes", 50),
    ("C", "Ship", 14, "bob", "", "", 50),
    # D: the date changed twice, shipped twice; on time
    ("D", "Create", 8, "ann", "web", "no", 20),
    ("D", "Sched.Line Changed Delivery Date", 9, "dan", "", "", 20),
    ("D", "Sched.Line Changed Delivery Date", 10, "dan", "", "", 20),
    ("D", "Ship", 11, "bob", "", "", 20), ("D", "Ship", 12, "bob", "", "", 20),
    # E, F: plain; F has a line rejected
    ("E", "Create", 8, "ann", "edi", "no", 5), ("E", "Ship", 10, "bob", "", "", 5),
    ("F", "Create", 8, "ann", "web", "no", 5), ("F", "Schedule Line Rejected", 9, "eve", "", "", 5),
    ("F", "Ship", 13, "bob", "", "", 5),
]
MAPPING: dict[str, Any] = {
    "case": "case", "activity": "activity", "timestamp": "at", "resource": "user",
    "attributes": {"channel": "order.channel"},
    "outcome": {"column": "late", "positive": ["yes"], "label": "late"},
    "cost": {"column": "value", "per_case": "max", "label": "value"},
    "subject": "orders", "min_cases": 1}


@pytest.fixture(scope="module")
def mined(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("log") / "log.csv"
    lines = [HEADER] + [f"{c},{a},{T.format(f'{h:02d}')},{u},{ch},{late},{v}"
                        for c, a, h, u, ch, late, v in LOG]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = load(MAPPING)
    return report.build(flat.read(path, mapping), mapping.options)


def pattern(built: dict[str, Any], pattern_id: str) -> dict[str, Any]:
    return next(p for p in built["patterns"] if p["id"] == pattern_id)


def test_counts_activities_and_variants(mined: dict[str, Any]) -> None:
    assert (mined["events"], mined["cases"], mined["object_types"]) == (23, 6, ["case"])
    assert mined["activities"] == {"Create": 6, "Ship": 7, "Header Block Set": 3,
                                   "Header Block Removed": 3,
                                   "Sched.Line Changed Delivery Date": 3,
                                   "Schedule Line Rejected": 1}
    variants = {tuple(v["activities"]): v["cases"] for v in mined["variants"]}
    assert variants[("Create", "Header Block Set", "Header Block Removed", "Ship")] == 1
    assert variants[("Create", "Ship")] == 1 and len(variants) == 6
    assert mined["types"]["case"]["variant_count"] == 6


def test_the_dfg_counts_each_handoff_with_its_median_and_p90_wait(mined: dict[str, Any]) -> None:
    edges = {(e["from"], e["to"]): e for e in mined["dfg"]}
    ship = edges[("Create", "Ship")]
    assert (ship["count"], ship["median_seconds"], ship["p90_seconds"]) == (1, 7200.0, 7200.0)
    changed = edges[("Sched.Line Changed Delivery Date", "Ship")]  # waits: 4 h (C), 1 h (D)
    assert changed["count"] == 2 and changed["median_seconds"] == 2.5 * 3600
    assert changed["p90_seconds"] == pytest.approx((1 + 0.9 * 3) * 3600)
    assert edges[("Ship", "Ship")]["count"] == 1
    assert sum(e["count"] for e in mined["dfg"]) == 23 - 6


def test_rework_counts_cases_and_repeats(mined: dict[str, Any]) -> None:
    rework = mined["rework"]
    assert (rework["cases"], rework["repeats"]) == (1, 2)
    by = {r["activity"]: (r["cases"], r["repeats"]) for r in rework["by_activity"]}
    assert by == {"Sched.Line Changed Delivery Date": (1, 1), "Ship": (1, 1)}


def test_a_block_set_then_removed_needs_the_removal_after_the_set(mined: dict[str, Any]) -> None:
    found = pattern(mined, "block_set_then_removed")
    assert (found["cases"], found["occurrences"]) == (2, 2)  # A and C, not B
    assert found["outcome_cases"] == 2 and found["outcome_rate"] == 1.0
    assert found["lift"] == pytest.approx(1.0 / (2 / 6))
    assert pattern(mined, "block_set_then_removed:Header Block")["cases"] == 2
    assert pattern(mined, "block:Header Block")["cases"] == 3


def test_dates_changed_and_lines_rejected_with_their_lift(mined: dict[str, Any]) -> None:
    changed = pattern(mined, "date_changed")
    assert (changed["cases"], changed["occurrences"], changed["outcome_cases"]) == (2, 3, 1)
    assert changed["support"] == pytest.approx(2 / 6)
    assert changed["lift"] == pytest.approx(0.5 / (2 / 6))
    assert changed["rate_without"] == pytest.approx(1 / 4)
    assert changed["times_as_often"] == pytest.approx(2.0)
    assert changed["cost"] == 70.0 and changed["outcome_cost"] == 50.0
    rejected = pattern(mined, "line_rejected")
    assert (rejected["cases"], rejected["outcome_rate"], rejected["lift"]) == (1, 0.0, 0.0)


def test_the_pareto_ranks_exceptions_by_occurrences_and_by_cost(mined: dict[str, Any]) -> None:
    by_frequency = mined["pareto"]["by_frequency"]
    assert by_frequency[0]["pattern"] == "block:Header Block"
    assert by_frequency[0]["occurrences"] == 6
    assert by_frequency[-1]["cumulative_share"] == pytest.approx(1.0)
    by_cost = mined["pareto"]["by_cost"]
    assert by_cost[0]["pattern"] == "block:Header Block" and by_cost[0]["cost"] == 160.0
    assert mined["pareto"]["cost_label"] == "value"


def test_controls_are_worded_for_people_and_backtested(mined: dict[str, Any]) -> None:
    controls = {c["pattern"]: c for c in mined["proposed_controls"]}
    edi = controls["attribute:channel=edi"]
    assert edi["proposal"] == ('Orders with channel "edi" are late 67% of the time, the others '
                               'never: review orders with channel "edi" at capture.')
    changed = controls["date_changed"]
    assert changed["proposal"] == ("Orders with a changed date are late 2.0\u00d7 as often (50% vs "
                                   "25%): confirm the delivery date against stock and capacity "
                                   "at capture.")
    assert changed["backtest"]["precision"] == 0.5 and changed["backtest"]["recall"] == 0.5
    assert edi["backtest"] == {"target": "late orders", "cases": 6, "flagged": 3, "caught": 2,
                               "target_cases": 2, "precision": pytest.approx(2 / 3), "recall": 1.0,
                               "cost_saved": 150.0}
    assert edi["rule"]["fact"] == "order.channel" and edi["exportable"]
    block = controls["block_set_then_removed:Header Block"]
    assert block["proposal"].startswith("Orders with a Header Block set, then removed are late")
    assert block["backtest"]["precision"] == 1.0 and block["backtest"]["recall"] == 1.0
    assert "block:Header Block" not in controls  # the same check, less precise


def test_exported_rules_load_through_the_policy_loader_and_fire(mined: dict[str, Any],
                                                                tmp_path: Path) -> None:
    path = rules.export(mined["proposed_controls"], tmp_path)
    assert path is not None and path.name == "mined_controls.json"
    engine, version = load_decision(path)
    assert version.startswith("mined_controls@")
    answer = engine.evaluate("mined", {"order": {"channel": "edi"}, "customer": {}})["result"]
    assert "MINED_ATTRIBUTE_CHANNEL_EDI" in {row["code"] for row in answer}
    findings = ZenPolicyRules(tmp_path).evaluate({"order": {"channel": "edi"}, "customer": {}})
    edi = next(f for f in findings if f.code == "MINED_ATTRIBUTE_CHANNEL_EDI")
    assert (edi.severity, edi.kind, edi.rule.split("@")[0]) == ("warn", "business",
                                                                 "mined_controls")
    assert edi.message.startswith('Orders with channel "edi" are late')
    assert not ZenPolicyRules(tmp_path).evaluate({"order": {"channel": "web"}, "customer": {}})


def test_a_text_with_both_quotes_still_loads_as_a_rule(tmp_path: Path) -> None:
    control = {"code": "MINED_X", "severity": "warn", "kind": "business",
               "owner_team": "customer_service", "proposal": "it's a \"quoted\" text",
               "rule": {"fact": "order.channel", "value": "it's \"odd\""}}
    path = rules.export([control], tmp_path)
    assert path is not None
    [finding] = ZenPolicyRules(tmp_path).evaluate(
        {"order": {"channel": "it's \u201dodd\u201d"}, "customer": {}})
    assert finding.message == "it's a \u201dquoted\u201d text"


def test_the_json_report_has_every_section(mined: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    report.write_json(mined, path)
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert {"events", "cases", "objects", "object_types", "activities", "variants", "dfg",
            "rework", "patterns", "pareto", "proposed_controls", "waiting"} <= set(loaded)
    assert loaded["objects"] == {"case": 6}
    resources = {w["name"]: w for w in loaded["waiting"]["by_resource"]}
    assert resources["cid"]["events"] == 3 and resources["cid"]["median_seconds"] == 3600.0


def test_the_html_page_is_self_contained(mined: dict[str, Any], tmp_path: Path) -> None:
    page = report_html.render(mined)
    assert page.count("<svg") >= 5 and "<style>" in page
    assert not re.search(r"<script|<link|<img|@import|url\(|src=", page)
    assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", page)
    assert "Header Block Set" in page and "late" in page
    report_html.write_html(mined, tmp_path / "report.html")
    assert (tmp_path / "report.html").read_text(encoding="utf-8") == page


def test_the_outcome_column_is_never_a_predictor_of_itself(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    rows = [f"{c},{a},2024-01-0{d},{'yes' if c < 3 else 'no'}"
            for c in range(9) for d, a in ((1, "create"), (2, "ship"))]
    path.write_text("case,activity,at,late\n" + "\n".join(rows) + "\n", encoding="utf-8")
    mapping = load({"case": "case", "activity": "activity", "timestamp": "at",
                    "attributes": ["late"], "outcome": {"late": ["yes"]}, "min_cases": 1})
    built = report.build(flat.read(path, mapping), mapping.options)
    assert not [p for p in built["patterns"] if p["kind"] == "attribute"]
    assert not built["proposed_controls"]


def test_names_with_markup_are_escaped_in_the_page(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text("case,activity,at\n1,<b>x</b>,2024-01-01\n1,y,2024-01-02\n", encoding="utf-8")
    mapping = load({"case": "case", "activity": "activity", "timestamp": "at"})
    page = report_html.render(report.build(flat.read(path, mapping), mapping.options))
    assert "<b>x</b>" not in page and "&lt;b&gt;x&lt;/b&gt;" in page


@pytest.mark.parametrize(("names", "expected"), [
    (["Address missing Block Set", "Address missing Block Removed"],
     ("Address missing Block", ("Address missing Block Set",),
      ("Address missing Block Removed",))),
    (["Document blocked for credit ", "Document released for credit"],
     ("Document blocked for credit", ("Document blocked for credit ",),
      ("Document released for credit",))),
    (["OrderHeld", "OrderReleased"], ("OrderHeld", ("OrderHeld",), ("OrderReleased",))),
])
def test_block_pairs_are_recognised_by_name(names: list[str],
                                            expected: tuple[Any, ...]) -> None:
    [block] = recognise(names).blocks
    assert (block.label, block.set_by, block.removed_by) == expected


def test_exception_kinds_are_recognised_by_name_or_named_in_the_mapping() -> None:
    found = recognise(["item out of stock", "DeliveryFailed", "Change delivery date",
                       "Line rejected", "Ship"])
    assert dict(found.kinds) == {"date_changed": ("Change delivery date",),
                                 "line_rejected": ("Line rejected",),
                                 "stock_out": ("item out of stock",),
                                 "failed_delivery": ("DeliveryFailed",)}
    named = recognise(["Ship", "Late"], {"failed_delivery": ["Late"]})
    assert dict(named.kinds) == {"failed_delivery": ("Late",)}
