"""EDI intake: X12 850 and EDIFACT ORDERS, parsing alone and end to end through receive_file.

Interchanges are generated from a template (the shape of tests/fixtures/edi/x12/node-x12/850.edi):
one purchase order each, 3 to 10 lines, unique control numbers (ISA13/GS06/ST02, UNB 0020)
and PO numbers, correct counts, contract prices, items named by the buyer's part number
(BP / LIN 7143 BP) that the partner profile's item_xref maps to seeded SKUs.

* parsing, in memory: one file of N interchanges through `x12.parse` alone and through
  parse + validate + orders_from_850 (EDIFACT: parse_interchanges alone and with
  order_from_orders); MB/s (10^6 bytes) and interchanges/s, median of the runs;
* end to end, on SQLite and on PostgreSQL (a fresh, seeded store each): `receive_file` with
  one interchange per call -- read, partner lookup, duplicate check, intake with every control
  point on, interchange log, stored documents, acknowledgements (997 + 855, or CONTRL) -- every
  order accepted; interchanges/s (median of the rounds), orders/s, p50/p99 per interchange.
  X12 and EDIFACT take turns, round after round, so that other load hurts them alike.

`--profile` instead profiles the end-to-end X12 path with cProfile (prints the top functions,
writes benchmarks/results/edi_x12_<backend>.prof); not part of run_all.

Usage: python benchmarks/bench_edi.py [--interchanges N] [--parse-interchanges N]
       [--seconds S] [--rounds R] [--backend sqlite|postgres] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from common import (
    BACKENDS,
    RESULTS_DIR,
    Catalog,
    console,
    fresh_store,
    latency_ms,
    over_backends,
    print_table,
    seeded_container,
    write_json,
)

from shipshape.adapters.channels import edifact, x12
from shipshape.adapters.channels.canonical import PartnerIn
from shipshape.adapters.channels.receive import Standard, receive_file
from shipshape.bootstrap import Container
from shipshape.domain.partners import TradingPartner
from shipshape.services.edi_intake import upsert_partners
from shipshape.services.intake import IntakeResult

SENDER = "BENCHBUYER"
RECEIVER = "SHIPSHAPE"
PARTNER_ID = "BENCH"
WARMUP = 20
STANDARDS: tuple[Standard, ...] = ("x12", "edifact")
PARSE_COLUMNS = ("path", "interchanges", "orders", "lines", "mb", "runs", "seconds",
                 "mb_per_s", "interchanges_per_s")
E2E_COLUMNS = ("backend", "path", "interchanges", "orders", "lines", "seconds",
               "interchanges_per_s", "orders_per_s", "p50_ms", "p99_ms", "max_ms", "acks")

_control = itertools.count(1)
"""Control numbers for the whole process: no two generated interchanges share one."""


# --------------------------------------------------------------------------- generators


@dataclass(frozen=True)
class Generated:
    raw: bytes
    orders: int
    lines: int


def _part(sku: str) -> str:
    """The buyer's part number of a SKU (what the partner sends, mapped back by item_xref)."""
    return f"ITM-{sku.removeprefix('SKU')}"


def partner(catalog: Catalog) -> TradingPartner:
    """The profile, as `shipshape partners load` reads it: one customer, every SKU mapped."""
    return PartnerIn.model_validate({
        "id": PARTNER_ID, "customer_id": catalog.customers[0], "isa_qualifier": "ZZ",
        "isa_id": SENDER, "gs_code": SENDER, "edifact_id": SENDER,
        "item_xref": {f"BP:{_part(sku)}": sku for sku in catalog.skus},
    }).to_domain()


def _order_lines(rng: random.Random, catalog: Catalog) -> list[tuple[str, int, str]]:
    """3 to 10 distinct SKUs, each with a quantity and its contract price for the customer."""
    customer = catalog.customers[0]
    skus = rng.sample(catalog.skus, rng.randint(3, 10))
    return [(sku, rng.randint(1, 9), str(catalog.prices[(customer, sku)])) for sku in skus]


def x12_850s(catalog: Catalog, count: int, tag: str, ship: date, seed: int = 13
             ) -> list[Generated]:
    """`count` interchanges, each ISA / GS / ST 850 / SE / GE / IEA with one purchase order."""
    rng = random.Random(f"{seed}:x12:{tag}")
    now = datetime.now(UTC)
    yymmdd, ccyymmdd, hhmm = now.strftime("%y%m%d"), now.strftime("%Y%m%d"), now.strftime("%H%M")
    found = []
    for i in range(count):
        n = next(_control)
        isa13, gs06, st02 = f"{n:09d}", str(n), f"{n:04d}"
        lines = _order_lines(rng, catalog)
        body = [
            ["ST", "850", st02],
            ["BEG", "00", "SA", f"PO-{tag}-{i}", "", ccyymmdd],
            ["REF", "DP", "038"],
            ["DTM", "010", ship.strftime("%Y%m%d")],
            ["N1", "ST", f"Store {i}", "92", f"{i:04d}"],
            ["N3", f"{i} Main St"],
            ["N4", "Dallas", "TX", "75201", "US"],
            *(["PO1", str(no), str(qty), "EA", price, "", "BP", _part(sku)]
              for no, (sku, qty, price) in enumerate(lines, 1)),
            ["CTT", str(len(lines))],
        ]
        body.append(["SE", str(len(body) + 1), st02])
        segments = [
            ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", f"{SENDER:<15}", "ZZ",
             f"{RECEIVER:<15}", yymmdd, hhmm, "U", "00401", isa13, "0", "P", ">"],
            ["GS", "PO", SENDER, RECEIVER, ccyymmdd, hhmm, gs06, "X", "004010"],
            *body,
            ["GE", "1", gs06],
            ["IEA", "1", isa13],
        ]
        text = "".join("*".join(segment) + "~\n" for segment in segments)
        found.append(Generated(text.encode("ascii"), 1, len(lines)))
    return found


def edifact_orders(catalog: Catalog, count: int, tag: str, ship: date, seed: int = 13
                   ) -> list[Generated]:
    """`count` interchanges, each UNA / UNB / UNH ORDERS / UNT / UNZ with one purchase order."""
    rng = random.Random(f"{seed}:edifact:{tag}")
    now = datetime.now(UTC)
    yymmdd, ccyymmdd, hhmm = now.strftime("%y%m%d"), now.strftime("%Y%m%d"), now.strftime("%H%M")
    found = []
    for i in range(count):
        reference = f"EB{next(_control):09d}"
        lines = _order_lines(rng, catalog)
        message = [
            "UNH+1+ORDERS:D:96A:UN:EAN008",
            f"BGM+220+PO-{tag}-{i}+9",
            f"DTM+137:{ccyymmdd}:102",
            f"DTM+2:{ship.strftime('%Y%m%d')}:102",
            f"NAD+DP+{i:04d}::92++Store {i}+{i} Main St+Dallas+TX+75201+US",
            *itertools.chain.from_iterable(
                (f"LIN+{no}++{_part(sku)}:BP", f"QTY+21:{qty}:EA", f"PRI+AAA:{price}")
                for no, (sku, qty, price) in enumerate(lines, 1)),
            "UNS+S",
            f"CNT+2:{len(lines)}",
        ]
        message.append(f"UNT+{len(message) + 1}+1")
        segments = [f"UNB+UNOC:3+{SENDER}:ZZ+{RECEIVER}:ZZ+{yymmdd}:{hhmm}+{reference}",
                    *message, f"UNZ+1+{reference}"]
        text = "UNA:+.? '\n" + "".join(f"{segment}'\n" for segment in segments)
        found.append(Generated(text.encode("ascii"), 1, len(lines)))
    return found


GENERATORS: dict[str, Callable[..., list[Generated]]] = {
    "x12": x12_850s, "edifact": edifact_orders}


# --------------------------------------------------------------------------- parsing alone


def _x12_parse(data: bytes, _: TradingPartner, __: date) -> tuple[int, int, int]:
    found = x12.parse(data)
    return len(found), 0, 0


def _x12_map(data: bytes, profile: TradingPartner, received: date) -> tuple[int, int, int]:
    interchanges = orders = lines = 0
    for interchange in x12.parse(data):
        interchanges += 1
        errors = x12.validate(interchange)
        if errors:
            raise RuntimeError(f"generated X12 has envelope errors: {errors[:3]}")
        for group in interchange.groups:
            for ts in group.transaction_sets:
                for order in x12.orders_from_850(ts, profile, received):
                    if order.all_errors:
                        raise RuntimeError(f"generated 850 has errors: {order.all_errors[:3]}")
                    orders += 1
                    lines += len(order.draft.lines)
    return interchanges, orders, lines


def _edifact_parse(data: bytes, _: TradingPartner, __: date) -> tuple[int, int, int]:
    return len(edifact.parse_interchanges(data)), 0, 0


def _edifact_map(data: bytes, profile: TradingPartner, __: date) -> tuple[int, int, int]:
    interchanges = orders = lines = 0
    for interchange in edifact.parse_interchanges(data):
        interchanges += 1
        if interchange.errors:
            raise RuntimeError(f"generated EDIFACT has errors: {interchange.errors[:3]}")
        for message in interchange.messages:
            draft = edifact.order_from_orders(message, profile, interchange.control_reference)
            orders += 1
            lines += len(draft.lines)
    return interchanges, orders, lines


PARSERS: dict[str, tuple[str, Callable[[bytes, TradingPartner, date], tuple[int, int, int]]]] = {
    "x12_parse": ("x12", _x12_parse),
    "x12_parse_validate_map": ("x12", _x12_map),
    "edifact_parse": ("edifact", _edifact_parse),
    "edifact_parse_map": ("edifact", _edifact_map),
}


def bench_parsing(catalog: Catalog, count: int, runs: int, ship: date) -> list[dict[str, Any]]:
    """Each path `runs` times over one file, the paths taking turns; the median run counts."""
    profile = partner(catalog)
    files = {standard: b"".join(g.raw for g in GENERATORS[standard](
        catalog, count, f"parse-{standard}", ship)) for standard in STANDARDS}
    received = datetime.now(UTC).date()
    seconds: dict[str, list[float]] = {path: [] for path in PARSERS}
    counted: dict[str, tuple[int, int, int]] = {}
    for _ in range(runs):
        for path, (standard, run) in PARSERS.items():
            t0 = time.perf_counter()
            counted[path] = run(files[standard], profile, received)
            seconds[path].append(time.perf_counter() - t0)
    rows = []
    for path, (standard, _) in PARSERS.items():
        interchanges, orders, lines = counted[path]
        if interchanges != count:
            raise RuntimeError(f"{path}: {interchanges} interchanges read, {count} generated")
        median = statistics.median(seconds[path])
        mb = len(files[standard]) / 1e6
        rows.append({"backend": "memory", "path": path, "standard": standard,
                     "interchanges": interchanges, "orders": orders or None,
                     "lines": lines or None, "mb": mb, "runs": runs, "seconds": median,
                     "mb_per_s": mb / median, "interchanges_per_s": interchanges / median,
                     "run_seconds": seconds[path]})
    return rows


# --------------------------------------------------------------------------- end to end


@dataclass
class Round:
    interchanges: int
    orders: int
    lines: int
    acks: int
    seconds: float
    samples: list[float]


def receive_each(container: Container, batch: Sequence[Generated], standard: Standard,
                 deadline_s: float) -> Round:
    """One `receive_file` per interchange; every order must come back accepted."""
    deps, our = container.deps, container.edi_identity
    samples: list[float] = []
    orders = lines = acks = 0
    started = time.perf_counter()
    stop_at = started + deadline_s
    for item in batch:
        t0 = time.perf_counter()
        outcome = receive_file(deps, item.raw, standard, our)
        samples.append(time.perf_counter() - t0)
        _check(outcome.interchanges, item)
        orders += item.orders
        lines += item.lines
        acks += sum(len(i.acknowledgements) for i in outcome.interchanges)
        if t0 > stop_at:
            break
    return Round(len(samples), orders, lines, acks, time.perf_counter() - started, samples)


def _check(interchanges: Sequence[Any], item: Generated) -> None:
    if len(interchanges) != 1 or interchanges[0].duplicate:
        raise RuntimeError("an interchange was not received once (duplicate or missing)")
    results = interchanges[0].results
    bad = [r.body if isinstance(r, IntakeResult) else str(r) for r in results
           if not isinstance(r, IntakeResult) or r.status != "accepted"]
    if bad or len(results) != item.orders:
        raise RuntimeError(f"{len(results)} orders of {item.orders} came back, not accepted: "
                           f"{bad[:1]}")


def prepared(container: Container, catalog: Catalog) -> None:
    upsert_partners(container.deps, [partner(catalog)])


def bench_backend(backend: str, catalog: Catalog, count: int, seconds: float, rounds: int,
                  ship: date) -> list[dict[str, Any]]:
    per_round = max(1, count // rounds)
    batches = {standard: GENERATORS[standard](catalog, per_round * rounds,
                                              f"{backend}-{standard}", ship)
               for standard in STANDARDS}
    warm = {standard: GENERATORS[standard](catalog, WARMUP, f"{backend}-{standard}-w", ship)
            for standard in STANDARDS}
    measured: dict[str, list[Round]] = {standard: [] for standard in STANDARDS}
    t0 = time.perf_counter()
    with fresh_store(backend) as store, seeded_container(store, catalog) as container:
        prepared(container, catalog)
        console.print(f"[bold]{backend}[/]: seeded in {time.perf_counter() - t0:.1f} s; "
                      f"warming up with {WARMUP} interchanges of each standard")
        for standard in STANDARDS:
            receive_each(container, warm[standard], standard, seconds)
        for n in range(rounds):
            console.print(f"[bold]{backend}[/]: round {n + 1} of {rounds}")
            for standard in STANDARDS:
                chunk = batches[standard][n * per_round:(n + 1) * per_round]
                measured[standard].append(receive_each(container, chunk, standard,
                                                       seconds / rounds / len(STANDARDS)))
    rows = []
    for standard, done in measured.items():
        total = sum(r.seconds for r in done)
        rows.append({
            "backend": backend, "path": f"{standard}_receive_file",
            "interchanges": sum(r.interchanges for r in done),
            "orders": sum(r.orders for r in done), "lines": sum(r.lines for r in done),
            "acks": sum(r.acks for r in done), "seconds": total,
            "interchanges_per_s": statistics.median(r.interchanges / r.seconds for r in done),
            "orders_per_s": statistics.median(r.orders / r.seconds for r in done),
            "lines_per_s": sum(r.lines for r in done) / total,
            **latency_ms([s for r in done for s in r.samples])})
    return rows


# --------------------------------------------------------------------------- profile


def profile_x12(backend: str, count: int, top: int, ship: date) -> None:
    catalog = Catalog()
    warm = x12_850s(catalog, WARMUP, "prof-warm", ship)
    batch = x12_850s(catalog, count, "prof", ship)
    profiler = cProfile.Profile()
    with fresh_store(backend) as store, seeded_container(store, catalog) as container:
        prepared(container, catalog)
        receive_each(container, warm, "x12", 1e9)
        profiler.enable()
        receive_each(container, batch, "x12", 1e9)
        profiler.disable()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"edi_x12_{backend}.prof"
    profiler.dump_stats(str(out))
    for title, sort, restriction in (("cumulative, all code", "cumulative", ()),
                                     ("cumulative, shipshape src/", "cumulative",
                                      ("shipshape/",)),
                                     ("own time, all code", "tottime", ())):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(sort).print_stats(*restriction, top)
        console.rule(f"{count} X12 850 interchanges through receive_file on {backend}: {title}")
        print(text.getvalue())
    console.print(f"[dim]wrote {out}[/]")


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> dict[str, Any] | None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interchanges", type=int, default=1500,
                        help="end to end: interchanges per standard and backend (default 1500)")
    parser.add_argument("--parse-interchanges", type=int, default=2000,
                        help="parsing: interchanges in the generated file (default 2000)")
    parser.add_argument("--seconds", type=float, default=12.0,
                        help="end to end: time budget per backend, over both standards and "
                             "all rounds (default 12)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="parsing runs, and end-to-end rounds (default 3)")
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile the end-to-end X12 path instead (first --backend)")
    parser.add_argument("--top", type=int, default=30, help="with --profile: rows shown")
    args = parser.parse_args(argv)
    ship = datetime.now(UTC).date() + timedelta(days=14)
    if args.profile:
        profile_x12((args.backend or ["sqlite"])[0], args.interchanges, args.top, ship)
        return None
    catalog = Catalog()
    parsing = bench_parsing(catalog, args.parse_interchanges, args.rounds, ship)
    print_table("EDI parsing in memory: one file of generated interchanges, one PO of 3-10 "
                "lines each (median run)", parsing, PARSE_COLUMNS)
    rows, skips = over_backends("edi", args.backend, lambda backend: bench_backend(
        backend, catalog, args.interchanges, args.seconds, args.rounds, ship))
    print_table("EDI end to end: receive_file, one interchange per call, every order accepted",
                rows, E2E_COLUMNS)
    console.print("[dim]MB = 10^6 bytes; *_parse = tokenize + envelope only; *_map adds "
                  "validate + orders_from_850 (X12) or order_from_orders (EDIFACT); "
                  "receive_file = read + partner + duplicate check + intake (every control "
                  "point) + interchange log + acknowledgements (X12: 997 + 855, EDIFACT: "
                  "CONTRL); interchanges/s = median of the rounds, latency covers every call[/]")
    payload = {"results": [*parsing, *rows], "skipped": skips, "warmup": WARMUP,
               "rounds": args.rounds, "parse_interchanges": args.parse_interchanges,
               "interchanges_per_measurement": args.interchanges, "max_seconds": args.seconds}
    write_json("edi", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
