"""An 850 purchase order to canonical order drafts, one per SDQ destination when it has any."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from shipshape.adapters.channels.x12.errors import ElementError, SegmentError
from shipshape.adapters.channels.x12.model import Envelope, Segment, TransactionSet, element
from shipshape.adapters.channels.x12.sections import Section, Sections, split_sections
from shipshape.adapters.channels.x12.values import SegmentReader
from shipshape.domain.orders import Channel, OrderDraft, OrderLine, ShipTo
from shipshape.domain.partners import TradingPartner

MANDATORY_MISSING = "3"
OUT_OF_SEQUENCE = "7"
REQUESTED_DATES = ("010", "002")
"""DTM01: requested ship, then delivery requested."""
SHIP_TO, BILL_TO = "ST", "BT"
RELEASE_MAX = 30
"""BEG04 (element 328, release number) is at most 30 characters."""
TOO_LONG = "5"
STORE_ENTITIES = ("ST", "Z7", "BY", "OB")


@dataclass(frozen=True, slots=True)
class Party:
    """An N1 loop: entity code (N101), name, id qualifier and id (N103/N104), address."""

    entity: str
    name: str | None
    id_qualifier: str | None
    id: str | None
    address: ShipTo


@dataclass(frozen=True, slots=True)
class Line850:
    """A PO1 line as sent: its product ids (qualifier, value) in order and its AK3/AK4 errors."""

    line_no: int
    po101: str
    item_ids: tuple[tuple[str, str], ...]
    quantity: int | None
    uom: str | None
    unit_price: Decimal | None
    price_basis: str | None
    position: int
    errors: tuple[SegmentError, ...] = ()
    store: str | None = None
    store_qualifier: str | None = None


@dataclass(frozen=True, slots=True)
class Order850:
    """One canonical order drafted from an 850, with what the 855 and 997 need to answer it."""

    draft: OrderDraft
    lines: tuple[Line850, ...]
    errors: tuple[SegmentError, ...]
    envelope: Envelope
    set_control: str
    purpose: str
    order_type: str
    po_number: str
    release: str
    po_date: date | None
    references: tuple[tuple[str, str], ...]
    parties: tuple[Party, ...]
    received: date
    store: str | None = None

    @property
    def all_errors(self) -> tuple[SegmentError, ...]:
        return self.errors + tuple(e for line in self.lines for e in line.errors)

    @property
    def bill_to(self) -> ShipTo | None:
        return next((p.address for p in self.parties if p.entity == BILL_TO), None)


@dataclass(frozen=True, slots=True)
class _Header:
    purpose: str
    order_type: str
    po_number: str
    release: str
    po_date: date | None
    requested: date | None
    references: tuple[tuple[str, str], ...]
    parties: tuple[Party, ...]


@dataclass(frozen=True, slots=True)
class _Parsed:
    line: Line850
    requested: date | None
    stores: tuple[tuple[str, int], ...]


def orders_from_850(ts: TransactionSet, partner: TradingPartner,
                    received: date) -> list[Order850]:
    """The orders of an 850: one, or one per store when PO1 lines carry SDQ quantities.

    Faults are returned on the orders (`errors`, line `errors`) for the 997, never raised.
    """
    if ts.id != "850":
        raise ValueError(f"transaction set {ts.control_number} is a {ts.id!r}, not an 850")
    sections = split_sections(ts.segments)
    errors: list[SegmentError] = []
    header = _header(sections.header, received, errors)
    parsed = [_line(index, loop, partner, received)
              for index, loop in enumerate(sections.lines, start=1)]
    errors.extend(_summary_errors(ts, sections, len(parsed)))
    base = [p for p in parsed if not p.stores]
    stores = _store_lines(parsed)
    orders = []
    if base or not stores:
        orders.append(_order(ts, partner, header, base, None, tuple(errors), received))
    for store, lines in stores.items():
        orders.append(_order(ts, partner, header, lines, store, tuple(errors), received))
    return orders


def _header(section: Section, received: date, errors: list[SegmentError]) -> _Header:
    beg = next(((pos, seg) for pos, seg in section if seg[0] == "BEG"), None)
    reader = SegmentReader(beg[1] if beg else ["BEG"], beg[0] if beg else 2)
    values = [reader.required(position, reference) or ""
              for position, reference in ((1, "353"), (2, "92"), (3, "324"))]
    po_date = reader.date(5, "373", received) if reader.required(5, "373") else None
    release = element(reader.segment, 4)
    if len(release) > RELEASE_MAX:
        reader.problems.append(ElementError(4, "328", TOO_LONG, release[:RELEASE_MAX]))
    if beg is None:
        errors.append(SegmentError("BEG", 2, MANDATORY_MISSING, "the 850 has no BEG"))
    else:
        _add(errors, reader.error("BEG has missing or invalid elements"))
    return _Header(
        purpose=values[0], order_type=values[1], po_number=values[2],
        release=release, po_date=po_date,
        requested=_requested(section, received, errors),
        references=_references(section), parties=_parties(section))


def _references(section: Section) -> tuple[tuple[str, str], ...]:
    """Header REFs, those before the N1 loops (a REF inside an N1 loop belongs to the party)."""
    references = []
    for _, segment in section:
        if segment[0] == "N1":
            break
        if segment[0] == "REF":
            references.append((element(segment, 1), element(segment, 2)))
    return tuple(references)


def _requested(section: Section, received: date, errors: list[SegmentError]) -> date | None:
    found: dict[str, date] = {}
    for position, segment in section:
        if segment[0] != "DTM":
            continue
        reader = SegmentReader(segment, position)
        value = reader.date(2, "373", received)
        _add(errors, reader.error("DTM has an invalid date"))
        if value is not None:
            found.setdefault(element(segment, 1), value)
    return next((found[code] for code in REQUESTED_DATES if code in found), None)


def _parties(section: Section) -> tuple[Party, ...]:
    parties: list[Party] = []
    loop: list[Segment] = []
    for _, segment in section:
        if segment[0] == "N1":
            _close_party(loop, parties)
            loop = [segment]
        elif loop and segment[0] in ("N2", "N3", "N4", "REF", "PER"):
            loop.append(segment)
        else:
            _close_party(loop, parties)
            loop = []
    _close_party(loop, parties)
    return tuple(parties)


def _close_party(loop: list[Segment], parties: list[Party]) -> None:
    if not loop:
        return
    n1 = loop[0]
    n3 = next((s for s in loop if s[0] == "N3"), None)
    n4 = next((s for s in loop if s[0] == "N4"), None)
    address = ShipTo(
        name=element(n1, 2) or None, line1=_opt(n3, 1),
        city=_opt(n4, 1), region=_opt(n4, 2), postal_code=_opt(n4, 3),
        country=(element(n4, 4) or "US") if n4 else None)
    parties.append(Party(element(n1, 1), element(n1, 2) or None, element(n1, 3) or None,
                         element(n1, 4) or None, address))


def _opt(segment: Segment | None, position: int) -> str | None:
    return (element(segment, position) or None) if segment else None


def _line(index: int, loop: Section, partner: TradingPartner, received: date) -> _Parsed:
    position, po1 = loop[0]
    reader = SegmentReader(po1, position)
    number = element(po1, 1)
    quantity = reader.integer(2, "330")
    price = reader.decimal(4, "212")
    ids = _item_ids(reader)
    errors: list[SegmentError] = []
    _add(errors, reader.error(f"PO1 line {number or index} has element errors"))
    stores, qualifier = _sdq(loop, quantity, errors)
    requested = _requested(loop, received, errors)
    line = Line850(
        line_no=int(number) if _line_number(number) else index,
        po101=number, item_ids=ids, quantity=quantity, uom=element(po1, 3) or None,
        unit_price=price, price_basis=element(po1, 5) or None, position=position,
        errors=tuple(errors), store_qualifier=qualifier)
    return _Parsed(line, requested, stores)


def _item_ids(reader: SegmentReader) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    segment = reader.segment
    for position in range(6, len(segment), 2):
        qualifier, value = element(segment, position), element(segment, position + 1)
        if qualifier and value:
            pairs.append((qualifier, value))
        elif qualifier or value:
            missing, reference = (position + 1, "234") if qualifier else (position, "235")
            reader.problems.append(_missing(missing, reference))
    if not pairs:
        reader.problems.append(_missing(7, "234", conditional=False))
    return tuple(pairs)


def _missing(position: int, reference: str, conditional: bool = True) -> ElementError:
    return ElementError(position, reference, "2" if conditional else "1")


def _sdq(loop: Section, ordered: int | None,
         errors: list[SegmentError]) -> tuple[tuple[tuple[str, int], ...], str | None]:
    stores: list[tuple[str, int]] = []
    qualifier = None
    for position, segment in loop:
        if segment[0] != "SDQ":
            continue
        qualifier = qualifier or element(segment, 2) or None
        reader = SegmentReader(segment, position)
        for at in range(3, len(segment), 2):
            store = element(segment, at)
            quantity = reader.integer(at + 1, "380")
            if store and quantity is not None:
                stores.append((store, quantity))
            elif store or quantity is not None:
                reader.problems.append(_missing(at + 1 if store else at,
                                                      "380" if store else "67"))
        _add(errors, reader.error("SDQ has missing or invalid store quantities"))
    total = sum(quantity for _, quantity in stores)
    if stores and ordered is not None and total != ordered:
        errors.append(SegmentError("SDQ", loop[0][0], "8",
                                   f"SDQ quantities add up to {total}, PO102 says {ordered}"))
    return tuple(stores), qualifier


def _store_lines(parsed: list[_Parsed]) -> dict[str, list[_Parsed]]:
    stores: dict[str, list[_Parsed]] = {}
    for item in parsed:
        for store, quantity in item.stores:
            line = replace(item.line, quantity=quantity, store=store)
            stores.setdefault(store, []).append(replace(item, line=line))
    return stores


def _summary_errors(ts: TransactionSet, sections: Sections, count: int) -> list[SegmentError]:
    misplaced = [SegmentError("PO1", position, OUT_OF_SEQUENCE, "PO1 after the summary (CTT)")
                 for position in sections.out_of_sequence]
    return misplaced + _count_errors(ts, sections, count)


def _count_errors(ts: TransactionSet, sections: Sections, count: int) -> list[SegmentError]:
    if count == 0:
        return [SegmentError("PO1", len(ts.segments), MANDATORY_MISSING, "the 850 has no PO1")]
    ctt = next(((pos, seg) for pos, seg in sections.summary if seg[0] == "CTT"), None)
    if ctt is None:
        return []
    reader = SegmentReader(ctt[1], ctt[0])
    stated = reader.integer(1, "354")
    error = reader.error("CTT01 is not a number")
    if error is not None:
        return [error]
    if stated != count:
        return [SegmentError("CTT", ctt[0], "8",
                             f"CTT01 says {stated} line items, the 850 has {count}")]
    return []


def _order(ts: TransactionSet, partner: TradingPartner, header: _Header,
           parsed: list[_Parsed], store: str | None, errors: tuple[SegmentError, ...],
           received: date) -> Order850:
    env = ts.envelope
    suffix = f"-{store}" if store else ""
    dates = [p.requested for p in parsed if p.requested is not None]
    lines = tuple(p.line for p in parsed)
    draft = OrderDraft(
        channel=Channel.EDI.value,
        external_id=f"{env.interchange_control}-{env.group_control}-{ts.control_number}{suffix}",
        customer_id=partner.customer_id,
        customer_po=f"{header.po_number}{suffix}" if header.po_number else None,
        requested_ship_date=header.requested or (min(dates) if dates else None),
        ship_to=_ship_to(header.parties, store),
        lines=tuple(OrderLine(line.line_no, _sku(line, partner), line.quantity,
                              line.unit_price, line.uom) for line in lines),
        release_number=header.release or None)
    return Order850(
        draft=draft, lines=lines, errors=errors, envelope=env, set_control=ts.control_number,
        purpose=header.purpose, order_type=header.order_type, po_number=header.po_number,
        release=header.release, po_date=header.po_date, references=header.references,
        parties=header.parties, received=received, store=store)


def _ship_to(parties: tuple[Party, ...], store: str | None) -> ShipTo:
    if store is None:
        return next((p.address for p in parties if p.entity == SHIP_TO), ShipTo())
    matches = [p for p in parties if p.id == store]
    for entity in STORE_ENTITIES:
        found = next((p for p in matches if p.entity == entity), None)
        if found is not None:
            return found.address
    return matches[0].address if matches else ShipTo(name=f"Store {store}")


def _sku(line: Line850, partner: TradingPartner) -> str:
    ids: dict[str, str] = {}
    for qualifier, value in line.item_ids:
        ids.setdefault(qualifier, value)
    mapped = partner.sku_for(ids)
    if mapped is not None:
        return mapped
    return line.item_ids[0][1] if line.item_ids else ""


def _add(errors: list[SegmentError], error: SegmentError | None) -> None:
    if error is not None:
        errors.append(error)


def _line_number(value: str) -> bool:
    return 0 < len(value) <= 9 and value.isascii() and value.isdigit()
