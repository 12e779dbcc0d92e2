"""850 purchase orders to canonical orders: what the engine receives from an X12 partner."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from shipshape.adapters.channels.x12 import (
    Order850,
    TransactionSet,
    orders_from_850,
    parse,
    validate,
)
from shipshape.domain.orders import OrderLine, ShipTo
from shipshape.domain.partners import TradingPartner

FIXTURES = Path(__file__).parents[1] / "fixtures" / "edi" / "x12"
RECEIVED = date(2026, 3, 2)
PARTNER = TradingPartner(id="xyz", customer_id="CUST-XYZ", isa_qualifier="12",
                         isa_id="4405197800", item_xref={"VN:AB3542": "WIDGET-S",
                                                         "VN:RD5322": "WIDGET-M"})


def sets(data: bytes | str) -> list[TransactionSet]:
    return [ts for ix in parse(data) for group in ix.groups for ts in group.transaction_sets]


def one_order(data: bytes | str, partner: TradingPartner = PARTNER) -> Order850:
    [ts] = sets(data)
    [order] = orders_from_850(ts, partner, RECEIVED)
    return order


def x12(*body: str) -> str:
    """A one-850 interchange around `body` segments, with right counts and control numbers."""
    isa = ("ISA*00*          *00*          *ZZ*BUYER          *ZZ*SHIPSHAPE      *260301*0930"
           "*U*00401*000000777*0*P*>")
    assert len(isa) == 105
    segments = [isa, "GS*PO*BUYER*SHIPSHAPE*20260301*0930*55*X*004010",
                "ST*850*0001", *body, f"SE*{len(body) + 2}*0001", "GE*1*55",
                "IEA*1*000000777"]
    return "~".join(segments) + "~"


def test_node_x12_850_maps_to_one_canonical_order() -> None:
    order = one_order((FIXTURES / "node-x12/850.edi").read_bytes())
    draft = order.draft

    assert (draft.channel, draft.customer_id) == ("edi", "CUST-XYZ")
    assert draft.external_id == "000003438-1421-000000010"
    assert draft.customer_po == "08292233294"
    assert draft.requested_ship_date == date(2010, 12, 14)
    assert draft.ship_to == ShipTo(name="XYZ RETAIL", line1="31875 SOLON RD", city="SOLON",
                                   region="OH", postal_code="44139", country="US")
    assert draft.lines == (
        OrderLine(1, "WIDGET-S", 120, Decimal("9.25"), "EA"),
        OrderLine(2, "WIDGET-M", 220, Decimal("13.79"), "EA"),
        OrderLine(3, "XY5266", 126, Decimal("10.99"), "EA"),
        OrderLine(4, "VX2332", 76, Decimal("4.35"), "EA"),
        OrderLine(5, "RV0524", 72, Decimal("7.5"), "EA"),
        OrderLine(6, "DX1875", 696, Decimal("9.55"), "EA"),
    )
    assert draft.value == Decimal("13045.94")
    assert order.lines[0].item_ids == (("CB", "065322-117"), ("PR", "RO"), ("VN", "AB3542"))
    assert (order.purpose, order.order_type, order.po_date) == ("00", "SA", date(2010, 11, 27))
    assert order.references == (("DP", "038"), ("PS", "R"))
    assert order.all_errors == ()


def test_the_same_order_sent_with_newline_terminators_maps_the_same() -> None:
    tilde = one_order((FIXTURES / "node-x12/850.edi").read_bytes())
    newline = one_order((FIXTURES / "node-x12/850_2.edi").read_bytes())

    assert newline.draft == tilde.draft


def test_a_line_without_po101_is_numbered_by_sequence() -> None:
    data = (FIXTURES / "node-x12/850_3.edi").read_bytes()
    assert [validate(ix) for ix in parse(data)] == [[]]
    order = one_order(data)

    assert order.draft.customer_po == "----------"
    assert order.draft.external_id == "010001398-10000774-8830"
    assert order.draft.ship_to == ShipTo("PETCO - CORPORATE", "9125 REHCO RD", "SAN DIEGO",
                                         "CA", "92121", "US")
    assert order.draft.requested_ship_date is None
    assert order.draft.lines == (OrderLine(1, "UNKNOWN", 1, Decimal("225"), "KI"),)
    assert order.lines[0].item_ids[0] == ("VN", "UNKNOWN")
    assert order.all_errors == ()


def test_edi_net_850_maps_ship_to_and_uses_the_xref() -> None:
    partner = TradingPartner(id="p", customer_id="C-9", item_xref={"VN:0054321": "BOOK-1"})
    data = (FIXTURES / "edi-net/x12.850.edi").read_bytes()
    # as published, IEA02 000000001 does not match ISA13 000000055: the order still maps
    assert [[e.code for e in validate(ix)] for ix in parse(data)] == [["001"]]
    order = one_order(data, partner)

    assert order.draft.customer_po == "1000012"
    assert order.draft.external_id == "000000055-2-0003"
    assert order.draft.ship_to == ShipTo("John Doe", "126 Any St", "Hauppauge", "NY",
                                         "11788-1234", "US")
    assert order.draft.lines == (OrderLine(1, "BOOK-1", 1, Decimal("19.95"), "EA"),)
    assert order.all_errors == ()


def test_the_partner_item_id_preference_decides_which_qualifier_maps() -> None:
    partner = TradingPartner(id="p", customer_id="C-2", item_id_preference=("BP",),
                             item_xref={"BP:A_QU001-BLK": "QUILT-BLK"})
    order = one_order((FIXTURES / "edi-net/x12.850a.edi").read_bytes(), partner)

    assert order.draft.customer_po == "4600000406"
    assert [(ln.line_no, ln.sku, ln.quantity, ln.unit_price, ln.uom)
            for ln in order.draft.lines] == [
        (100001, "QUILT-BLK", 2500, Decimal("2.53"), "YD"),
        (200001, "A_QF001-BLK", 2000, Decimal("3.41"), "YD"),
        (200002, "A_QF001-RED", 1000, Decimal("3.41"), "YD"),
    ]
    assert order.draft.ship_to == ShipTo("Transplace Laredo", "East Point Drive, Suite 500",
                                         "Laredo", "TX", "78045", "US")
    assert order.bill_to == ShipTo("Test Inc.", "5750 Mercury Dr.", "Dearborn", "MI", "48121",
                                   "US")
    assert [p.entity for p in order.parties] == ["ST", "Z7", "BT", "BY", "SU"]
    assert order.all_errors == ()


def test_an_unmapped_item_falls_back_to_its_first_product_id() -> None:
    [first, second] = sets((FIXTURES / "edi-net/x12.850.issue135.edi").read_bytes())

    [order] = orders_from_850(first, PARTNER, RECEIVED)

    assert order.purpose == "05"
    assert order.draft.customer_po == "740150"
    assert order.draft.lines[0] == OrderLine(10, "F07EXPLBA1818", 13200, None, "SF")
    assert len(order.draft.lines) == 10
    assert order.draft.requested_ship_date == date(2019, 3, 9)
    assert order.all_errors == ()
    [other] = orders_from_850(second, PARTNER, RECEIVED)
    assert (other.draft.customer_po, len(other.draft.lines)) == ("740151", 11)
    assert other.draft.external_id == order.draft.external_id == "000000001-1-0001"


SDQ_850 = x12(
    "BEG*00*SA*PO-77**20260301",
    "DTM*002*20260320",
    "DTM*010*20260315",
    "N1*ST*Main DC*92*DC1",
    "N3*1 Depot Rd",
    "N4*Memphis*TN*38118",
    "N1*Z7*Store One*92*0001",
    "N3*10 High St",
    "N4*Nashville*TN*37201*US",
    "PO1*1*30*EA*2.50*PE*UP*012345678905*VN*W-1",
    "SDQ*EA*92*0001*10*0002*20",
    "PO1*2*5*EA*1**VN*W-2",
    "PO1*3*4*CA*12**VN*W-3",
    "SDQ*CA*92*0002*4",
    "CTT*3",
)


def test_sdq_explodes_one_order_per_store() -> None:
    [ts] = sets(SDQ_850)

    base, one, two = orders_from_850(ts, PARTNER, RECEIVED)

    assert (base.store, one.store, two.store) == (None, "0001", "0002")
    assert base.draft.customer_po == "PO-77"
    assert base.draft.external_id == "000000777-55-0001"
    assert base.draft.ship_to == ShipTo("Main DC", "1 Depot Rd", "Memphis", "TN", "38118", "US")
    assert [(ln.line_no, ln.sku, ln.quantity) for ln in base.draft.lines] == [(2, "W-2", 5)]
    assert one.draft.customer_po == "PO-77-0001"
    assert one.draft.external_id == "000000777-55-0001-0001"
    assert one.draft.ship_to == ShipTo("Store One", "10 High St", "Nashville", "TN", "37201",
                                       "US")
    assert [(ln.line_no, ln.sku, ln.quantity) for ln in one.draft.lines] == [(1, "W-1", 10)]
    assert two.draft.ship_to == ShipTo(name="Store 0002")
    assert [(ln.line_no, ln.quantity, ln.uom) for ln in two.draft.lines] == [
        (1, 20, "EA"), (3, 4, "CA")]
    assert all(o.draft.requested_ship_date == date(2026, 3, 15) for o in (base, one, two))
    assert all(o.all_errors == () for o in (base, one, two))


def test_sdq_quantities_that_do_not_add_up_are_a_line_error() -> None:
    [ts] = sets(SDQ_850.replace("SDQ*EA*92*0001*10*0002*20", "SDQ*EA*92*0001*10*0002*25"))

    orders = orders_from_850(ts, PARTNER, RECEIVED)

    store_one = next(o for o in orders if o.store == "0001")
    [error] = store_one.lines[0].errors
    assert (error.segment_id, error.code) == ("SDQ", "8")
    assert "35" in error.message and "30" in error.message


def test_delivery_requested_is_used_when_no_ship_date_is_given() -> None:
    order = one_order(x12("BEG*00*SA*PO-1**20260301", "DTM*002*20260320",
                          "PO1*1*1*EA*1**VN*A"))

    assert order.draft.requested_ship_date == date(2026, 3, 20)


def test_ctt_line_count_must_match() -> None:
    order = one_order(x12("BEG*00*SA*PO-1**20260301", "PO1*1*1*EA*1**VN*A", "CTT*2"))

    [error] = order.errors
    assert (error.segment_id, error.position, error.code) == ("CTT", 4, "8")


def test_bad_numbers_are_element_errors_and_the_line_is_kept() -> None:
    order = one_order(x12("BEG*00*SA*PO-1**20260301", "PO1*1*1X*EA*9.9.9**VN*A"))

    assert order.draft.lines == (OrderLine(1, "A", None, None, "EA"),)
    [error] = order.lines[0].errors
    assert (error.segment_id, error.position, error.code) == ("PO1", 3, "8")
    assert [(e.position, e.reference, e.code, e.value) for e in error.elements] == [
        (2, "330", "6", "1X"), (4, "212", "6", "9.9.9")]


def test_a_missing_beg_is_a_mandatory_segment_error() -> None:
    order = one_order(x12("PO1*1*1*EA*1**VN*A"))

    assert order.draft.customer_po is None
    assert [(e.segment_id, e.code) for e in order.errors] == [("BEG", "3")]


def test_an_850_without_lines_is_an_error_not_an_empty_success() -> None:
    order = one_order(x12("BEG*00*SA*PO-1**20260301"))

    assert order.draft.lines == ()
    assert [(e.segment_id, e.code) for e in order.errors] == [("PO1", "3")]


def test_an_invalid_date_is_reported_with_its_value() -> None:
    order = one_order(x12("BEG*00*SA*PO-1**20261301", "PO1*1*1*EA*1**VN*A"))

    [error] = order.errors
    assert error.elements[0].code == "8" and error.elements[0].value == "20261301"
    assert order.po_date is None


def test_six_digit_dates_take_the_century_nearest_to_receipt() -> None:
    order = one_order(x12("BEG*00*NE*S1*1017760*040317", "PO1*1*150*EA***IN*02006"))

    assert order.po_date == date(2004, 3, 17)
    assert order.release == "1017760"
    assert order.draft.lines == (OrderLine(1, "02006", 150, None, "EA"),)


def test_only_850s_are_mapped() -> None:
    [ts] = sets((FIXTURES / "staedi/simple997.edi").read_bytes())

    with pytest.raises(ValueError, match="not an 850"):
        orders_from_850(ts, PARTNER, RECEIVED)


def test_the_synthetic_interchange_is_itself_clean() -> None:
    assert [validate(ix) for ix in parse(SDQ_850)] == [[]]


def test_a_release_against_a_blanket_carries_its_release_number() -> None:
    blanket, release, stand_alone = (one_order(x12(f"BEG*00*{kind}*BPO-7000*{release}*20260301",
                                                   "PO1*1*4*EA*9.25**VN*AB3542"))
                                     for kind, release in (("BK", ""), ("RL", "0001"),
                                                           ("SA", "")))

    assert (blanket.draft.customer_po, blanket.draft.release_number) == ("BPO-7000", None)
    assert (release.draft.customer_po, release.draft.release_number) == ("BPO-7000", "0001")
    assert (release.order_type, release.release) == ("RL", "0001")
    assert stand_alone.draft.release_number is None
    assert release.draft.content_hash() != blanket.draft.content_hash()


def test_a_release_number_longer_than_beg04_allows_is_an_element_error() -> None:
    order = one_order(x12(f"BEG*00*RL*BPO-7000*{'9' * 31}*20260301",
                          "PO1*1*4*EA*9.25**VN*AB3542"))

    [error] = order.errors
    assert (error.segment_id, error.code) == ("BEG", "8")
    assert [(e.position, e.reference, e.code) for e in error.elements] == [(4, "328", "5")]
