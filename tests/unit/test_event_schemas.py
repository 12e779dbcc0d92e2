"""The schemas of the events other systems send: one per inbound type, strict about types."""

from __future__ import annotations

import pytest

from shipshape.domain.event_schemas import SCHEMAS, InvalidEventData, check_event_data
from shipshape.domain.integration import INBOUND_EVENTS


def test_every_inbound_event_type_has_a_schema() -> None:
    assert set(SCHEMAS) == set(INBOUND_EVENTS)


@pytest.mark.parametrize("amount", ["120.00", 120, 0.5, "99999999999999.999999"])
def test_amounts_the_store_can_keep_are_read(amount: object) -> None:
    check_event_data("payment_received", {"invoice_id": "inv-1", "amount": amount})


@pytest.mark.parametrize("amount", ["0", -1, "1e400", "Infinity", "100000000000000",
                                    "0.0000001", "12,50", "", False, None, [], {}])
def test_amounts_out_of_range_or_not_numbers_are_refused(amount: object) -> None:
    with pytest.raises(InvalidEventData, match=r"payment_received: data\.amount"):
        check_event_data("payment_received", {"invoice_id": "inv-1", "amount": amount})


def test_a_problem_inside_a_list_names_the_element() -> None:
    lines = [{"line_no": 1, "quantity": 2}, {"line_no": 2, "quantity": True}]
    with pytest.raises(InvalidEventData, match=r"data\.lines\[1\]\.quantity must be a whole"):
        check_event_data("pick_confirmed", {"order_id": "O-1", "site": "DAL", "lines": lines})


def test_fields_a_type_does_not_name_are_kept_unread() -> None:
    check_event_data("order_acknowledged", {"order_id": "O-1", "erp_order": "E-7"})


def test_an_optional_field_may_be_null_but_a_required_one_may_not() -> None:
    check_event_data("credit_status_changed", {"customer_id": "C1", "on_hold": False,
                                               "credit_limit": None})
    with pytest.raises(InvalidEventData, match="on_hold must be true or false, got null"):
        check_event_data("credit_status_changed", {"customer_id": "C1", "on_hold": None})
