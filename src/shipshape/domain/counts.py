"""A count that finds less on the shelf than is reserved there.

The record learns what the shelf holds, and the reservations it can no longer cover give way
before any labour is spent on them: the orders not yet with the warehouse that hold the SKU at
the site give back their stock, those held (pulled from a wave, keeping their stock) first, then
the accepted ones last in wave order first (lowest priority, latest ship date, newest), until
what is left on hand covers the rest; of those, the best that still fit in what the others gave
beyond the shortfall keep theirs. Each is held (or stays held) with a `STALE_RESERVATION` case;
the desk takes it again (re-source, split, substitute, wait for stock, cancel the line) and
stock that arrives takes it again by itself. Orders already released keep their stock: their
pick will tell. When what they hold is more than the count leaves, the count is refused and
nothing changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shipshape.domain.errors import InvalidInput
from shipshape.domain.findings import Finding, Kind, Team, block
from shipshape.domain.inventory import Reservation
from shipshape.domain.waves import STALE_RESERVATION


@dataclass(frozen=True, slots=True)
class Holder:
    """An order holding the counted SKU at the counted site, and how much."""

    order_id: str
    quantity: int


def shortfall(on_hand: int, reserved: int, change: int) -> int:
    """The reserved units the position no longer covers after `change`; a count below zero is
    refused."""
    if on_hand + change < 0:
        raise InvalidInput(f"the count would leave {on_hand + change} on hand of the {on_hand} "
                           "recorded: stock cannot go below 0")
    return max(reserved - (on_hand + change), 0)


def giving_way(short: int, holders: Sequence[Holder]) -> list[Holder]:
    """The holders (given last in wave order first) that give way so that what is left on hand
    covers the others: the last ones until `short` is covered, less those of them, best first,
    that still fit in what the others gave beyond `short`. Refused, naming what is missing,
    when all of them together do not cover it."""
    chosen: list[Holder] = []
    given = 0
    for holder in holders:
        if given >= short:
            break
        chosen.append(holder)
        given += holder.quantity
    if given < short:
        raise InvalidInput(
            f"the count leaves {short - given} reserved units uncovered by orders not yet "
            "released; released orders hold them: confirm their picks first")
    spare = given - short
    for holder in reversed(list(chosen)):
        if holder.quantity <= spare:
            chosen.remove(holder)
            spare -= holder.quantity
    return chosen


@dataclass(frozen=True, slots=True)
class Count:
    """What a count found at a site (`counted`), beside what was reserved there."""

    site: str
    sku: str
    counted: int
    reserved: int

    def finding(self, held: Sequence[Reservation]) -> Finding:
        """Why an order holding `held` gave way: the count, and its reservations of the SKU
        at the site."""
        mine = [r for r in held if (r.site, r.sku) == (self.site, self.sku)]
        quantity = sum(r.quantity for r in mine)
        return block(STALE_RESERVATION, Kind.OPERATIONAL, Team.WAREHOUSE,
                     f"a count found {self.counted} {self.sku} at {self.site} against "
                     f"{self.reserved} reserved; this order's reservation of {quantity} gave "
                     "way and the order waits to be allocated again",
                     line_nos=sorted({r.line_no for r in mine}), sku=self.sku, site=self.site,
                     on_hand=self.counted, reserved=self.reserved, quantity=quantity)
