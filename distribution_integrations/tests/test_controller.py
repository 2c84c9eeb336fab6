# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The webhook route over real HTTP: every answer's status and body."""

import json
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..tools import signatures
from .common import IntegrationHttpCase, sample


@tagged("post_install", "-at_install")
class TestWebhookController(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.worker = cls.env.ref("distribution_integrations.ir_cron_integration_event_worker")

    def events(self, endpoint=None):
        return self.Event.search([("endpoint_id", "=", (endpoint or self.endpoint).id)])

    def triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.worker.id)])

    def assertError(self, response, status, code):
        self.assertEqual(response.status_code, status, response.text)
        self.assertEqual(response.headers["Content-Type"], "application/json; charset=utf-8")
        body = response.json()
        self.assertEqual((body["status"], body["error"]), ("error", code), body)
        self.assertTrue(body["message"])
        return body

    # ------------------------------------------------------------------ accepted

    def test_signed_event_is_stored_once_and_wakes_the_worker(self):
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.worker.id)]).unlink()
        body = self.tracking_body("evt_accept_1", tracking_number="TRK-ACCEPT")
        response = self.post_signed(self.endpoint, body)
        self.assertEqual(response.status_code, 202, response.text)
        answer = response.json()
        event = self.Event.browse(answer["id"])
        self.assertEqual(
            answer,
            {
                "status": "accepted",
                "duplicate": False,
                "id": event.id,
                "external_id": "evt_accept_1",
            },
        )
        self.assertEqual(event.endpoint_id, self.endpoint)
        self.assertEqual(event.company_id, self.endpoint.company_id)
        self.assertEqual(event.state, "received")
        self.assertEqual(event.raw_body, body.decode())
        self.assertEqual(event.event_type, "tracking.updated")
        self.assertEqual(event.reference, "TRK-ACCEPT")
        self.assertEqual(event.payload["tracking"]["status"], "in_transit")
        self.assertEqual(event.occurred_at, fields.Datetime.to_datetime("2025-03-04 10:00:00"))
        self.assertEqual(event.next_attempt_at, event.received_at, "due at once")
        self.assertEqual(self.triggers(), 1, "the worker is woken at once")
        response = self.post_signed(self.endpoint, self.tracking_body("evt_accept_2"))
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(self.triggers(), 1, "the waiting wake-up serves the next events too")
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.worker.id)]).unlink()
        response = self.post_signed(self.endpoint, self.tracking_body("evt_accept_3"))
        self.assertEqual(response.status_code, 202, response.text)
        self.assertEqual(self.triggers(), 1, "once the worker consumed it, an event wakes it again")

    def test_duplicate_answers_200_and_changes_nothing(self):
        body = self.tracking_body("evt_dup_1")
        first = self.post_signed(self.endpoint, body, msg_id="msg_a").json()
        event = self.Event.browse(first["id"])
        event.write({"state": "done"})
        triggers = self.triggers()
        # the partner retries with a new attempt timestamp, and even with another body
        for again in (body, self.tracking_body("evt_dup_1", status="delivered")):
            response = self.post_signed(self.endpoint, again, msg_id="msg_b")
            self.assertEqual(response.status_code, 200, response.text)
            self.assertEqual(
                response.json(),
                {
                    "status": "duplicate",
                    "duplicate": True,
                    "id": event.id,
                    "external_id": "evt_dup_1",
                },
            )
        self.assertEqual(self.events(), event)
        self.assertEqual(event.state, "done")
        self.assertEqual(event.raw_body, body.decode())
        self.assertEqual(self.triggers(), triggers, "a duplicate does not wake the worker")

    def test_same_external_id_on_two_endpoints_are_two_events(self):
        other = self.make_endpoint(name="DCI second carrier")
        body = self.tracking_body("evt_shared")
        self.assertEqual(self.post_signed(self.endpoint, body).status_code, 202)
        self.assertEqual(self.post_signed(other, body).status_code, 202)
        self.assertEqual(len(self.events()), 1)
        self.assertEqual(len(self.events(other)), 1)

    def test_carrier_formats_with_their_signatures(self):
        easypost = self.make_endpoint(
            name="DCI EasyPost", payload_format="easypost", auth_scheme="easypost_hmac"
        )
        aftership = self.make_endpoint(
            name="DCI AfterShip",
            payload_format="aftership",
            auth_scheme="aftership_hmac",
            secret="aftership-issued-secret",
        )
        shippo = self.make_endpoint(
            name="DCI Shippo", payload_format="shippo", auth_scheme="url_token"
        )
        bearer = self.make_endpoint(name="DCI bearer", auth_scheme="bearer")
        cases = [
            (
                easypost,
                sample("easypost_tracker_updated"),
                lambda body: {
                    "X-Hmac-Signature": signatures.easypost_signature(easypost.secret, body)
                },
            ),
            (
                aftership,
                sample("aftership_tracking_update"),
                lambda body: {
                    "aftership-hmac-sha256": signatures.aftership_signature(
                        "aftership-issued-secret", body
                    )
                },
            ),
            (shippo, sample("shippo_track_updated"), lambda body: {}),
            (
                bearer,
                self.tracking_body("evt_bearer"),
                lambda body: {"Authorization": f"Bearer {bearer.secret}"},
            ),
        ]
        for endpoint, body, sign in cases:
            with self.subTest(endpoint=endpoint.name):
                headers = {"Content-Type": "application/json", **sign(body)}
                response = self.post(endpoint, body, headers)
                self.assertEqual(response.status_code, 202, response.text)
                event = self.Event.browse(response.json()["id"])
                self.assertEqual(event.endpoint_id, endpoint)
                self.assertEqual(event.event_type, "tracking.updated")
                # the same delivery again is a duplicate, for formats with and without an id
                self.assertEqual(self.post(endpoint, body, headers).status_code, 200)
                if endpoint.auth_scheme in ("easypost_hmac", "aftership_hmac"):
                    # the signature covers the body: a changed byte is refused
                    tampered = body.replace(b'"', b' "', 1)
                    self.assertError(
                        self.post(endpoint, tampered, headers), 401, "invalid_signature"
                    )
                if endpoint.auth_scheme == "bearer":
                    wrong = {**headers, "Authorization": "Bearer not-the-token"}
                    self.assertError(self.post(endpoint, body, wrong), 401, "invalid_signature")
                if endpoint.auth_scheme != "url_token":
                    self.assertError(
                        self.post(endpoint, body, {"Content-Type": "application/json"}),
                        401,
                        "missing_signature",
                    )

    # ------------------------------------------------------------------ refused

    def test_missing_or_bad_signature_is_401_without_leaking_the_secret(self):
        body = self.tracking_body("evt_401")
        cases = {
            "missing_headers": {"Content-Type": "application/json"},
            "invalid_signature": {
                **self.standard_headers_for(body),
                "webhook-signature": "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
            },
            "invalid_timestamp": {**self.standard_headers_for(body), "webhook-timestamp": "soon"},
        }
        for code, headers in cases.items():
            with self.subTest(code=code):
                answer = self.assertError(self.post(self.endpoint, body, headers), 401, code)
                self.assertNotIn(self.endpoint.secret, json.dumps(answer))
                self.assertNotIn(self.endpoint.secret.removeprefix("whsec_"), json.dumps(answer))
        wrong_secret = self.post_signed(self.endpoint, body, secret="whsec_" + "A" * 43 + "=")
        self.assertError(wrong_secret, 401, "invalid_signature")
        self.assertFalse(self.events())

    def standard_headers_for(self, body):
        from .common import standard_headers

        return standard_headers(self.endpoint.secret, body)

    def test_timestamp_outside_the_tolerance_is_refused_as_a_replay(self):
        body = self.tracking_body("evt_replay")
        for offset in (-310, 310):  # 10 s of margin for the clock moving during the request
            with self.subTest(offset=offset):
                response = self.post_signed(self.endpoint, body, timestamp=self.now() + offset)
                self.assertError(response, 401, "timestamp_out_of_tolerance")
        self.endpoint.timestamp_tolerance = 600
        self.assertEqual(
            self.post_signed(self.endpoint, body, timestamp=self.now() - 400).status_code, 202
        )

    def test_rotated_secret_is_accepted_during_the_window_only(self):
        old_secret = self.endpoint.secret
        self.endpoint.with_user(self.integration_admin).action_rotate_secret()
        self.assertNotEqual(self.endpoint.secret, old_secret)
        self.assertEqual(self.endpoint.previous_secret, old_secret)
        self.assertEqual(
            self.post_signed(
                self.endpoint, self.tracking_body("evt_rot_1"), secret=old_secret
            ).status_code,
            202,
        )
        self.assertEqual(
            self.post_signed(self.endpoint, self.tracking_body("evt_rot_2")).status_code, 202
        )
        self.endpoint.previous_secret_expires_at = fields.Datetime.now() - timedelta(seconds=1)
        response = self.post_signed(
            self.endpoint, self.tracking_body("evt_rot_3"), secret=old_secret
        )
        self.assertError(response, 401, "invalid_signature")

    def test_unknown_or_inactive_endpoint_is_404(self):
        body = self.tracking_body("evt_404")
        self.assertError(self.post("no-such-token", body), 404, "unknown_endpoint")
        headers = self.standard_headers_for(body)
        self.endpoint.active = False
        self.assertError(self.post(self.endpoint, body, headers), 404, "unknown_endpoint")
        self.endpoint.active = True
        self.assertEqual(self.post(self.endpoint, body, headers).status_code, 202)

    def test_other_methods_are_405(self):
        for method in ("GET", "PUT", "PATCH", "DELETE"):
            with self.subTest(method=method):
                response = self.post(self.endpoint, b"{}", method=method)
                self.assertError(response, 405, "method_not_allowed")
                self.assertEqual(response.headers["Allow"], "POST")

    def test_body_over_the_limit_is_413(self):
        self.endpoint.max_body_kb = 1
        big = self.tracking_body("evt_big", message="x" * 2000)
        self.assertError(self.post_signed(self.endpoint, big), 413, "payload_too_large")

        def chunks():  # no Content-Length: the body is read up to the limit only
            yield big[:1000]
            yield big[1000:]

        headers = self.standard_headers_for(big)
        self.assertError(self.post(self.endpoint, chunks(), headers), 413, "payload_too_large")
        small = self.tracking_body("evt_small")
        self.assertEqual(self.post_signed(self.endpoint, small).status_code, 202)
        self.assertEqual(self.events().mapped("external_id"), ["evt_small"])

    def test_other_content_types_are_415(self):
        body = self.tracking_body("evt_415")
        for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
            with self.subTest(content_type=content_type):
                headers = {**self.standard_headers_for(body), "Content-Type": content_type}
                if content_type is None:
                    del headers["Content-Type"]
                self.assertError(
                    self.post(self.endpoint, body, headers), 415, "unsupported_media_type"
                )
        vendor = {**self.standard_headers_for(body), "Content-Type": "application/vnd.dc+json"}
        self.assertEqual(self.post(self.endpoint, body, vendor).status_code, 202)

    def test_malformed_bodies_are_400_never_500(self):
        bodies = {
            "not json": b"tracking updated",
            "not utf-8": b'{"type": "tracking.updated", "x": "\xff"}',
            "not an object": b"[1, 2, 3]",
            "NaN": b'{"type": "a.b", "data": {"x": NaN}}',
            "infinite": b'{"type": "a.b", "data": {"x": 1e999}}',
            "NUL escape": b'{"type": "tracking.updated", '
            b'"data": {"tracking_number": "T\\u0000", "status": "delivered"}}',
            "deep nesting": b'{"type": "a.b", "data": ' + b"[" * 100000 + b"]" * 100000 + b"}",
            "huge integer": b'{"type": "a.b", "data": {"x": ' + b"9" * 5000 + b"}}",
            "missing field": json.dumps(
                {"type": "tracking.updated", "data": {"status": "delivered"}}
            ).encode(),
            "wrong type": json.dumps(
                {
                    "type": "tracking.updated",
                    "data": {"tracking_number": ["T"], "status": "delivered"},
                }
            ).encode(),
            "empty": b"",
        }
        self.endpoint.max_body_kb = 1024
        for label, body in bodies.items():
            with self.subTest(label):
                response = self.post(self.endpoint, body, self.standard_headers_for(body))
                self.assertError(response, 400, "malformed")
        self.assertFalse(self.events())

    def test_over_the_rate_limit_is_429(self):
        self.endpoint.rate_limit = 2
        for number in (1, 2):
            response = self.post_signed(self.endpoint, self.tracking_body(f"evt_rate_{number}"))
            self.assertEqual(response.status_code, 202)
        response = self.post_signed(self.endpoint, self.tracking_body("evt_rate_3"))
        self.assertError(response, 429, "rate_limited")
        self.assertEqual(response.headers["Retry-After"], "60")
        self.assertEqual(len(self.events()), 2)
        # the limit is per endpoint
        other = self.make_endpoint(name="DCI other", rate_limit=2)
        self.assertEqual(self.post_signed(other, self.tracking_body("evt_rate_3")).status_code, 202)
        # events older than a minute do not count
        self.events().write({"received_at": fields.Datetime.now() - timedelta(minutes=2)})
        self.assertEqual(
            self.post_signed(self.endpoint, self.tracking_body("evt_rate_3")).status_code, 202
        )
