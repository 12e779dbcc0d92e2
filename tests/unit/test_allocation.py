"""Sourcing order lines to sites: ranking, single-site and split allocation, never overselling."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st

from shipshape.domain.inventory import (
    AllocationPlan,
    Demand,
    Reservation,
    StockPosition,
    allocate,
    rank_sites,
)

COUNTRIES = {"ATL": "US", "DAL": "US", "TOR": "CA", "YUL": "CA"}


def stock(**levels: int) -> list[StockPosition]:
    """`DAL_SKU1=5` is 5 available units of SKU1 at DAL."""
    positions = []
    for key, available in levels.items():
        site, sku = key.split("_")
        positions.append(StockPosition(site, sku, on_hand=available + 2, reserved=2))
    return positions


def reserved(plan: AllocationPlan) -> dict[tuple[str, str], int]:
    totals: dict[tuple[str, str], int] = defaultdict(int)
    for r in plan.reservations:
        totals[(r.site, r.sku)] += r.quantity
    return dict(totals)


def test_preferred_site_ranks_first() -> None:
    ranked = rank_sites(["ATL", "DAL", "TOR"], "TOR", COUNTRIES, "US")
    assert ranked[0] == "TOR"


def test_sites_in_the_ship_to_country_rank_before_others() -> None:
    assert rank_sites(["YUL", "DAL", "TOR", "ATL"], None, COUNTRIES, "CA") == [
        "TOR", "YUL", "ATL", "DAL"]


def test_preferred_site_then_country_then_site_id() -> None:
    assert rank_sites(["YUL", "DAL", "TOR", "ATL"], "DAL", COUNTRIES, "CA") == [
        "DAL", "TOR", "YUL", "ATL"]


def test_preferred_site_serves_the_order_when_it_can() -> None:
    plan = allocate([Demand(1, "SKU1", 4)], stock(ATL_SKU1=50, DAL_SKU1=4), ["DAL", "ATL"],
                    allow_split=False)
    assert plan.reservations == (Reservation(1, "DAL", "SKU1", 4),)


def test_without_split_the_whole_order_comes_from_one_site() -> None:
    # DAL, ranked first, has SKU1 but not SKU2; ATL has both
    demands = [Demand(1, "SKU1", 3), Demand(2, "SKU2", 3)]
    positions = stock(DAL_SKU1=10, DAL_SKU2=1, ATL_SKU1=3, ATL_SKU2=3)
    plan = allocate(demands, positions, ["DAL", "ATL"], allow_split=False)
    assert plan.complete
    assert set(plan.reservations) == {Reservation(1, "ATL", "SKU1", 3),
                                      Reservation(2, "ATL", "SKU2", 3)}


def test_without_split_and_no_single_site_able_shortfalls_list_availability_per_site() -> None:
    demands = [Demand(1, "SKU1", 3), Demand(2, "SKU2", 3)]
    positions = stock(DAL_SKU1=10, DAL_SKU2=1, ATL_SKU1=2, ATL_SKU2=9)
    plan = allocate(demands, positions, ["DAL", "ATL"], allow_split=False)
    assert not plan.complete
    assert plan.reservations == ()
    by_line = {s.line_no: (s.sku, s.wanted, s.available_by_site) for s in plan.shortfalls}
    assert by_line == {1: ("SKU1", 3, {"DAL": 10, "ATL": 2}),
                       2: ("SKU2", 3, {"DAL": 1, "ATL": 9})}


def test_shortfalls_report_zero_for_sites_without_the_sku() -> None:
    plan = allocate([Demand(1, "SKU1", 5)], stock(DAL_SKU1=1), ["DAL", "ATL"], allow_split=False)
    assert plan.shortfalls[0].available_by_site == {"DAL": 1, "ATL": 0}


def test_with_split_a_line_is_split_across_sites_in_rank_order() -> None:
    plan = allocate([Demand(1, "SKU1", 6)], stock(DAL_SKU1=4, ATL_SKU1=10), ["DAL", "ATL"],
                    allow_split=True)
    assert plan.reservations == (Reservation(1, "DAL", "SKU1", 4),
                                 Reservation(1, "ATL", "SKU1", 2))


def test_with_split_lines_go_to_different_sites() -> None:
    demands = [Demand(1, "SKU1", 3), Demand(2, "SKU2", 3)]
    positions = stock(DAL_SKU1=10, ATL_SKU2=9)
    plan = allocate(demands, positions, ["DAL", "ATL"], allow_split=True)
    assert set(plan.reservations) == {Reservation(1, "DAL", "SKU1", 3),
                                      Reservation(2, "ATL", "SKU2", 3)}


def test_with_split_and_too_little_stock_anywhere_nothing_is_reserved() -> None:
    plan = allocate([Demand(1, "SKU1", 6)], stock(DAL_SKU1=2, ATL_SKU1=3), ["DAL", "ATL"],
                    allow_split=True)
    assert plan.reservations == ()
    assert [(s.line_no, s.available_by_site) for s in plan.shortfalls] == [
        (1, {"DAL": 2, "ATL": 3})]


def test_two_lines_of_one_sku_never_take_more_than_a_site_has_without_split() -> None:
    demands = [Demand(1, "SKU1", 3), Demand(2, "SKU1", 3)]
    plan = allocate(demands, stock(DAL_SKU1=5, ATL_SKU1=6), ["DAL", "ATL"], allow_split=False)
    assert reserved(plan) == {("ATL", "SKU1"): 6}


def test_two_lines_of_one_sku_never_take_more_than_a_site_has_with_split() -> None:
    demands = [Demand(1, "SKU1", 3), Demand(2, "SKU1", 3)]
    plan = allocate(demands, stock(DAL_SKU1=5, ATL_SKU1=6), ["DAL", "ATL"], allow_split=True)
    assert reserved(plan) == {("DAL", "SKU1"): 5, ("ATL", "SKU1"): 1}


def test_two_lines_of_one_sku_beyond_the_only_site_are_short() -> None:
    demands = [Demand(1, "SKU1", 3), Demand(2, "SKU1", 3)]
    for split in (False, True):
        plan = allocate(demands, stock(DAL_SKU1=5), ["DAL"], allow_split=split)
        assert (plan.complete, plan.reservations) == (False, ())


def test_no_demands_make_an_empty_complete_plan() -> None:
    plan = allocate([], stock(DAL_SKU1=5), ["DAL"], allow_split=False)
    assert plan.complete and plan.reservations == ()


SITES = ["ATL", "DAL", "HOU"]
SKUS = ["SKU1", "SKU2", "SKU3"]

positions_strategy = st.dictionaries(
    st.tuples(st.sampled_from(SITES), st.sampled_from(SKUS)),
    st.tuples(st.integers(0, 20), st.integers(0, 20)),
).map(lambda levels: [StockPosition(site, sku, on_hand + reserved_qty, reserved_qty)
                      for (site, sku), (on_hand, reserved_qty) in levels.items()])

demands_strategy = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(1, 25)), min_size=1, max_size=6,
).map(lambda pairs: [Demand(i + 1, sku, qty) for i, (sku, qty) in enumerate(pairs)])


def available_of(positions: Sequence[StockPosition]) -> dict[tuple[str, str], int]:
    return {(p.site, p.sku): p.available for p in positions}


def wanted_per_sku(demands: Sequence[Demand]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for d in demands:
        totals[d.sku] += d.quantity
    return dict(totals)


@given(positions=positions_strategy, demands=demands_strategy, allow_split=st.booleans(),
       ranked=st.permutations(SITES))
def test_allocation_never_reserves_more_than_available_and_covers_every_demand(
    positions: list[StockPosition], demands: list[Demand], allow_split: bool, ranked: list[str]
) -> None:
    plan = allocate(demands, positions, ranked, allow_split)
    available = available_of(positions)
    for key, quantity in reserved(plan).items():
        assert quantity <= available.get(key, 0)
    if not plan.complete:
        assert plan.reservations == ()
        return
    by_line: dict[int, int] = defaultdict(int)
    for r in plan.reservations:
        assert r.quantity > 0
        assert r.site in ranked
        assert r.sku == next(d.sku for d in demands if d.line_no == r.line_no)
        by_line[r.line_no] += r.quantity
    assert by_line == {d.line_no: d.quantity for d in demands}
    if not allow_split:
        assert len({r.site for r in plan.reservations}) == 1


@given(positions=positions_strategy, demands=demands_strategy, allow_split=st.booleans(),
       ranked=st.permutations(SITES))
def test_allocation_is_complete_exactly_when_the_stock_allows_it(
    positions: list[StockPosition], demands: list[Demand], allow_split: bool, ranked: list[str]
) -> None:
    plan = allocate(demands, positions, ranked, allow_split)
    available = available_of(positions)
    wanted = wanted_per_sku(demands)
    if allow_split:
        possible = all(sum(available.get((site, sku), 0) for site in ranked) >= qty
                       for sku, qty in wanted.items())
    else:
        possible = any(all(available.get((site, sku), 0) >= qty for sku, qty in wanted.items())
                       for site in ranked)
    assert plan.complete == possible
