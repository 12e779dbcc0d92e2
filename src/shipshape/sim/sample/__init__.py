"""A synthetic sample distributor and a synthetic day of orders, for demos and tests.

All of the data here is made up: the customers, items, GTINs, addresses, prices and
stock describe no real company or product. It is generated deterministically from a
seed and a day with a private ``random.Random`` (the global ``random`` state is never
used), so the same seed and day always give the same data. Dates are relative to the
day (today unless given): lot expiries in the stock receipts and requested ship dates,
so a demo run on any date sees the same mix of expired and near-expiry lots.

Everything returned is plain JSON-serialisable data: money and weights are decimal
strings ("12.50"), dates are ISO strings ("2026-11-30"), quantities are ints.

``sample_masterdata`` builds sites, customers, items, contract prices, carriers and
stock receipts. ``sample_day`` builds a day of canonical orders from that master data,
with a small share of realistic faults mixed in (duplicates, replays, unknown SKUs and
customers, price mismatches, credit problems, stock-outs, incomplete addresses,
impossible carrier services, inactive items and customers).

The work is done in ``masterdata`` (master data), ``orders`` (clean orders),
``faults`` (the faults and the day), ``day_context`` (indexes over the
master data), and the constant tables in ``catalog`` and ``directory``.
"""

from __future__ import annotations

import datetime

from shipshape.sim.sample.faults import build_day
from shipshape.sim.sample.masterdata import build_masterdata

__all__ = ["sample_day", "sample_masterdata"]


def sample_masterdata(
    seed: int = 7, day: datetime.date | None = None
) -> dict[str, list[dict[str, object]]]:
    """A synthetic distributor: 3 sites, 200 customers, 544 items, prices, carriers, stock.

    Lot expiry dates are relative to ``day`` (default: today).
    """
    return build_masterdata(seed, day or datetime.date.today())


def sample_day(
    masterdata: dict[str, list[dict[str, object]]],
    orders: int = 3000,
    seed: int = 11,
    day: datetime.date | None = None,
) -> list[dict[str, object]]:
    """A day of canonical orders for ``masterdata``, about 80% clean and 20% faulty.

    Requested ship dates are 1-5 days after ``day`` (default: today).
    """
    return build_day(masterdata, orders, seed, day or datetime.date.today())
