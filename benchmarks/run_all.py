"""Run every benchmark, then one summary with the targets beside the measured numbers.

Each benchmark runs in its own interpreter and writes benchmarks/results/<name>.json;
the summary reads those back and writes benchmarks/results/summary.json. Targets are
the issue's, for this 2-core machine; they are shown, never asserted (exit status is 0
whatever the numbers are, unless a benchmark itself fails).

Usage: python benchmarks/run_all.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from common import BENCH_DIR, RESULTS_DIR, console, print_table, write_json

BENCHMARKS = ("bench_intake", "bench_http", "bench_event_lag", "bench_large_order", "bench_edi",
              "bench_integration", "bench_prewave", "bench_journey", "bench_audit",
              "bench_sla", "bench_mining", "bench_kpis", "bench_ml_risk", "bench_ml_text",
              "bench_twin")
QUICK_ARGS = {
    "bench_intake": ["--orders", "500", "--seconds", "5"],
    "bench_http": ["--orders", "500", "--seconds", "5"],
    "bench_event_lag": ["--orders", "60"],
    "bench_large_order": ["--repeat", "10"],
    "bench_edi": ["--interchanges", "300", "--parse-interchanges", "500", "--seconds", "4"],
    "bench_integration": ["--messages", "600", "--orders", "400", "--e2e-orders", "300",
                          "--paced-seconds", "4"],
    "bench_prewave": ["--rounds", "3"],
    "bench_journey": ["--orders", "100"],
    "bench_audit": ["--entries", "100000"],
    "bench_sla": ["--runs", "5"],
    "bench_mining": ["--copies", "2", "--runs", "1"],
    "bench_kpis": ["--orders", "2000", "--runs", "3"],
    "bench_ml_risk": ["--calls", "5000", "--rows", "20000", "--train-rows", "5000"],
    "bench_ml_text": ["--calls", "2000", "--rows", "2000", "--rounds", "1"],
    "bench_twin": ["--orders-per-day", "300", "--scenario", "redesigned"],
}
COLUMNS = ("measure", "backend", "measured", "unit", "target", "status", "p50_ms", "p99_ms",
           "note")


def run(name: str, quick: bool) -> float:
    started = time.perf_counter()
    args = [sys.executable, str(BENCH_DIR / f"{name}.py"), *(QUICK_ARGS[name] if quick else [])]
    console.rule(f"[bold]{name}")
    subprocess.run(args, check=True, cwd=BENCH_DIR.parent)
    return time.perf_counter() - started


def _load(name: str) -> dict[str, Any]:
    path = RESULTS_DIR / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def _find(results: list[dict[str, Any]], backend: str, path: str | None = None
          ) -> dict[str, Any] | None:
    return next((r for r in results if r.get("backend") == backend
                 and (path is None or r.get("path") == path)), None)


def _row(measure: str, backend: str, result: dict[str, Any] | None, key: str, unit: str,
         target: float | None, higher_is_better: bool = True, note: str = "") -> dict[str, Any]:
    value = result.get(key) if result else None
    status = "-"
    if value is not None and target is not None:
        met = value >= target if higher_is_better else value <= target
        status = "met" if met else "NOT met"
    elif result is None:
        status = "skipped"
    shown_target = None if target is None else (
        f"≥ {target:,.0f}" if higher_is_better else f"< {target:,.0f}")
    return {"measure": measure, "backend": backend, "measured": value, "unit": unit,
            "target": shown_target, "status": status,
            "p50_ms": result.get("p50_ms") if result else None,
            "p99_ms": result.get("p99_ms") if result else None, "note": note}


def _ratio(result: dict[str, Any] | None) -> str:
    if not result or result.get("ratio_to_raw") is None:
        return ""
    return f"{result['ratio_to_raw']:.2f} of raw SQL"


def summary_rows() -> list[dict[str, Any]]:
    intake = _load("intake").get("results", [])
    http = _load("http").get("results", [])
    large = _load("large_order").get("results", [])
    rows = []
    for backend, single_target, batch_target in (("sqlite", 2500, 4000), ("postgres", 1500, None)):
        service = _find(intake, backend, "service")
        batched = _find(intake, backend, "service_batched")
        rows += [
            _row("raw SQL, one by one", backend, _find(intake, backend, "raw"), "orders_per_s",
                 "orders/s", None, note="the machine's limit"),
            _row("service, one by one", backend, service, "orders_per_s", "orders/s",
                 single_target, note=_ratio(service)),
            _row("raw SQL, 100 per txn", backend, _find(intake, backend, "raw_batched"),
                 "orders_per_s", "orders/s", None, note="the machine's limit"),
            _row("service, 100 per txn", backend, batched, "orders_per_s", "orders/s",
                 batch_target, note=_ratio(batched)),
        ]
    for backend in ("sqlite", "postgres"):
        result = _find(http, backend, "http")
        note = f"{result['workers']} client processes" if result else ""
        rows.append(_row("HTTP, 3-line orders", backend, result, "orders_per_s", "orders/s",
                         1000, note=note))
    for backend in ("sqlite", "postgres"):
        result = _find(large, backend)
        rows.append(_row("500-line order, p99", backend, result, "p99_ms", "ms", 25,
                         higher_is_better=False, note="service layer"))
        rows.append(_row("500-line order over HTTP, p99", backend,
                         _find(http, backend, "http_500_lines"), "p99_ms", "ms", None))
    return (rows + lag_rows() + edi_rows() + prewave_rows() + journey_rows() + sla_rows()
            + mining_rows() + kpis_rows() + ml_rows() + twin_rows())


def twin_rows() -> list[dict[str, Any]]:
    """Simulated orders per second through the real engine (issue 19: a 20,000-order day in
    under 2 minutes, 167 orders/s)."""
    results = _load("twin").get("results", [])
    return [_row(f"digital twin, {r['scenario']}", "sqlite", r, "orders_per_s", "orders/s",
                 167, note=f"{r['orders']:,} orders; a 20,000-order day: "
                           f"{r['day_20k_min']:.1f} min") for r in results]


def lag_rows() -> list[dict[str, Any]]:
    """Event lag from the API's commit to the engine process's handler, `serve` as shipped."""
    lag = _load("event_lag").get("results", [])
    return [_row("event lag, API commit -> handler applied", backend, _find(lag, backend),
                 "p50_ms", "ms p50", None, higher_is_better=False,
                 note="paced orders, engine in its own process")
            for backend in ("sqlite", "postgres")]


def mining_rows() -> list[dict[str, Any]]:
    """A flat log of about 1 million events mined end to end (issue 17)."""
    result = _find(_load("mining").get("results", []), "memory")
    note = f"{result['events']:,} events" if result else ""
    return [_row("mine a flat log end to end", "memory", result, "end_to_end_s", "s", 20,
                 higher_is_better=False, note=note),
            _row("mine: DFG with waits", "memory", result, "dfg_s", "s", 1,
                 higher_is_better=False, note=note),
            _row("mine: peak memory", "memory", result, "peak_mb", "MB", 2048,
                 higher_is_better=False, note=note)]


def kpis_rows() -> list[dict[str, Any]]:
    """The KPIs of a 20,000-order store as the dashboard asks for them (issue 17)."""
    results = _load("kpis").get("results", [])
    rows = []
    for backend in ("sqlite", "postgres"):
        result = next((r for r in results if r.get("backend") == backend
                       and str(r.get("measure", "")).endswith("(the dashboard)")), None)
        note = f"{result['orders']:,} orders, by day, stage, owner team" if result else ""
        rows.append(_row("KPIs for the dashboard", backend, result, "p50_ms", "ms", None,
                         higher_is_better=False, note=note))
    return rows


def ml_rows() -> list[dict[str, Any]]:
    """The governed models: order risk inline and in batch, one message classified."""
    risk = _load("ml_risk").get("results", [])
    text = _load("ml_text").get("results", [])
    inline = next((r for r in risk if str(r.get("measure", "")).startswith("inline score")), None)
    batch = next((r for r in risk if r.get("measure") == "batch score_rows"), None)
    classify = next((r for r in text if str(r.get("measure", "")).startswith("inline classify")),
                    None)
    note = f"limit p99 {inline['limit_p99_ms']:.3f} ms" if inline else ""
    return [_row("order risk scored inline (p99)", "memory", inline, "p99_ms", "ms", 1,
                 higher_is_better=False, note=note),
            _row("order risk scored in batch", "memory", batch, "orders_per_s", "orders/s",
                 50_000, note=f"{batch['ratio']:.2f} of Booster.predict" if batch else ""),
            _row("a message classified (p99)", "memory", classify, "p99_ms", "ms", 2,
                 higher_is_better=False)]


def sla_rows() -> list[dict[str, Any]]:
    """The clock state of 10,000 open cases (the exception desk issue)."""
    result = _find(_load("sla").get("results", []), "memory")
    note = f"median of {result['runs']} runs, {result['cases']:,} cases" if result else ""
    return [_row("SLA clock state, 10,000 open cases", "memory", result, "p50_ms", "ms", 50,
                 higher_is_better=False, note=note)]


def prewave_rows() -> list[dict[str, Any]]:
    """The pre-wave check of a 1,000-order wave (issue 5), with its loads and without."""
    prewave = _load("prewave").get("results", [])
    rows = []
    for backend in ("sqlite", "postgres"):
        for measure, path in (("pre-wave check, 1,000 orders", "check (loads + pure)"),
                              ("release_wave, 1,000 orders", "release_wave")):
            target = 100 if path.startswith("check") else None
            rows.append(_row(measure, backend, _find(prewave, backend, path), "p50_ms", "ms",
                             target, higher_is_better=False, note="median"))
    return rows


def journey_rows() -> list[dict[str, Any]]:
    """Orders per second from release to invoice, against the floor of their commits."""
    journey = _load("journey").get("results", [])
    rows = []
    for setup in ("sqlite-memory", "postgres-memory", "postgres-nats"):
        result = next((r for r in journey if r.get("setup") == setup), None)
        note = (f"{result['ratio_to_floor']} of the commit floor" if result
                and "ratio_to_floor" in result else "")
        rows.append(_row("release to invoice", setup, result, "orders_per_s", "orders/s", None,
                         note=note))
    return rows


def edi_rows() -> list[dict[str, Any]]:
    """EDI: parsing MB/s in memory, then interchanges parsed and accepted per second."""
    edi = _load("edi").get("results", [])
    rows = []
    for measure, path in (("X12 850 parse + validate + map", "x12_parse_validate_map"),
                          ("EDIFACT ORDERS parse + map", "edifact_parse_map")):
        result = _find(edi, "memory", path)
        note = f"{result['interchanges_per_s']:,.0f} interchanges/s" if result else ""
        rows.append(_row(measure, "memory", result, "mb_per_s", "MB/s", None, note=note))
    for backend in ("sqlite", "postgres"):
        for measure, path in (("X12 850 via receive_file", "x12_receive_file"),
                              ("EDIFACT ORDERS via receive_file", "edifact_receive_file")):
            rows.append(_row(measure, backend, _find(edi, backend, path),
                             "interchanges_per_s", "interchanges/s", None,
                             note="one per call, parsed and accepted"))
    return rows


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, a smoke run")
    args = parser.parse_args(argv)
    durations = {name: run(name, args.quick) for name in BENCHMARKS}
    rows = summary_rows()
    console.rule("[bold]summary")
    print_table("Shipshape intake: measured against the targets (2-core machine)", rows,
                COLUMNS)
    payload = {"results": rows, "durations_s": durations, "quick": args.quick,
               "inputs": {name: _load(name.removeprefix("bench_")).get("machine")
                          for name in BENCHMARKS}}
    write_json("summary", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
