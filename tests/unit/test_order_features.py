"""The capture-time features of an order (ml/order_features.py): one row per order from what
capture loaded and the history aggregates, named and typed as ORDER_FEATURES."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from shipshape.domain.controls import OrderContext
from shipshape.domain.masterdata import Customer, Item
from shipshape.domain.orders import OrderDraft, OrderLine, ShipTo
from shipshape.domain.risk import CarrierHistory, CustomerHistory
from shipshape.ml.order_features import ORDER_FEATURES, STORE_MAPPING, order_features
from shipshape.ml.store_history import store_mapping
from shipshape.services.ports.risk import RiskFacts

TODAY = date(2026, 6, 1)


def context(**draft: object) -> OrderContext:
    values: dict[str, object] = {
        "channel": "edi", "external_id": "E-1", "customer_id": "C1", "customer_po": "PO-1",
        "requested_ship_date": TODAY + timedelta(days=3), "ship_to": ShipTo(country="US"),
        "carrier_service": "UPS:GND",
        "lines": (OrderLine(1, "SKU1", 4, Decimal("10.00"), "EA"),
                  OrderLine(2, "SKU2", 6, Decimal("2.50"), "EA"),
                  OrderLine(3, "SKU1", 2, Decimal("10.00"), "EA"))}
    values.update(draft)
    items = {"SKU1": Item("SKU1", "Acid", hazmat=True),
             "SKU2": Item("SKU2", "Pills", lot_controlled=True)}
    return OrderContext(draft=OrderDraft(**values),  # type: ignore[arg-type]
                        today=TODAY, customer=Customer("C1", "Acme", segment="wholesale",
                                                       priority="strategic"),
                        items=items, prices={}, carriers={})


FACTS = RiskFacts(CustomerHistory(orders=10, amended=2, cases=5, delivered=8, late=2),
                  CarrierHistory(tenders=20, failed=5, delivered=10, late=1),
                  {"SKU1": 3, "SKU2": 600})


def test_the_row_has_every_feature_and_nothing_else() -> None:
    row = order_features(context(), FACTS)
    assert list(row) == list(ORDER_FEATURES)
    assert set(ORDER_FEATURES.values()) == {"numeric", "categorical"}


def test_the_order_itself_lines_quantity_value_hazmat_lot_slack_coverage() -> None:
    row = order_features(context(), FACTS)
    assert (row["line_count"], row["total_quantity"], row["order_value"]) == (3.0, 12.0, 75.0)
    assert (row["hazmat"], row["lot_controlled"], row["slack_days"]) == (1.0, 1.0, 3.0)
    assert row["stock_coverage"] == 0.5  # SKU1: 3 available for 6 wanted over two lines
    assert (row["channel"], row["customer_segment"], row["customer_priority"],
            row["carrier_service"]) == ("edi", "wholesale", "strategic", "UPS:GND")


def test_the_history_customer_and_carrier_rates() -> None:
    row = order_features(context(), FACTS)
    assert (row["customer_orders"], row["customer_amend_rate"], row["customer_case_rate"],
            row["customer_late_rate"]) == (10.0, 0.2, 0.5, 0.25)
    assert (row["carrier_fail_rate"], row["carrier_late_rate"]) == (0.25, 0.1)


def test_what_is_not_known_is_none() -> None:
    row = order_features(context(requested_ship_date=None, carrier_service=None),
                         RiskFacts(CustomerHistory(), CarrierHistory(tenders=3), {}))
    assert row["slack_days"] is None and row["carrier_service"] is None
    assert row["carrier_fail_rate"] is None and row["customer_late_rate"] is None
    assert row["stock_coverage"] == 0.0 and row["customer_orders"] == 0.0


def test_the_store_mapping_names_the_history_columns() -> None:
    mapping = store_mapping()
    assert (mapping.id_column, mapping.time_column, mapping.label.column) == (
        "order_id", "created_at", "label")
    assert mapping.declared_kinds() == ORDER_FEATURES == STORE_MAPPING["features"]
