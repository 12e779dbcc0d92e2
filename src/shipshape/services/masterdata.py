"""Master data upserts and stock movements: idempotent, one transaction each, every change of a
record audited with its actor, before and after (`masterdata_changes`).

* **Ownership.** Fields whose state another system owns (`integration.MASTERDATA_FIELD_STATES`;
  by default the ERP's credit status: `credit_hold`, `credit_limit`) change only by that
  system's events. A write through the API that would change one is refused (409, naming the
  field and its owner); the same value passes. A record's first version may set them (nothing
  is overwritten), and `shipshape load`, the operator's tool at the database, may as well.
* **References.** A price names a known customer and SKU, a customer's preferred site a known
  site, a stock movement a known site and SKU ("known": stored, or in the same batch); else
  the write is refused (422) naming the field. `load` checks the whole file first: one bad
  record refuses the file, and nothing of it is written.
* **Once.** A receipt or an adjustment sent with an idempotency key is applied once: the same
  key again answers the first answer, the same key with another movement is refused (409).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, is_dataclass
from datetime import date, datetime
from decimal import Decimal

from shipshape.domain.errors import Conflict, InvalidInput
from shipshape.domain.integration import State, System, owned_fields_changed
from shipshape.domain.inventory import StockPosition
from shipshape.domain.masterdata import Carrier, ContractPrice, Customer, Item, Site
from shipshape.services import counts, desk_conditions
from shipshape.services.deps import Deps
from shipshape.services.outcomes import Outcome
from shipshape.services.ports import MasterDataChange, StoredResponse, UnitOfWork

MasterRecord = Site | Customer | Item | ContractPrice | Carrier
OPERATOR = "operator"
"""The actor of writes made on this machine rather than through the API (`shipshape load`,
`seed`, the services called directly)."""
MAX_PROBLEMS = 5


@dataclass(frozen=True, slots=True)
class StockMovement:
    site: str
    sku: str
    quantity: int
    lot: str | None = None
    expiry: date | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    """An idempotent write's answer: the first one again when `replayed`."""

    outcome: Outcome
    body: dict[str, object]
    replayed: bool = False


def upsert(deps: Deps, records: Sequence[MasterRecord], actor: str = OPERATOR,
           ownership: Mapping[State, System] | None = None) -> int:
    """Insert or replace master data records; applying the same records twice changes nothing.
    With `ownership` (an API write), fields another system owns cannot change."""
    with deps.uow() as uow:
        _check_references(uow, records, [])
        now = deps.clock.now()
        for record in records:
            _upsert_one(uow, record, actor, ownership, now)
        uow.commit()
    return len(records)


def load(deps: Deps, records: Sequence[MasterRecord], receipts: Sequence[StockMovement]) -> None:
    """Master data and stock receipts in one transaction: all of the file, or none of it (a
    reference to what neither the store nor the file holds refuses the file)."""
    with deps.uow() as uow:
        _check_references(uow, records, receipts)
        now = deps.clock.now()
        for record in records:
            _upsert_one(uow, record, OPERATOR, None, now)
        _receive(deps, uow, receipts)
        uow.commit()


def change_customer(deps: Deps, uow: UnitOfWork, before: Customer, after: Customer,
                    actor: str) -> None:
    """Store `after` in the caller's transaction, audited as `actor`'s change (an owning
    system's event: `system:erp`); nothing when nothing changed."""
    if after != before:
        uow.masterdata.upsert_customer(after)
        _audit(uow, after, before, actor, deps.clock.now())


def _upsert_one(uow: UnitOfWork, record: MasterRecord, actor: str,
                ownership: Mapping[State, System] | None, now: datetime) -> None:
    before = _stored(uow, record)
    if before == record:
        return
    kind, entity_id = identity(record)
    if ownership is not None and before is not None:
        owned = owned_fields_changed(kind, asdict(before), asdict(record), ownership)
        if owned:
            raise Conflict("; ".join(
                f"{name} of {kind} {entity_id} is owned by {owner.value}: it changes only by "
                f"{owner.value}'s events, not through the API" for name, owner in owned))
    _write(uow, record)
    _audit(uow, record, before, actor, now)


def identity(record: MasterRecord) -> tuple[str, str]:
    """(kind, id) of a record, as the audit names it."""
    match record:
        case Site():
            return "site", record.id
        case Customer():
            return "customer", record.id
        case Item():
            return "item", record.sku
        case ContractPrice():
            return "price", f"{record.customer_id}/{record.sku}"
        case Carrier():
            return "carrier", record.code


def _stored(uow: UnitOfWork, record: MasterRecord) -> MasterRecord | None:
    store = uow.masterdata
    match record:
        case Site():
            return store.sites().get(record.id)
        case Customer():
            return store.customer(record.id)
        case Item():
            return store.items([record.sku]).get(record.sku)
        case ContractPrice():
            return store.prices(record.customer_id, [record.sku]).get(record.sku)
        case Carrier():
            return store.carriers().get(record.code)


def _write(uow: UnitOfWork, record: MasterRecord) -> None:
    store = uow.masterdata
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


def _audit(uow: UnitOfWork, record: MasterRecord, before: MasterRecord | None, actor: str,
           now: datetime) -> None:
    kind, entity_id = identity(record)
    uow.masterdata.record_change(MasterDataChange(
        kind, entity_id, actor, None if before is None else _fields(before), _fields(record)),
        now)


def _fields(record: MasterRecord) -> dict[str, object]:
    """The record as JSON-ready data (decimals as canonical text, so that 1000 and 1000.00
    read alike; tuples as lists)."""
    return {name: _plain(value) for name, value in asdict(record).items()}


def _plain(value: object) -> object:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    return value


def _check_references(uow: UnitOfWork, records: Sequence[MasterRecord],
                      movements: Sequence[StockMovement]) -> None:
    """Refuse (422) a batch that names a customer, SKU or site that neither the store nor the
    batch holds, naming each record and field (the first few)."""
    sites = set(uow.masterdata.sites()) | {r.id for r in records if isinstance(r, Site)}
    named_customers = {r.customer_id for r in records if isinstance(r, ContractPrice)}
    customers = set(uow.masterdata.customers(named_customers)) | {
        r.id for r in records if isinstance(r, Customer)}
    named_skus = ({r.sku for r in records if isinstance(r, ContractPrice)}
                  | {m.sku for m in movements})
    skus = set(uow.masterdata.items(named_skus)) | {r.sku for r in records if isinstance(r, Item)}
    problems = [p for r in records for p in _record_problems(r, sites, customers, skus)]
    problems += [p for m in movements for p in _movement_problems(m, sites, skus)]
    if problems:
        more = len(problems) - MAX_PROBLEMS
        raise InvalidInput("; ".join(problems[:MAX_PROBLEMS])
                           + (f"; and {more} more" if more > 0 else ""))


def _record_problems(record: MasterRecord, sites: set[str], customers: set[str],
                     skus: set[str]) -> list[str]:
    kind, entity_id = identity(record)
    where = f"{kind} {entity_id}"
    if isinstance(record, ContractPrice):
        return ([f"{where}: customer_id {record.customer_id} is not in master data"]
                if record.customer_id not in customers else []) + (
                [f"{where}: sku {record.sku} is not in master data"]
                if record.sku not in skus else [])
    if isinstance(record, Customer) and record.preferred_site is not None \
            and record.preferred_site not in sites:
        return [f"{where}: preferred_site {record.preferred_site} is not in master data"]
    return []


def _movement_problems(movement: StockMovement, sites: set[str], skus: set[str]) -> list[str]:
    where = f"stock movement of {movement.sku} at {movement.site}"
    return ([f"{where}: site {movement.site} is not in master data"]
            if movement.site not in sites else []) + (
            [f"{where}: sku {movement.sku} is not in master data"]
            if movement.sku not in skus else [])


# ------------------------------------------------------------------------------ stock movements


def receive(deps: Deps, movements: Sequence[StockMovement]) -> list[StockPosition]:
    with deps.uow() as uow:
        positions = _receive(deps, uow, movements)
        uow.commit()
    return positions


def adjust(deps: Deps, movement: StockMovement) -> StockPosition:
    with deps.uow() as uow:
        position = _adjust(deps, uow, movement)
        uow.commit()
    return position


def receive_once(deps: Deps, movement: StockMovement, scope: str, key: str) -> Answer:
    """A receipt applied once per (scope, key): see the module's docstring."""
    return _once(deps, "receipt", movement, scope, key,
                 lambda uow: _receive(deps, uow, [movement])[0])


def adjust_once(deps: Deps, movement: StockMovement, scope: str, key: str) -> Answer:
    """An adjustment applied once per (scope, key): see the module's docstring."""
    return _once(deps, "adjustment", movement, scope, key,
                 lambda uow: _adjust(deps, uow, movement))


def position_json(p: StockPosition) -> dict[str, object]:
    return {"site_id": p.site, "sku": p.sku, "on_hand": p.on_hand, "reserved": p.reserved,
            "available": p.available}


def _once(deps: Deps, kind: str, movement: StockMovement, scope: str, key: str,
          apply: Callable[[UnitOfWork], StockPosition]) -> Answer:
    digest = hashlib.sha256(json.dumps(
        {"kind": kind, **asdict(movement)}, sort_keys=True, default=str).encode()).hexdigest()
    with deps.uow() as uow:
        stored = uow.idempotency.get(scope, key)
        if stored is not None:
            if stored.request_hash != digest:
                raise Conflict(f"idempotency key {key!r} was already used for another request")
            return Answer(stored.outcome, stored.body, replayed=True)
        answer = Answer(Outcome.CREATED, position_json(apply(uow)))
        uow.idempotency.put(scope, key, StoredResponse(digest, answer.outcome, answer.body),
                            deps.clock.now())
        uow.commit()
    return answer


def _receive(
    deps: Deps, uow: UnitOfWork, movements: Sequence[StockMovement]
) -> list[StockPosition]:
    _check_references(uow, [], movements)
    positions = []
    for m in movements:
        if m.quantity <= 0:
            raise InvalidInput(f"a receipt needs a positive quantity, got {m.quantity}")
        positions.append(uow.inventory.receive(m.site, m.sku, m.quantity, m.lot, m.expiry,
                                               deps.clock.now()))
    desk_conditions.stock_arrived(deps, uow, {m.sku for m in movements})
    return positions


def _adjust(deps: Deps, uow: UnitOfWork, movement: StockMovement) -> StockPosition:
    _check_references(uow, [], [movement])
    if movement.quantity == 0:
        raise InvalidInput("an adjustment of 0 changes nothing")
    if movement.quantity < 0:
        counts.make_room(deps, uow, movement.site, movement.sku, movement.quantity)
    position = uow.inventory.adjust(movement.site, movement.sku, movement.quantity,
                                    movement.lot, movement.reason, deps.clock.now())
    if movement.quantity > 0:
        desk_conditions.stock_arrived(deps, uow, {movement.sku})
    return position
