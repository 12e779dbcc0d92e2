"""Standard Webhooks signing and verification, with rotation and a tolerance window."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook

from shipshape.adapters.systems.signing import (
    SignatureInvalid,
    SignatureMissing,
    TimestampOutOfTolerance,
    new_secret,
    sign_headers,
    validate_secret,
    verify,
)
from shipshape.domain.errors import ShipshapeError

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
BODY = b'{"operation":"tender","payload":{"order":"SO-1"}}'


@pytest.fixture
def secret() -> str:
    return new_secret()


def test_new_secret_is_whsec_and_32_random_bytes() -> None:
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 32
    assert first != second


def test_headers_match_the_reference_library(secret: str) -> None:
    headers = sign_headers(secret, "msg_1", BODY, NOW)
    assert headers["webhook-id"] == "msg_1"
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    reference = Webhook(secret).sign("msg_1", NOW, BODY.decode())
    assert headers["webhook-signature"] == reference


def test_a_non_utc_clock_signs_the_same_instant(secret: str) -> None:
    elsewhere = NOW.astimezone(timezone(timedelta(hours=-5)))
    assert sign_headers(secret, "m", BODY, elsewhere) == sign_headers(secret, "m", BODY, NOW)


def test_valid_signature_returns_the_id(secret: str) -> None:
    headers = sign_headers(secret, "msg_1", BODY, NOW)
    assert verify([secret], headers, BODY, NOW) == "msg_1"


def test_header_names_are_case_insensitive(secret: str) -> None:
    headers = {name.upper(): value for name, value in sign_headers(secret, "m", BODY, NOW).items()}
    assert verify([secret], headers, BODY, NOW) == "m"


def test_rotation_accepts_the_previous_secret(secret: str) -> None:
    previous = new_secret()
    headers = sign_headers(previous, "m", BODY, NOW)
    assert verify([secret, previous], headers, BODY, NOW) == "m"
    with pytest.raises(SignatureInvalid):
        verify([secret], headers, BODY, NOW)


def test_any_of_several_signature_entries_may_match(secret: str) -> None:
    headers = sign_headers(secret, "m", BODY, NOW)
    other = sign_headers(new_secret(), "m", BODY, NOW)["webhook-signature"]
    headers["webhook-signature"] = f"v2,abc {other} {headers['webhook-signature']}"
    assert verify([secret], headers, BODY, NOW) == "m"


def test_tampered_body_is_refused(secret: str) -> None:
    headers = sign_headers(secret, "m", BODY, NOW)
    with pytest.raises(SignatureInvalid):
        verify([secret], headers, BODY.replace(b"SO-1", b"SO-2"), NOW)


def test_changed_id_is_refused(secret: str) -> None:
    headers = sign_headers(secret, "m", BODY, NOW)
    headers["webhook-id"] = "another"
    with pytest.raises(SignatureInvalid):
        verify([secret], headers, BODY, NOW)


def test_changed_timestamp_is_refused(secret: str) -> None:
    headers = sign_headers(secret, "m", BODY, NOW)
    headers["webhook-timestamp"] = str(int(NOW.timestamp()) + 1)
    with pytest.raises(SignatureInvalid):
        verify([secret], headers, BODY, NOW)


@pytest.mark.parametrize(("offset_s", "word"), [(-301, "older"), (301, "newer")])
def test_timestamps_outside_tolerance_are_refused(secret: str, offset_s: int, word: str) -> None:
    headers = sign_headers(secret, "m", BODY, NOW + timedelta(seconds=offset_s))
    with pytest.raises(TimestampOutOfTolerance, match=word):
        verify([secret], headers, BODY, NOW)


@pytest.mark.parametrize("offset_s", [-300, 300])
def test_timestamps_at_the_tolerance_edge_pass(secret: str, offset_s: int) -> None:
    headers = sign_headers(secret, "m", BODY, NOW + timedelta(seconds=offset_s))
    assert verify([secret], headers, BODY, NOW) == "m"


def test_tolerance_is_configurable(secret: str) -> None:
    headers = sign_headers(secret, "m", BODY, NOW - timedelta(seconds=20))
    with pytest.raises(TimestampOutOfTolerance):
        verify([secret], headers, BODY, NOW, tolerance_s=10)


@pytest.mark.parametrize("absent", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_missing_headers_are_reported_by_name(secret: str, absent: str) -> None:
    headers = sign_headers(secret, "m", BODY, NOW)
    del headers[absent]
    with pytest.raises(SignatureMissing, match=absent):
        verify([secret], headers, BODY, NOW)


def test_empty_header_counts_as_missing(secret: str) -> None:
    headers = {**sign_headers(secret, "m", BODY, NOW), "webhook-signature": "  "}
    with pytest.raises(SignatureMissing):
        verify([secret], headers, BODY, NOW)


@pytest.mark.parametrize("garbage", [
    "garbage", "v1", "v1,", "v1,!!!not-base64!!!", ",,,", "v1,abc,def", "v0," + "A" * 44,
    "v1,AAAA", "\u00e9\u00e9 v1,=",
])
def test_garbage_signature_headers_are_invalid_not_crashes(secret: str, garbage: str) -> None:
    headers = {**sign_headers(secret, "m", BODY, NOW), "webhook-signature": garbage}
    with pytest.raises(SignatureInvalid):
        verify([secret], headers, BODY, NOW)


@pytest.mark.parametrize("stamp", ["soon", "1.5e9", "-1", "nan", "99999999999999999999"])
def test_malformed_timestamps_are_invalid(secret: str, stamp: str) -> None:
    headers = {**sign_headers(secret, "m", BODY, NOW), "webhook-timestamp": stamp}
    with pytest.raises(SignatureInvalid):
        verify([secret], headers, BODY, NOW)


def test_a_body_that_is_not_utf8_is_invalid(secret: str) -> None:
    headers = sign_headers(secret, "m", BODY, NOW)
    with pytest.raises(SignatureInvalid):
        verify([secret], headers, b"\xff\xfe", NOW)


def test_no_secret_verifies_nothing(secret: str) -> None:
    headers = sign_headers(secret, "m", BODY, NOW)
    with pytest.raises(SignatureInvalid):
        verify(["", ""], headers, BODY, NOW)


def test_errors_are_shipshape_errors() -> None:
    for error in (SignatureMissing, SignatureInvalid, TimestampOutOfTolerance):
        assert issubclass(error, ShipshapeError)


@pytest.mark.parametrize("bad", ["", "whsec_", "whsec_!!!", "whsec_A"])
def test_bad_secrets_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="whsec_"):
        validate_secret(bad)


def test_naive_clock_is_refused(secret: str) -> None:
    with pytest.raises(ValueError, match="timezone"):
        sign_headers(secret, "m", BODY, NOW.replace(tzinfo=None))
