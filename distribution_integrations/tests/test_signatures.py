# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The carriers' own schemes: EasyPost, AfterShip, bearer token."""

import base64
import unicodedata

from odoo.tests import BaseCase, tagged

from ..tools.signatures import (
    SignatureError,
    aftership_signature,
    easypost_signature,
    verify_aftership,
    verify_bearer,
    verify_easypost,
)

# RFC 4231, test case 2: HMAC-SHA256 with key "Jefe"
RFC4231_KEY = "Jefe"
RFC4231_DATA = b"what do ya want for nothing?"
RFC4231_HEX = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
BODY = b'{"id":"evt_1","description":"tracker.updated","result":{"tracking_code":"EZ1"}}'


@tagged("post_install", "-at_install")
class TestCarrierSignatures(BaseCase):
    def assertRefused(self, code, check, *args):
        with self.assertRaises(SignatureError) as refused:
            check(*args)
        self.assertEqual(refused.exception.code, code)

    # ------------------------------------------------------------------ EasyPost

    def test_easypost_signature_is_the_prefixed_hex_hmac_of_the_body(self):
        self.assertEqual(
            easypost_signature(RFC4231_KEY, RFC4231_DATA), f"hmac-sha256-hex={RFC4231_HEX}"
        )

    def test_easypost_secret_is_nfkd_normalised(self):
        composed, decomposed = "s\u00e9cret", unicodedata.normalize("NFKD", "s\u00e9cret")
        self.assertNotEqual(composed, decomposed)
        signature = easypost_signature(composed, BODY)
        self.assertEqual(signature, easypost_signature(decomposed, BODY))
        verify_easypost([decomposed], {"x-hmac-signature": signature}, BODY)

    def test_easypost_verification(self):
        signature = easypost_signature("ep-secret", BODY)
        verify_easypost(["ep-secret"], {"x-hmac-signature": signature}, BODY)
        # hex digits in upper case are the same signature
        upper = "hmac-sha256-hex=" + signature.split("=", 1)[1].upper()
        verify_easypost(["ep-secret"], {"x-hmac-signature": upper}, BODY)
        # during a rotation the previous secret still verifies
        verify_easypost(["new-secret", "ep-secret"], {"x-hmac-signature": signature}, BODY)
        self.assertRefused("missing_signature", verify_easypost, ["ep-secret"], {}, BODY)
        self.assertRefused(
            "invalid_signature",
            verify_easypost,
            ["ep-secret"],
            {"x-hmac-signature": signature},
            BODY + b" ",
        )
        self.assertRefused(
            "invalid_signature",
            verify_easypost,
            ["other-secret"],
            {"x-hmac-signature": signature},
            BODY,
        )
        # the bare hex digest without EasyPost's prefix is not their scheme
        self.assertRefused(
            "invalid_signature",
            verify_easypost,
            ["ep-secret"],
            {"x-hmac-signature": signature.split("=", 1)[1]},
            BODY,
        )

    # ------------------------------------------------------------------ AfterShip

    def test_aftership_signature_is_the_base64_hmac_of_the_body(self):
        self.assertEqual(
            aftership_signature(RFC4231_KEY, RFC4231_DATA),
            base64.b64encode(bytes.fromhex(RFC4231_HEX)).decode(),
        )

    def test_aftership_verification(self):
        signature = aftership_signature("as-secret", BODY)
        verify_aftership(["as-secret"], {"aftership-hmac-sha256": signature}, BODY)
        self.assertRefused("missing_signature", verify_aftership, ["as-secret"], {}, BODY)
        self.assertRefused(
            "invalid_signature",
            verify_aftership,
            ["as-secret"],
            {"aftership-hmac-sha256": signature},
            BODY.replace(b"EZ1", b"EZ2"),
        )
        self.assertRefused(
            "invalid_signature",
            verify_aftership,
            [""],
            {"aftership-hmac-sha256": signature},
            BODY,
        )

    # ------------------------------------------------------------------ bearer

    def test_bearer_token(self):
        verify_bearer(["tok-123"], {"authorization": "Bearer tok-123"})
        verify_bearer(["tok-123"], {"authorization": "bearer tok-123"})
        self.assertRefused("missing_signature", verify_bearer, ["tok-123"], {})
        self.assertRefused(
            "missing_signature", verify_bearer, ["tok-123"], {"authorization": "Basic tok-123"}
        )
        self.assertRefused(
            "invalid_signature", verify_bearer, ["tok-123"], {"authorization": "Bearer tok-124"}
        )
        self.assertRefused("invalid_signature", verify_bearer, [], {"authorization": "Bearer x"})
