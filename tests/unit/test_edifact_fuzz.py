"""Whatever is done to a valid ORDERS interchange, only EdifactSyntaxError comes out."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shipshape.adapters.channels.edifact import (
    EdifactError,
    EdifactSyntaxError,
    build_contrl,
    is_orders,
    order_from_orders,
    parse_interchanges,
)
from shipshape.domain.partners import OurIdentity, TradingPartner

VALID = (Path(__file__).parents[1] / "fixtures" / "edi" / "edifact" / "shipshape"
         / "orders_two_messages.edi").read_bytes()
PARTNER = TradingPartner(id="P", customer_id="C")
PIECES = [b"'", b"+", b":", b"?", b"??", b"?'", b"\n", b"\r\n", b" ", b"\x00", b"\xff",
          b"UNA:+.? '", b"UNA", b"UNB+", b"UNG+", b"UNE+1+1'", b"UNH+9+ORDERS:D:96A:UN'",
          b"UNT+", b"UNZ+", b"LIN+", b"QTY+21:", b"PRI+AAA:", b"DTM+2:", b"9", b"-", b"."]

payloads = st.one_of(st.sampled_from(PIECES), st.binary(max_size=6))
mutation = st.tuples(st.sampled_from(["insert", "delete", "replace", "repeat"]),
                     st.integers(0, len(VALID)), st.integers(0, 24), payloads)


def mutate(data: bytes, steps: list[tuple[str, int, int, bytes]]) -> bytes:
    for kind, at, size, payload in steps:
        at = min(at, len(data))
        if kind == "insert":
            data = data[:at] + payload + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + size:]
        elif kind == "replace":
            data = data[:at] + payload + data[at + len(payload):]
        else:
            data = data[:at] + data[at:at + size] * 2 + data[at + size:]
    return data


def run_channel(data: bytes) -> None:
    """What the intake does: read, map clean ORDERS, answer with a CONTRL that reads back."""
    try:
        interchanges = parse_interchanges(data)
    except EdifactSyntaxError:
        return
    for interchange in interchanges:
        found: list[EdifactError] = []
        for message in interchange.messages:
            if message.errors or not is_orders(message):
                continue
            try:
                draft = order_from_orders(message, PARTNER, interchange.control_reference)
            except EdifactSyntaxError as exc:
                found.append(exc.error)
            else:
                assert draft.lines
        answer = build_contrl(interchange, found, "C1", OurIdentity())
        assert parse_interchanges(answer)[0].all_errors == ()


def test_the_valid_interchange_runs_clean() -> None:
    run_channel(VALID)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(mutation, min_size=1, max_size=4))
def test_mutated_interchanges_raise_only_edifact_syntax_errors(
        steps: list[tuple[str, int, int, bytes]]) -> None:
    run_channel(mutate(VALID, steps))


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_raise_only_edifact_syntax_errors(data: bytes) -> None:
    run_channel(data)
