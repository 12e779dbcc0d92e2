"""The team map of the text classifier: each label's owner team and exception code, the
defaults for a label it does not list, and a wrong map refused naming the entry."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipshape.ml.errors import MappingError
from shipshape.ml.text_teams import Route, code_of_label, load_team_map, team_map_of


def test_a_label_maps_to_a_team_and_a_code_or_to_a_team_alone() -> None:
    teams = team_map_of({"labels": {"DELIVERY": {"team": "transport", "code": "DELIVERY_FAILED"},
                                    "refund": {"team": "finance"}, "order": "warehouse"}})
    assert teams.route("DELIVERY") == Route("transport", "DELIVERY_FAILED")
    assert teams.route("refund") == Route("finance", "REFUND")
    assert teams.route("order") == Route("warehouse", "ORDER")


def test_a_label_not_listed_goes_to_the_default_team_with_a_code_made_of_it() -> None:
    assert team_map_of({}).route("cancel_order") == Route("customer_service", "CANCEL_ORDER")
    teams = team_map_of({"default_team": "credit", "labels": {"x": {"code": "X_Y"}}})
    assert teams.route("check invoice") == Route("credit", "CHECK_INVOICE")
    assert teams.route("x") == Route("credit", "X_Y")


@pytest.mark.parametrize(("label", "code"), [
    ("cancel_order", "CANCEL_ORDER"), ("Cancel order", "CANCEL_ORDER"),
    ("cancelOrder", "CANCEL_ORDER"), ("SHIPPING_ADDRESS", "SHIPPING_ADDRESS"),
    ("  --  ", "TEXT_LABEL"), ("3pl issue", "TEXT_3PL_ISSUE"), ("x" * 90, "X" * 60)])
def test_a_code_is_made_from_a_label_in_upper_snake_case(label: str, code: str) -> None:
    assert code_of_label(label) == code


@pytest.mark.parametrize(("raw", "says"), [
    ({"labels": {"a": "nobody"}}, "labels.a: 'nobody' is not a team"),
    ({"labels": {"a": {"team": "finance", "code": "lower"}}}, "labels.a.code: 'lower'"),
    ({"labels": {"a": {"team": "finance", "owner": "x"}}}, "labels.a: unknown key(s) owner"),
    ({"labels": ["a"]}, "`labels` must map"),
    ({"teams": {}}, "unknown key(s) teams"),
    ({"default_team": "sales"}, "default_team: 'sales' is not a team"),
    ("finance", "a mapping with `labels`")])
def test_a_wrong_map_is_refused_naming_the_entry(raw: object, says: str) -> None:
    with pytest.raises(MappingError) as refused:
        team_map_of(raw, "map.yaml")
    assert says in str(refused.value) and str(refused.value).startswith("map.yaml")


def test_a_map_is_read_from_yaml(tmp_path: Path) -> None:
    path = tmp_path / "teams.yaml"
    path.write_text("labels:\n  REFUND: {team: finance, code: REFUND_REQUESTED}\n")
    assert load_team_map(path).route("REFUND") == Route("finance", "REFUND_REQUESTED")
    assert load_team_map(None).route("a") == Route("customer_service", "A")
    path.write_text("labels: [\n")
    with pytest.raises(MappingError, match=r"teams\.yaml: not YAML"):
        load_team_map(path)
