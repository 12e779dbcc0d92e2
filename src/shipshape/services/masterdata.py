"""Master data upserts and stock movements: idempotent, one transaction each."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from shipshape.domain.errors import InvalidInput, NotFound
from shipshape.domain.inventory import StockPosition
from shipshape.domain.masterdata import Carrier, ContractPrice, Customer, Item, Site
from shipshape.services.deps import Deps
from shipshape.services.ports import MasterDataStore, UnitOfWork

MasterRecord = Site | Customer | Item | ContractPrice | Carrier


@dataclass(frozen=True, slots=True)
class StockMovement:
    site: str
    sku: str
    quantity: int
    lot: str | None = None
    expiry: date | None = None
    reason: str = ""


def upsert(deps: Deps, records: Sequence[MasterRecord]) -> int:
    """Insert or replace master data records; applying the same records twice changes nothing."""
    with deps.uow() as uow:
        for record in records:
            _upsert_one(uow.masterdata, record)
        uow.commit()
    return len(records)


def _upsert_one(store: MasterDataStore, record: MasterRecord) -> None:
    match record:
        case Site():
            store.upsert_site(record)
        case Customer():
            store.upsert_customer(record)
        case Item():
            store.upsert_item(record)
        case ContractPrice():
            store.upsert_price(record)
        case Carrier():
            store.upsert_carrier(record)


def receive(deps: Deps, movements: Sequence[StockMovement]) -> list[StockPosition]:
    with deps.uow() as uow:
        positions = _receive(deps, uow, movements)
        uow.commit()
    return positions


def load(deps: Deps, records: Sequence[MasterRecord], receipts: Sequence[StockMovement]) -> None:
    """Master data and stock receipts in one transaction: all of the file, or none of it."""
    with deps.uow() as uow:
        for record in records:
            _upsert_one(uow.masterdata, record)
        _receive(deps, uow, receipts)
        uow.commit()


def _receive(
    deps: Deps, uow: UnitOfWork, movements: Sequence[StockMovement]
) -> list[StockPosition]:
    sites = uow.masterdata.sites()
    positions = []
    for m in movements:
        _check_movement(m, sites)
        if m.quantity <= 0:
            raise InvalidInput(f"a receipt needs a positive quantity, got {m.quantity}")
        positions.append(uow.inventory.receive(m.site, m.sku, m.quantity, m.lot, m.expiry,
                                               deps.clock.now()))
    return positions


def adjust(deps: Deps, movement: StockMovement) -> StockPosition:
    with deps.uow() as uow:
        _check_movement(movement, uow.masterdata.sites())
        if movement.quantity == 0:
            raise InvalidInput("an adjustment of 0 changes nothing")
        position = uow.inventory.adjust(movement.site, movement.sku, movement.quantity,
                                        movement.lot, movement.reason, deps.clock.now())
        uow.commit()
    return position


def _check_movement(movement: StockMovement, sites: dict[str, Site]) -> None:
    if movement.site not in sites:
        raise NotFound(f"site {movement.site} is not in master data")
