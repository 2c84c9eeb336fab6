# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Standard Webhooks (https://www.standardwebhooks.com) symmetric signatures, both directions.

Pure Python with no Odoo import: the inbound controller verifies with :func:`verify`, the
outbound sender signs with :func:`sign_headers`, and anyone can reuse the file as it is.

The signed content is ``{webhook-id}.{webhook-timestamp}.{raw body}``; the signature is
HMAC-SHA256 under the secret (``whsec_`` + base64 of the key bytes), sent base64-encoded as
``v1,<signature>``. The ``webhook-signature`` header may carry several space-separated
signatures (one per secret during a rotation); one valid ``v1`` signature is enough.
"""

import base64
import binascii
import hashlib
import hmac
import secrets as _secrets
import time

SECRET_PREFIX = "whsec_"
SIGNATURE_VERSION = "v1"
DEFAULT_TOLERANCE = 300  # seconds, as the specification recommends
HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"


class WebhookVerificationError(Exception):
    """The request is not a valid Standard Webhooks message.

    ``code`` says why, for an honest answer to the sender: ``missing_headers``,
    ``invalid_timestamp``, ``timestamp_out_of_tolerance`` or ``invalid_signature``.
    The message never contains a secret or an expected signature.
    """

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def generate_secret(nbytes=32):
    """A new random signing secret, serialized as the specification says (``whsec_...``)."""
    return SECRET_PREFIX + base64.b64encode(_secrets.token_bytes(nbytes)).decode()


def decode_secret(secret):
    """The key bytes of a ``whsec_`` secret (the prefix is optional)."""
    if not secret:
        raise ValueError("empty webhook secret")
    value = secret.strip()
    if value.startswith(SECRET_PREFIX):
        value = value[len(SECRET_PREFIX) :]
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise ValueError("a Standard Webhooks secret is base64 after the whsec_ prefix") from error


def _to_bytes(body):
    return body.encode() if isinstance(body, str) else bytes(body)


def signature(secret, msg_id, timestamp, body):
    """The base64 HMAC-SHA256 of ``{msg_id}.{timestamp}.{body}`` under ``secret``."""
    key = secret if isinstance(secret, bytes) else decode_secret(secret)
    content = f"{msg_id}.{int(timestamp)}.".encode() + _to_bytes(body)
    return base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def sign(secret, msg_id, timestamp, body):
    """The ``webhook-signature`` value for one secret: ``v1,<base64>``."""
    return f"{SIGNATURE_VERSION},{signature(secret, msg_id, timestamp, body)}"


def sign_headers(secrets, msg_id, body, timestamp=None):
    """The three headers of a signed message, signed with every secret given.

    :param secrets: one secret, or several (the current and the previous one during a
        rotation): the receiver accepts the message when any of them is its own.
    :param timestamp: unix seconds of this attempt (default: now); the id stays the same across
        retries, the timestamp does not.
    """
    if isinstance(secrets, str | bytes):
        secrets = [secrets]
    timestamp = int(time.time() if timestamp is None else timestamp)
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: " ".join(sign(s, msg_id, timestamp, body) for s in secrets if s),
    }


def verify(secrets, headers, body, tolerance=DEFAULT_TOLERANCE, now=None):
    """Check a received message; return ``(webhook-id, timestamp)`` or raise.

    :param secrets: the secrets currently accepted for this sender (current, previous).
    :param headers: a mapping with case-insensitive ``get`` (werkzeug headers), or a dict
        with lower-case keys.
    :param body: the raw request body, exactly as received.
    :param tolerance: the accepted distance in seconds between the message timestamp and now,
        in either direction; ``None`` skips the check.
    :raises WebhookVerificationError: with a ``code`` naming the reason.
    """
    msg_id = headers.get(HEADER_ID)
    raw_timestamp = headers.get(HEADER_TIMESTAMP)
    raw_signatures = headers.get(HEADER_SIGNATURE)
    if not (msg_id and raw_timestamp and raw_signatures):
        raise WebhookVerificationError(
            "missing_headers",
            "webhook-id, webhook-timestamp and webhook-signature headers are required",
        )
    try:
        timestamp = int(raw_timestamp)
    except ValueError as error:
        raise WebhookVerificationError(
            "invalid_timestamp", "webhook-timestamp must be an integer number of seconds"
        ) from error
    if tolerance is not None:
        now = time.time() if now is None else now
        if abs(now - timestamp) > tolerance:
            raise WebhookVerificationError(
                "timestamp_out_of_tolerance",
                f"webhook-timestamp is more than {int(tolerance)} seconds away from the "
                "receiver's clock",
            )
    offered = [
        value.encode()
        for version, _comma, value in (item.partition(",") for item in raw_signatures.split())
        if version == SIGNATURE_VERSION and value
    ]
    for secret in secrets:
        try:
            expected = signature(secret, msg_id, timestamp, body).encode()
        except ValueError:  # an empty or malformed secret accepts nothing
            continue
        # compare against every offered signature: no early exit on the secret that matched
        if any(hmac.compare_digest(expected, candidate) for candidate in offered):
            return msg_id, timestamp
    raise WebhookVerificationError("invalid_signature", "no valid v1 signature for this message")
