"""Reconciliation: a clean journey reports nothing; each defect injected into the store is
reported once, repaired once where that is safe, and opens one case otherwise."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from typer.testing import CliRunner

from shipshape.adapters.db import tables as t
from shipshape.bootstrap import build
from shipshape.cli import app
from shipshape.config import Settings
from shipshape.domain.reconciliation import CODES
from shipshape.services.billing import ERP_INVOICE_POSTING, InvoicePostingHandler
from shipshape.services.delivery.consume import apply_once
from shipshape.worker import Worker
from tests.builders import auth
from tests.conftest import BACKENDS
from tests.worlds.journey import (
    TIMEOUT_S,
    acknowledged,
    cases,
    copy_invoice,
    delete_invoice,
    execute,
    found,
    run,
    set_invoice_line,
    shipped,
    timeline,
)
from tests.worlds.shipping import erp, invoices, message_of, post_invoice

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
LATE = TIMEOUT_S + 60


def test_a_clean_journey_reports_nothing_and_records_the_run(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    acknowledged(world)
    report = run(world, after_s=LATE)
    assert report.findings == () and report.totals == {code: 0 for code in CODES}
    [recorded] = timeline(world, report.run_id, "ReconciliationRun")
    assert (recorded["findings"], recorded["repair"]) == (0, True)
    assert cases(world, "SHIPPED_NOT_INVOICED") == [] and len(invoices(world)) == 1


def test_a_shipment_without_invoice_is_invoiced_once_then_becomes_a_case(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    delete_invoice(world, journey.invoice_id)
    report = run(world)
    assert found(report) == [("SHIPPED_NOT_INVOICED", "SHP-1", None, "repaired")]
    [reissued] = invoices(world)
    assert (reissued["shipment_id"], reissued["status"], reissued["lines"]) == (
        "SHP-1", "issued", [(1, "SKU1", 5, reissued["lines"][0][3])])
    assert reissued["total"] == 50 and reissued["id"] != journey.invoice_id
    assert len(world.events(journey.order_id, "InvoiceIssued")) == 2
    assert found(run(world)) == []
    delete_invoice(world, str(reissued["id"]))
    again = run(world)
    assert found(again) == [("SHIPPED_NOT_INVOICED", "SHP-1", None, "case opened")]
    assert invoices(world) == []
    [case] = cases(world, "SHIPPED_NOT_INVOICED")
    assert (case["case_id"], case["stage"], case["owner_team"], case["kind"], case["order_id"],
            case["site_id"], case["customer_id"], case["status"]) == (
        again.findings[0].case_id, "reconcile", "finance", "business", journey.order_id, "DAL",
        "C1", "open")
    assert case["details"]["subject"] == "shipment:SHP-1" and case["sla_due_at"]
    third = run(world)
    assert found(third) == [("SHIPPED_NOT_INVOICED", "SHP-1", None, "known case")]
    assert third.findings[0].case_id == case["case_id"]
    assert len(cases(world, "SHIPPED_NOT_INVOICED")) == 1
    assert [(e["action"], e["case_id"]) for e in world.events(
        journey.order_id, "ReconciliationFinding")] == [("repaired", None),
                                                        ("case opened", case["case_id"])]
    [recorded] = timeline(world, third.run_id, "ReconciliationRun")
    assert (recorded["totals"]["SHIPPED_NOT_INVOICED"], recorded["actions"]) == (
        1, {"known case": 1})


def test_without_repair_a_missing_invoice_is_only_reported(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    delete_invoice(world, journey.invoice_id)
    assert found(run(world, repair=False)) == [
        ("SHIPPED_NOT_INVOICED", "SHP-1", None, "reported")]
    assert invoices(world) == [] and cases(world, "SHIPPED_NOT_INVOICED") == []
    assert found(run(world)) == [("SHIPPED_NOT_INVOICED", "SHP-1", None, "repaired")]


def test_an_invoice_the_erp_rejected_is_reported_with_its_known_case(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = shipped(world)
    erp(world).reject_next(1, "customer account closed in the ERP")
    assert post_invoice(world, journey.order_id)
    [failed] = cases(world, "INVOICE_POST_FAILED")
    report = run(world, after_s=LATE)
    assert found(report) == [
        ("SHIPPED_NOT_INVOICED", "SHP-1", journey.invoice_id, "known case")]
    assert report.findings[0].case_id == failed["case_id"]
    assert len(invoices(world)) == 1 and cases(world, "SHIPPED_NOT_INVOICED") == []
    assert len(cases(world, "INVOICE_POST_FAILED")) == 1


def test_an_unacknowledged_invoice_is_posted_again_once_then_becomes_erp_drift(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = shipped(world)
    assert post_invoice(world, journey.order_id)
    assert found(run(world)) == []  # within the timeout
    first = run(world, after_s=LATE)
    assert found(first) == [("ERP_DRIFT", "SHP-1", journey.invoice_id, "repaired")]
    [issued] = world.events(journey.order_id, "InvoiceIssued")
    [requested] = world.events(journey.order_id, "InvoicePostRequested")
    assert requested == issued
    deps = world.container.deps
    handler = InvoicePostingHandler(deps, world.container.connectors)
    assert apply_once(deps, ERP_INVOICE_POSTING, handler,
                      message_of(world, journey.order_id, "InvoicePostRequested"))
    assert [p["invoice_id"] for _, p in erp(world).applied.values()] == [journey.invoice_id] * 2
    waiting = run(world, after_s=LATE)
    assert found(waiting) == [("ERP_DRIFT", "SHP-1", journey.invoice_id, "awaiting the ERP")]
    assert len(world.events(journey.order_id, "InvoicePostRequested")) == 1
    drifted = run(world, after_s=2 * LATE)
    assert found(drifted) == [("ERP_DRIFT", "SHP-1", journey.invoice_id, "case opened")]
    [case] = cases(world, "ERP_DRIFT")
    assert (case["kind"], case["source_system"], case["owner_team"],
            case["details"]["invoice_id"]) == ("integration", "erp", "finance",
                                               journey.invoice_id)
    assert found(run(world, after_s=3 * LATE))[0][3] == "known case"
    assert len(cases(world, "ERP_DRIFT")) == 1
    assert len(world.events(journey.order_id, "InvoicePostRequested")) == 1


def test_an_invoice_for_a_shipment_that_does_not_exist_is_invoiced_not_shipped(
    make_world: Any,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    copy_invoice(world, journey.invoice_id, "inv-ghost", shipment_id="SHP-GHOST")
    report = run(world)
    assert found(report) == [("INVOICED_NOT_SHIPPED", "SHP-GHOST", "inv-ghost", "case opened")]
    assert "SHP-GHOST, which does not exist" in report.findings[0].message
    [case] = cases(world, "INVOICED_NOT_SHIPPED")
    assert (case["details"]["invoice_id"], case["stage"]) == ("inv-ghost", "reconcile")


@pytest.mark.parametrize(("change", "words"), [
    ({"quantity": 4}, "line 1 (SKU1) quantity 4 invoiced, 5 shipped"),
    ({"unit_price": "9.50"}, "line 1 (SKU1) price 9.50 invoiced, contract price 10.00"),
])
def test_an_invoice_line_off_the_shipment_or_the_contract_is_a_mismatch(
    make_world: Any, change: dict[str, Any], words: str,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    set_invoice_line(world, journey.invoice_id, **change)
    report = run(world)
    assert found(report) == [("INVOICE_MISMATCH", "SHP-1", journey.invoice_id, "case opened")]
    assert words in report.findings[0].message
    [case] = cases(world, "INVOICE_MISMATCH")
    assert case["details"]["problems"] == [words]


def test_a_second_invoice_for_one_shipment_is_a_duplicate_opened_once(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    copy_invoice(world, journey.invoice_id, "inv-copy")
    report = run(world)
    assert found(report) == [("DUPLICATE_INVOICE", "SHP-1", "inv-copy", "case opened")]
    assert f"{journey.invoice_id}, inv-copy" in report.findings[0].message
    assert found(run(world)) == [("DUPLICATE_INVOICE", "SHP-1", "inv-copy", "known case")]
    assert len(cases(world, "DUPLICATE_INVOICE")) == 1


@pytest.mark.parametrize(("table_change", "words"), [
    ("erp_total", "the ERP booked a total of 55.00, ours is 50.00"),
    ("our_status", "the ERP says posted, Shipshape says issued"),
])
def test_the_erp_disagreeing_with_our_invoice_is_erp_drift(
    make_world: Any, table_change: str, words: str,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    if table_change == "erp_total":
        ss = t.system_states.c
        execute(world, update(t.system_states).where(
            ss.entity == f"invoice:{journey.invoice_id}", ss.state == "invoice").values(
            value={"invoice_id": journey.invoice_id, "order_id": journey.order_id,
                   "erp_ref": "ERP-1", "total": "55.00"}))
    else:
        execute(world, update(t.invoices).where(t.invoices.c.id == journey.invoice_id)
                .values(status="issued"))
    report = run(world)
    assert found(report) == [("ERP_DRIFT", "SHP-1", journey.invoice_id, "case opened")]
    assert words in report.findings[0].message
    [case] = cases(world, "ERP_DRIFT")
    assert (case["kind"], case["source_system"]) == ("integration", "erp")


def test_the_command_prints_the_findings_and_writes_the_json_report(
    make_world: Any, database_url: str, tmp_path: Path,
) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    runner = CliRunner()
    env = {"SHIPSHAPE_DATABASE_URL": database_url, "COLUMNS": "200"}
    clean = runner.invoke(app, ["reconcile"], env=env)
    assert clean.exit_code == 0 and "0 findings" in clean.output, clean.output
    delete_invoice(world, journey.invoice_id)
    dry = runner.invoke(app, ["reconcile", "--no-repair"], env=env)
    assert dry.exit_code == 0 and "SHIPPED_NOT_INVOICED 1 (reported 1)" in dry.output, dry.output
    assert invoices(world) == []
    path = tmp_path / "report.json"
    repaired = runner.invoke(app, ["reconcile", "--json", str(path)], env=env)
    assert repaired.exit_code == 0, repaired.output
    assert "SHP-1" in repaired.output and "repaired" in repaired.output
    written = json.loads(path.read_text())
    assert [(f["code"], f["action"]) for f in written["findings"]] == [
        ("SHIPPED_NOT_INVOICED", "repaired")]
    assert written["totals"]["SHIPPED_NOT_INVOICED"] == 1 and len(invoices(world)) == 1


def test_the_route_runs_a_reconciliation_for_admins_and_agents_only(make_world: Any) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    delete_invoice(world, journey.invoice_id)
    tokens = {role: world.container.tokens.create(f"r-{role}", role, datetime.now(UTC))
              for role in ("agent", "viewer", "integration")}
    url = "/api/v1/reconciliation"
    assert world.client.post(url).status_code == 401
    for role in ("viewer", "integration"):
        assert world.client.post(url, headers=auth(tokens[role])).status_code == 403
    assert invoices(world) == []
    dry = world.client.post(url + "?repair=false", headers=auth(world.token))
    assert dry.status_code == 200, dry.text
    assert [(f["code"], f["action"]) for f in dry.json()["findings"]] == [
        ("SHIPPED_NOT_INVOICED", "reported")]
    answer = world.client.post(url, headers=auth(tokens["agent"]))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert [(f["code"], f["shipment_id"], f["action"]) for f in body["findings"]] == [
        ("SHIPPED_NOT_INVOICED", "SHP-1", "repaired")]
    assert body["totals"]["SHIPPED_NOT_INVOICED"] == 1 and len(invoices(world)) == 1


def test_the_worker_reconciles_on_its_interval(make_world: Any, database_url: str) -> None:
    world = make_world({("DAL", "SKU1"): 100})
    journey = acknowledged(world)
    delete_invoice(world, journey.invoice_id)
    container = build(Settings(database_url=database_url, env="test",
                               reconcile_interval_s=0.05), migrate=False)
    stop = threading.Event()
    worker = Worker(container)
    thread = threading.Thread(target=worker.run, args=(stop,), daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not invoices(world) and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop.set()
        thread.join(60)
        container.close()
    [reissued] = invoices(world)
    assert reissued["shipment_id"] == "SHP-1" and worker.tally.reconciliations >= 1
    assert not thread.is_alive()
