"""Standard Webhooks signatures (https://www.standardwebhooks.com): HMAC-SHA256 over
`<webhook-id>.<webhook-timestamp>.<body>`, sent as `webhook-id`, `webhook-timestamp` (Unix seconds)
and `webhook-signature` (space-separated `v1,<base64>` entries).

Verification accepts a signature made with any of the given secrets, so a secret can be rotated
(the new one signs, the previous one is still accepted until senders have switched), and refuses a
timestamp further than the tolerance from `now` in either direction (replays, skewed clocks).
"""

from __future__ import annotations

import base64
import binascii
import hmac
import math
import re
import secrets as random_bytes
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from standardwebhooks.webhooks import Webhook

from shipshape.domain.errors import ShipshapeError

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"
SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_S = 300.0
_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


class SignatureError(ShipshapeError):
    """A request's webhook signature could not be accepted."""


class SignatureMissing(SignatureError):
    """One or more of the three webhook headers is absent or empty."""


class SignatureInvalid(SignatureError):
    """No signature entry matches any of the secrets (or the headers are malformed)."""


class TimestampOutOfTolerance(SignatureError):
    """The signed timestamp is too far in the past or the future."""


def new_secret() -> str:
    """A fresh secret: `whsec_` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(random_bytes.token_bytes(32)).decode("ascii")


def validate_secret(secret: str) -> None:
    """ValueError unless `secret` is (optionally `whsec_`-prefixed) non-empty base64."""
    _webhook(secret)


def sign_headers(secret: str, msg_id: str, body: bytes, now: datetime) -> dict[str, str]:
    """The three headers that sign `body` (UTF-8) as message `msg_id` sent at `now` (aware)."""
    stamp = _unix_seconds(now)
    signature = _signature(_webhook(secret), msg_id, stamp, body.decode("utf-8"))
    return {HEADER_ID: msg_id, HEADER_TIMESTAMP: str(stamp),
            HEADER_SIGNATURE: "v1," + base64.b64encode(signature).decode("ascii")}


def verify(secrets: Sequence[str], headers: Mapping[str, str], body: bytes, now: datetime,
           tolerance_s: float = DEFAULT_TOLERANCE_S) -> str:
    """The `webhook-id` of a request signed with one of `secrets`; header names are matched
    without regard to case. Raises SignatureMissing, TimestampOutOfTolerance or SignatureInvalid."""
    msg_id, stamp_text, offered = _required_headers(headers)
    stamp = _parse_timestamp(stamp_text)
    _check_tolerance(stamp, now, tolerance_s)
    candidates = _offered_signatures(offered)
    try:
        data = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SignatureInvalid("the body is not UTF-8, so it cannot carry a signature") from error
    keys = [_webhook(secret) for secret in secrets if secret]
    if not keys:
        raise SignatureInvalid("no secret is configured to verify the signature with")
    for key in keys:
        expected = _signature(key, msg_id, stamp, data)
        if any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            return msg_id
    raise SignatureInvalid("no webhook-signature entry matches a configured secret")


def _webhook(secret: str) -> Webhook:
    encoded = secret.removeprefix(SECRET_PREFIX)
    problem = "a webhook secret must be 'whsec_' followed by non-empty base64"
    try:
        raw = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError(problem) from error
    if not raw:
        raise ValueError(problem)
    return Webhook(raw)


def _signature(key: Webhook, msg_id: str, stamp: int, data: str) -> bytes:
    versioned = key.sign(msg_id=msg_id, timestamp=datetime.fromtimestamp(stamp, UTC), data=data)
    return base64.b64decode(versioned.partition(",")[2])


def _unix_seconds(now: datetime) -> int:
    if now.tzinfo is None:
        raise ValueError("the signing time must be timezone-aware")
    return math.floor(now.timestamp())


def _required_headers(headers: Mapping[str, str]) -> tuple[str, str, str]:
    lowered = {name.lower(): value for name, value in headers.items()}
    values = [lowered.get(name, "").strip()
              for name in (HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE)]
    missing = [name for name, value in zip((HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE),
                                           values, strict=True) if not value]
    if missing:
        raise SignatureMissing(f"missing webhook header(s): {', '.join(missing)}")
    return values[0], values[1], values[2]


def _parse_timestamp(text: str) -> int:
    if not _UNIX_SECONDS.fullmatch(text):
        raise SignatureInvalid("webhook-timestamp must be whole Unix seconds")
    return int(text)


def _check_tolerance(stamp: int, now: datetime, tolerance_s: float) -> None:
    skew = stamp - _unix_seconds(now)
    if skew < -tolerance_s:
        raise TimestampOutOfTolerance(
            f"webhook-timestamp is {-skew} s older than now (tolerance {tolerance_s:g} s)")
    if skew > tolerance_s:
        raise TimestampOutOfTolerance(
            f"webhook-timestamp is {skew} s newer than now (tolerance {tolerance_s:g} s)")


def _offered_signatures(header: str) -> list[bytes]:
    """The decoded `v1` entries; entries of other versions or malformed ones are skipped."""
    found = []
    for entry in header.split():
        version, _, encoded = entry.partition(",")
        if version != "v1" or not encoded:
            continue
        try:
            found.append(base64.b64decode(encoded, validate=True))
        except (binascii.Error, ValueError):
            continue
    return found
