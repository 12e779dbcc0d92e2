"""The audit chain: append N entries (hashed and chained as intake appends them) and verify the
whole chain, beside a plain insert of the same rows without hashing (the store's limit).

For each backend (SQLite file; PostgreSQL when reachable): a fresh migrated store; entries are
appended `--batch` to a transaction through `audit_store.append_audit`, then `audit verify`'s
check (`first_break` over `audit_chain`) reads them all back. The plain insert writes the same
number of rows, already hashed, into a copy of the table; the driver floor inserts them through
the bare DB-API driver (building each entry's text included, no SQLAlchemy, no hashing) and reads
them back in id order: no Python append or verify can beat those two. Targets (the exception
desk issue): 1,000,000 appended in under 5 s, verified in under 3 s.

Usage: python benchmarks/bench_audit.py [--entries 1000000] [--batch 10000] [--backend ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from common import BACKENDS, console, fresh_store, over_backends, print_table, write_json
from sqlalchemy import Table

from shipshape.adapters.db import tables as t
from shipshape.adapters.db.audit_store import ENTRY_COLUMNS, append_audit, audit_chain
from shipshape.adapters.db.bulk import Bulk
from shipshape.bootstrap import build
from shipshape.domain.audit import AuditEntry, first_break

COLUMNS = ("backend", "entries", "append_s", "appended_per_s", "plain_insert_s", "vs_plain",
           "verify_s", "verified_per_s", "driver_insert_s", "driver_read_s", "intact")
AT = datetime(2026, 12, 3, tzinfo=UTC)


def entries(start: int, count: int) -> list[AuditEntry]:
    return [AuditEntry(AT, "shipshape", "OrderAccepted", "order", f"ORD-{n}", "",
                       {"status": "received"}, {"status": "accepted", "blocking": []}, "v1",
                       f"ev-{n}") for n in range(start, start + count)]


def plain_insert(engine: Any, total: int, batch: int) -> float:
    """The same rows with fixed hashes into a copy of the table: the store's own cost."""
    copy = Table("bench_audit_plain", t.audit_log.metadata,
                 *(column.copy() for column in t.audit_log.columns))
    copy.create(engine)
    insert = Bulk(copy.insert(), ("id", *ENTRY_COLUMNS, "previous", "hash"))
    started = time.perf_counter()
    for start in range(0, total, batch):
        rows = [(start + n + 1, *e.stored(), "0" * 64, "f" * 64)
                for n, e in enumerate(entries(start, min(batch, total - start)))]
        with engine.begin() as conn:
            insert.execute(conn, rows)
    seconds = time.perf_counter() - started
    t.audit_log.metadata.remove(copy)
    return seconds


def driver_floor(engine: Any, total: int, batch: int) -> tuple[float, float]:
    """The same rows, already hashed, inserted and read back in id order through the bare
    DB-API driver (no SQLAlchemy, no hashing): the machine's limit for this table."""
    copy = Table("bench_audit_driver", t.audit_log.metadata,
                 *(column.copy() for column in t.audit_log.columns))
    copy.create(engine)
    sqlite = engine.dialect.name == "sqlite"
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    columns = ("id", *ENTRY_COLUMNS, "previous", "hash")
    insert = (f"INSERT INTO bench_audit_driver ({', '.join(columns)}) "
              f"VALUES ({', '.join([mark] * len(columns))})")
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        started = time.perf_counter()
        for start in range(0, total, batch):
            if sqlite:  # the engine's driver connections leave transactions to the caller
                cursor.execute("BEGIN")
            cursor.executemany(insert, [
                (start + n + 1, *e.stored(), "0" * 64, "f" * 64)
                for n, e in enumerate(entries(start, min(batch, total - start)))])
            raw.commit()
        insert_s = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute(f"SELECT {', '.join(columns)} FROM bench_audit_driver ORDER BY id")
        while cursor.fetchmany(10_000):
            pass
        read_s = time.perf_counter() - started
    finally:
        raw.close()
        t.audit_log.metadata.remove(copy)
    return insert_s, read_s


def measure(backend: str, total: int, batch: int) -> list[dict[str, Any]]:
    with fresh_store(backend) as store:
        container = build(store.settings(), migrate=True)
        try:
            engine = container.engine
            console.print(f"[bold]{backend}[/]: appending {total:,} entries")
            started = time.perf_counter()
            for start in range(0, total, batch):
                with engine.begin() as conn:
                    append_audit(conn, entries(start, min(batch, total - start)))
            append_s = time.perf_counter() - started
            console.print(f"[bold]{backend}[/]: verifying")
            started = time.perf_counter()
            broken = first_break(audit_chain(engine))
            verify_s = time.perf_counter() - started
            plain_s = plain_insert(engine, total, batch)
            driver_insert_s, driver_read_s = driver_floor(engine, total, batch)
        finally:
            container.close()
    return [{"backend": backend, "entries": total, "append_s": round(append_s, 2),
             "appended_per_s": round(total / append_s), "plain_insert_s": round(plain_s, 2),
             "vs_plain": round(plain_s / append_s, 2), "verify_s": round(verify_s, 2),
             "verified_per_s": round(total / verify_s),
             "driver_insert_s": round(driver_insert_s, 2),
             "driver_read_s": round(driver_read_s, 2),
             "intact": "yes" if broken is None else f"no, {broken}"}]


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--backend", choices=BACKENDS, action="append")
    args = parser.parse_args(argv)
    rows, skips = over_backends("audit", args.backend,
                                lambda backend: measure(backend, args.entries, args.batch))
    print_table("The audit chain: append and verify", rows, COLUMNS)
    payload = {"results": rows, "skipped": skips, "entries": args.entries, "batch": args.batch}
    write_json("audit", payload)
    return payload


if __name__ == "__main__":
    main(sys.argv[1:])
