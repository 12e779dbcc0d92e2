"""Profile the service-layer intake loop (submit_order one by one) with cProfile.

Seeds a fresh store, warms up, then profiles N 3-line orders. Prints the top functions by
cumulative time (all code, then only shipshape's src/) and writes the raw profile to
benchmarks/results/intake_<backend>.prof (open it with `python -m pstats` or snakeviz).
Not part of run_all: profiling slows the loop down.

Usage: python benchmarks/profile_intake.py [--orders 1000] [--lines 3] [--backend sqlite]
       [--top 30]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
from collections.abc import Sequence

from common import (
    BACKENDS,
    RESULTS_DIR,
    Catalog,
    console,
    drafts,
    fresh_store,
    order_bodies,
    seeded_container,
)

from shipshape.services import intake


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1000)
    parser.add_argument("--backend", choices=BACKENDS, default="sqlite")
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--lines", type=int, default=3, help="lines per order (default 3)")
    args = parser.parse_args(argv)
    catalog = Catalog()
    warm = drafts(order_bodies(catalog, 100, "prof-warm"))
    orders = drafts(order_bodies(catalog, args.orders, "prof", lines=args.lines))
    profiler = cProfile.Profile()
    with fresh_store(args.backend) as store, seeded_container(store, catalog) as container:
        deps = container.deps
        for draft in warm:
            intake.submit_order(deps, intake.SubmitOrder(draft))
        profiler.enable()
        for draft in orders:
            intake.submit_order(deps, intake.SubmitOrder(draft))
        profiler.disable()
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"intake_{args.backend}_{args.lines}_lines.prof"
    profiler.dump_stats(str(out))
    for title, restriction in (("all code", ()), ("shipshape src/ only", ("shipshape/",))):
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text).sort_stats("cumulative")
        stats.print_stats(*restriction, args.top)
        console.rule(f"{args.orders} orders of {args.lines} lines on {args.backend}, "
                     f"by cumulative time: {title}")
        print(text.getvalue())
    console.print(f"[dim]wrote {out}[/]")


if __name__ == "__main__":
    main(sys.argv[1:])
