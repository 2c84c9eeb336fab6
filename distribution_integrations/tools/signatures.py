# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The partners' own authentication schemes, checked on the raw request body.

Pure Python, like :mod:`.standard_webhooks`. Each ``verify_*`` returns nothing when one of the
accepted secrets authenticates the request and raises :class:`SignatureError` otherwise; the
message never contains a secret or an expected value.

- EasyPost: ``X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256 of the body>``, the secret
  NFKD-normalised and UTF-8 encoded, as EasyPost's client libraries compute it.
- AfterShip: ``aftership-hmac-sha256: <base64 HMAC-SHA256 of the body>``.
- Bearer token: ``Authorization: Bearer <token>``.
"""

import base64
import hashlib
import hmac
import unicodedata

EASYPOST_HEADER = "x-hmac-signature"
EASYPOST_PREFIX = "hmac-sha256-hex="
AFTERSHIP_HEADER = "aftership-hmac-sha256"
AUTHORIZATION_HEADER = "authorization"


class SignatureError(Exception):
    """``code`` is ``missing_signature`` or ``invalid_signature``."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def _hmac_sha256(secret, body):
    key = unicodedata.normalize("NFKD", secret).encode()
    return hmac.new(key, bytes(body), hashlib.sha256).digest()


def easypost_signature(secret, body):
    return EASYPOST_PREFIX + _hmac_sha256(secret, body).hex()


def aftership_signature(secret, body):
    return base64.b64encode(_hmac_sha256(secret, body)).decode()


def _check(offered, expected_values, header):
    if not offered:
        raise SignatureError("missing_signature", f"the {header} header is required")
    offered = offered.strip().encode()
    if not any(hmac.compare_digest(offered, value.encode()) for value in expected_values):
        raise SignatureError("invalid_signature", f"the {header} header does not match")


def verify_easypost(secrets, headers, body):
    offered = headers.get(EASYPOST_HEADER) or ""
    # hex digits are case-insensitive; the prefix is not
    if offered.startswith(EASYPOST_PREFIX):
        offered = EASYPOST_PREFIX + offered[len(EASYPOST_PREFIX) :].lower()
    _check(offered, [easypost_signature(s, body) for s in secrets if s], "X-Hmac-Signature")


def verify_aftership(secrets, headers, body):
    _check(
        headers.get(AFTERSHIP_HEADER),
        [aftership_signature(s, body) for s in secrets if s],
        "aftership-hmac-sha256",
    )


def verify_bearer(secrets, headers, body=None):
    scheme, _space, token = (headers.get(AUTHORIZATION_HEADER) or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise SignatureError("missing_signature", "an Authorization: Bearer header is required")
    _check(token, [s for s in secrets if s], "Authorization")
