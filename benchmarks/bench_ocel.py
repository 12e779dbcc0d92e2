"""OCEL 2.0 export of Shipshape's own history: `shipshape export ocel` on a store of 200,000
events, and an independent reader (r4pm) reading the export back.

The store: `shipshape demo --orders N` (a sample day carried from intake to cash, with its
faults) in a temporary folder, whose events and links are then copied with new event and
object ids until the store holds at least `--events` events (each copy is another set of
orders, cases, waves...; payloads are kept as they are). `--store PATH` reuses such a store.
Each run reads the store and writes the file (`history` + `ocel.write`, what the command
does); the median of `--runs` runs is reported, then r4pm reads the file once. Target (the
KPIs and exception mining issue): 200,000 events export in under 6 s.

Usage: python benchmarks/bench_ocel.py [--events 200000] [--orders 300] [--runs 3]
       [--store PATH]
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import console, print_table, write_json
from sqlalchemy import create_engine

from shipshape.cli.export_cmd import history
from shipshape.mining import ocel, process
from shipshape.mining.log import EventLog
from shipshape.mining.mapping import Options
from shipshape.mining.view import case_view

COLUMNS = ("format", "events", "objects", "links", "attribute_values", "runs", "read_s",
           "write_s", "export_s", "r4pm_read_s", "r4pm_same_counts", "file_mb")
TARGET_S = 6.0
DFG_COLUMNS = ("events", "object_types", "arcs", "runs", "oc_dfg_s")
DFG_TARGET_S = 3.0


def object_centric_dfg(log: EventLog, runs: int) -> dict[str, Any]:
    """The directly-follows graph with waits of every object type of the store's log: the
    median of `runs`."""
    times, arcs = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        arcs = sum(process.dfg(case_view(log, kind, Options())).height
                   for kind in log.object_types())
        times.append(time.perf_counter() - started)
    return {"events": log.counts()["events"], "object_types": len(log.object_types()),
            "arcs": arcs, "runs": runs, "oc_dfg_s": round(statistics.median(times), 2)}


def demo_store(folder: Path, orders: int) -> Path:
    path = folder / "demo.db"
    env = {**os.environ, "SHIPSHAPE_DATABASE_URL": f"sqlite:///{path}"}
    command = Path(sys.executable).with_name("shipshape")
    subprocess.run([str(command), "demo", "--orders", str(orders),
                    "--workdir", str(folder / "files")], env=env, check=True,
                   stdout=subprocess.DEVNULL, cwd=folder)
    return path


def multiplied(path: Path, events: int) -> int:
    """Copies of the stored events and links, with new ids, until there are `events`."""
    with sqlite3.connect(path) as db:
        top, count = db.execute("SELECT max(id), count(*) FROM order_events").fetchone()
        copy = 0
        while count * (copy + 1) < events:
            copy += 1
            tag = f"-{copy}"
            db.execute("INSERT INTO order_events (event_id, order_id, stream, type, payload, "
                       "occurred_at, request_id) SELECT event_id || ?1, order_id || ?1, "
                       "stream || ?1, type, payload, occurred_at, request_id "
                       "FROM order_events WHERE id <= ?2", (tag, top))
            db.execute("INSERT INTO event_objects SELECT l.event_id || ?1, l.object_type, "
                       "l.object_id || ?1, l.qualifier FROM event_objects l JOIN order_events "
                       "e ON e.event_id = l.event_id WHERE e.id <= ?2", (tag, top))
        return int(db.execute("SELECT count(*) FROM order_events").fetchone()[0])


def r4pm_counts(path: Path) -> dict[str, int]:
    import r4pm

    item = r4pm.import_item("OCEL", str(path))
    try:
        tables = r4pm.item_to_df(item)
    finally:
        r4pm.remove_item(item)

    def values(frame: Any) -> int:
        return int(sum(frame.get_column(c).is_not_null().sum() for c in frame.columns
                       if not c.startswith("ocel:")))

    return {"events": tables["events"].height, "objects": tables["objects"].height,
            "links": tables["relations"].height, "relations": tables["o2o"].height,
            "event_attributes": values(tables["events"]),
            "object_attributes": values(tables["objects"]) + tables["object_changes"].height}


def measure(store: Path, suffix: str, runs: int, folder: Path) -> dict[str, Any]:
    engine = create_engine(f"sqlite:///{store}")
    out = folder / f"history{suffix}"
    reads, writes = [], []
    log = None
    for _ in range(runs):
        started = time.perf_counter()
        log = history(engine)
        read_done = time.perf_counter()
        ocel.write(log, out)
        reads.append(read_done - started)
        writes.append(time.perf_counter() - read_done)
    assert log is not None
    started = time.perf_counter()
    theirs = r4pm_counts(out)
    r4pm_s = time.perf_counter() - started
    counts = log.counts()
    totals = [r + w for r, w in zip(reads, writes, strict=True)]
    return {"format": suffix.lstrip("."), "events": counts["events"],
            "objects": counts["objects"], "links": counts["links"],
            "attribute_values": counts["event_attributes"] + counts["object_attributes"],
            "runs": runs, "read_s": round(statistics.median(reads), 2),
            "write_s": round(statistics.median(writes), 2),
            "export_s": round(statistics.median(totals), 2), "r4pm_read_s": round(r4pm_s, 2),
            "r4pm_same_counts": theirs == counts,
            "file_mb": round(out.stat().st_size / 1e6, 1)}


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--store", type=Path, help="a store built before (kept as it is)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_ocel_") as tmp:
        folder = Path(tmp)
        store = args.store
        if store is None:
            console.print(f"a sample day of {args.orders} orders (shipshape demo)...")
            store = demo_store(folder, args.orders)
            console.print(f"copied to {multiplied(store, args.events):,} events")
        rows = [measure(store, suffix, args.runs, folder) for suffix in (".sqlite", ".json")]
        dfg = object_centric_dfg(history(create_engine(f"sqlite:///{store}")), args.runs)
    print_table("OCEL 2.0 export of Shipshape's history, read back by r4pm", rows, COLUMNS)
    print_table("Object-centric directly-follows graph of the same log (every object type)",
                [dfg], DFG_COLUMNS)
    payload = {"results": rows, "target_s": TARGET_S, "object_centric_dfg": dfg,
               "dfg_target_s": DFG_TARGET_S}
    write_json("ocel", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
