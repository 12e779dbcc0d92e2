"""Change requests in X12: the 860 (BCH + POC lines) and the 850 that cancels (BEG01 `01`) or
replaces (`05`) an order, read into `domain.edi_changes.ChangeRequest`.

BCH: BCH01 purpose (01 cancellation, 04 change, 05 replace), BCH02 PO type, BCH03 PO number,
BCH04 release number (element 328, as the 850's BEG04; BCH05 is the change order sequence
number, element 327), BCH06 date. POC: POC01 line number, POC02 change type (AI add, CA change,
DI delete, QD / QI quantity decrease / increase, PC price change, RZ replace all values),
POC03 the new quantity ordered, POC04 the quantity left to receive, POC05 unit, POC06 unit price,
POC08 on product id pairs. Element faults become AK3/AK4 errors for the 997, as for the 850.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from shipshape.adapters.channels.x12.acks import SetResult, set_result
from shipshape.adapters.channels.x12.errors import SegmentError
from shipshape.adapters.channels.x12.model import Segment, TransactionSet, element
from shipshape.adapters.channels.x12.po850 import Order850, orders_from_850
from shipshape.adapters.channels.x12.sections import split_sections
from shipshape.adapters.channels.x12.values import SegmentReader
from shipshape.domain import edi_changes as ec
from shipshape.domain.partners import TradingPartner

PURPOSES = {"01": ec.Purpose.CANCEL, "04": ec.Purpose.CHANGE, "05": ec.Purpose.REPLACE}
CHANGE_850 = frozenset({"01", "05"})
"""BEG01 codes of an 850 that changes an order instead of placing one."""
ASKS = {"AI": ec.Ask.ADD, "DI": ec.Ask.DELETE, "QD": ec.Ask.QUANTITY, "QI": ec.Ask.QUANTITY,
        "CA": ec.Ask.QUANTITY, "RZ": ec.Ask.QUANTITY, "PC": ec.Ask.PRICE}
MANDATORY_MISSING = "3"


@dataclass(frozen=True, slots=True)
class TakenChange:
    request: ec.ChangeRequest
    transaction_set: TransactionSet


def is_change(ts: TransactionSet, known: Callable[[str, str], bool] | None = None) -> bool:
    """An 860, or an 850 whose BEG01 cancels, or replaces an order `known` has (a replacement
    of a PO never received is the order itself; without `known`, every one is a change)."""
    if ts.id == "860":
        return True
    beg = next((s for s in ts.segments if s[0] == "BEG"), None)
    if ts.id != "850" or beg is None or element(beg, 1) not in CHANGE_850:
        return False
    return element(beg, 1) == "01" or known is None or known(element(beg, 3), element(beg, 4))


def take_change(ts: TransactionSet, partner: TradingPartner, received: date,
                importable: bool) -> tuple[TakenChange, SetResult]:
    """The request of one set and its 997 result; a set in error becomes a refused request."""
    if ts.id == "850":
        orders = orders_from_850(ts, partner, received)
        request = _from_850(ts, orders[0])
        result = set_result(ts, orders)
    else:
        request, errors = _from_860(ts)
        result = SetResult(ts, tuple(errors))
    if not (importable and result.accepted) and request.problem is None:
        request = _with_problem(request, f"the {request.document} (set {ts.control_number}) has "
                                         "syntax errors, see the 997; nothing was changed")
    return TakenChange(request, ts), result


def _from_850(ts: TransactionSet, order: Order850) -> ec.ChangeRequest:
    purpose = PURPOSES[order.purpose]
    lines = () if purpose is ec.Purpose.CANCEL else tuple(
        ec.LineAsk(line.line_no, "RZ", ec.Ask.QUANTITY, line.quantity, line.unit_price,
                   _text(line.uom), tuple((_text(q), _text(v)) for q, v in line.item_ids))
        for line in order.lines)
    return _request(ts, "850", purpose, order.purpose, order.po_number, order.release, lines)


def _from_860(ts: TransactionSet) -> tuple[ec.ChangeRequest, list[SegmentError]]:
    sections = split_sections(ts.segments, loop="POC")
    errors: list[SegmentError] = []
    bch = next(((pos, seg) for pos, seg in sections.header if seg[0] == "BCH"), None)
    if bch is None:
        errors.append(SegmentError("BCH", 2, MANDATORY_MISSING, "the 860 has no BCH"))
        bch = (2, ["BCH"])
    reader = SegmentReader(bch[1], bch[0])
    code = reader.required(1, "353") or ""
    po_number = reader.required(3, "324") or ""
    reader.required(6, "373")
    _add(errors, reader.error("BCH has missing or invalid elements"))
    lines = tuple(_line(loop[0][0], loop[0][1], errors) for loop in sections.lines)
    purpose = PURPOSES.get(code, ec.Purpose.CHANGE)
    request = _request(ts, "860", purpose, code, po_number, element(bch[1], 4), lines)
    if code not in PURPOSES:
        request = _with_problem(request, f"BCH01 purpose {_text(code)!r} is not taken: 01 "
                                         "cancellation, 04 change or 05 replace")
    elif purpose is not ec.Purpose.CANCEL and not lines:
        request = _with_problem(request, "the 860 changes no line (no POC)")
    return request, errors


def _line(position: int, poc: Segment, errors: list[SegmentError]) -> ec.LineAsk:
    reader = SegmentReader(poc, position)
    number = reader.integer(1, "350")
    code = reader.required(2, "670") or ""
    quantity = reader.integer(3, "330")
    price = reader.decimal(6, "212")
    _add(errors, reader.error(f"POC line {_text(element(poc, 1))} has element errors"))
    ids = tuple((_text(element(poc, at)), _text(element(poc, at + 1)))
                for at in range(8, len(poc) - 1, 2) if element(poc, at) and element(poc, at + 1))
    problem = _line_problem(poc, code, number)
    return ec.LineAsk(number, _text(code), ASKS.get(code, ec.Ask.PRICE), quantity, price,
                      _text(element(poc, 5)) or None, ids, problem)


def _line_problem(poc: Segment, code: str, number: int | None) -> str | None:
    if any(not value.isprintable() for value in poc):
        return "the line holds control characters (e.g. NUL)"
    if number is None:
        return f"POC01 {_text(element(poc, 1))!r} is not a line number"
    if code not in ASKS:
        return f"change type {_text(code)!r} is not taken: AI, CA, DI, QD, QI, PC or RZ"
    return None


def _request(ts: TransactionSet, document: str, purpose: ec.Purpose, code: str, po: str,
             release: str, lines: tuple[ec.LineAsk, ...]) -> ec.ChangeRequest:
    fault = ec.text_fault("PO number", po) or ec.text_fault("release number", release)
    return ec.ChangeRequest("x12", document, _text(ts.control_number), purpose, _text(code),
                            _text(po), _text(release, 35), lines, fault)


def _with_problem(request: ec.ChangeRequest, problem: str) -> ec.ChangeRequest:
    return replace(request, problem=problem)


def _text(value: str | None, limit: int = 100) -> str:
    return ec.printable(value or "", limit)


def _add(errors: list[SegmentError], error: SegmentError | None) -> None:
    if error is not None:
        errors.append(error)
