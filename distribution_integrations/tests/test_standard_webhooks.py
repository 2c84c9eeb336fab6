# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The Standard Webhooks test vectors published with the specification's reference libraries
(standard-webhooks/standard-webhooks, libraries/*/tests), and our rotation use of them."""

import base64

from odoo.tests import BaseCase, tagged

from ..tools.standard_webhooks import (
    WebhookVerificationError,
    decode_secret,
    generate_secret,
    sign,
    sign_headers,
    verify,
)

# The published vector: secret, message id, timestamp, payload and expected signature.
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
TIMESTAMP = 1614265330
PAYLOAD = b'{"test": 2432232314}'
EXPECTED = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
# Signatures the reference tests use as "invalid".
INVALID_SIGNATURES = (
    "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=",
    "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
)
TOLERANCE = 300


def vector_headers(**overrides):
    headers = {
        "webhook-id": MSG_ID,
        "webhook-timestamp": str(TIMESTAMP),
        "webhook-signature": EXPECTED,
    }
    headers.update(overrides)
    return {key: value for key, value in headers.items() if value is not None}


@tagged("post_install", "-at_install")
class TestStandardWebhooksVectors(BaseCase):
    def assertRefused(self, code, headers, body=PAYLOAD, secret=SECRET, now=TIMESTAMP):
        with self.assertRaises(WebhookVerificationError) as refused:
            verify([secret], headers, body, tolerance=TOLERANCE, now=now)
        self.assertEqual(refused.exception.code, code)
        self.assertNotIn(secret.removeprefix("whsec_"), str(refused.exception))
        return refused.exception

    def test_sign_matches_the_published_signature(self):
        self.assertEqual(sign(SECRET, MSG_ID, TIMESTAMP, PAYLOAD), EXPECTED)
        self.assertEqual(sign(SECRET, MSG_ID, TIMESTAMP, PAYLOAD.decode()), EXPECTED)

    def test_valid_signature_verifies_with_and_without_the_prefix(self):
        for secret in (SECRET, SECRET.removeprefix("whsec_")):
            self.assertEqual(
                verify([secret], vector_headers(), PAYLOAD, tolerance=TOLERANCE, now=TIMESTAMP),
                (MSG_ID, TIMESTAMP),
            )

    def test_missing_headers_are_refused(self):
        for header in ("webhook-id", "webhook-timestamp", "webhook-signature"):
            with self.subTest(missing=header):
                self.assertRefused("missing_headers", vector_headers(**{header: None}))

    def test_non_numeric_timestamp_is_refused(self):
        self.assertRefused("invalid_timestamp", vector_headers(**{"webhook-timestamp": "hello"}))

    def test_published_invalid_signatures_are_refused(self):
        for signature in INVALID_SIGNATURES:
            with self.subTest(signature=signature):
                self.assertRefused(
                    "invalid_signature", vector_headers(**{"webhook-signature": signature})
                )

    def test_tampered_body_or_id_is_refused(self):
        self.assertRefused("invalid_signature", vector_headers(), body=b'{"test": 2432232315}')
        self.assertRefused("invalid_signature", vector_headers(**{"webhook-id": "msg_other"}))

    def test_timestamps_outside_the_tolerance_are_refused(self):
        # the reference tests sign "now - tolerance - 1 s" and "now + tolerance + 1 s"
        self.assertRefused("timestamp_out_of_tolerance", vector_headers(), now=TIMESTAMP + 301)
        self.assertRefused("timestamp_out_of_tolerance", vector_headers(), now=TIMESTAMP - 301)
        # at the edge of the window the message is still accepted
        for now in (TIMESTAMP + 300, TIMESTAMP - 300):
            verify([SECRET], vector_headers(), PAYLOAD, tolerance=TOLERANCE, now=now)

    def test_timestamp_check_can_be_skipped_but_not_the_signature(self):
        verify([SECRET], vector_headers(), PAYLOAD, tolerance=None, now=TIMESTAMP + 10**6)
        with self.assertRaises(WebhookVerificationError):
            verify(
                [SECRET],
                vector_headers(**{"webhook-timestamp": "946684800"}),
                PAYLOAD,
                tolerance=None,
            )

    def test_one_valid_signature_among_several_is_enough(self):
        signatures = " ".join(
            [
                "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
                "v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
                EXPECTED,
                "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            ]
        )
        verify(
            [SECRET],
            vector_headers(**{"webhook-signature": signatures}),
            PAYLOAD,
            tolerance=TOLERANCE,
            now=TIMESTAMP,
        )
        # a v2 signature with the right value is not a v1 signature
        self.assertRefused(
            "invalid_signature",
            vector_headers(**{"webhook-signature": "v2," + EXPECTED.split(",", 1)[1]}),
        )

    def test_rotation_signs_with_both_secrets_and_either_verifies(self):
        old, new = SECRET, generate_secret()
        headers = sign_headers([new, old], MSG_ID, PAYLOAD, timestamp=TIMESTAMP)
        self.assertEqual(len(headers["webhook-signature"].split()), 2)
        for secret in (old, new):
            verify([secret], headers, PAYLOAD, tolerance=TOLERANCE, now=TIMESTAMP)
        with self.assertRaises(WebhookVerificationError):
            verify([generate_secret()], headers, PAYLOAD, tolerance=TOLERANCE, now=TIMESTAMP)

    def test_generated_secrets_follow_the_serialization(self):
        secret = generate_secret()
        self.assertTrue(secret.startswith("whsec_"))
        self.assertEqual(len(decode_secret(secret)), 32)
        self.assertNotEqual(secret, generate_secret())
        with self.assertRaises(ValueError):
            decode_secret("whsec_not base64!")
        # a malformed configured secret accepts nothing, and does not crash the check
        with self.assertRaises(WebhookVerificationError):
            verify(["whsec_%%%"], vector_headers(), PAYLOAD, tolerance=TOLERANCE, now=TIMESTAMP)
        self.assertEqual(base64.b64decode(SECRET[6:]), decode_secret(SECRET))
