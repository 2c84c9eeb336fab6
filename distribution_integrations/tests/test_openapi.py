# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The OpenAPI document in data/ and the controller describe the same API."""

import json
import re

import jsonschema

from odoo.tests import tagged

from ..controllers.main import OPENAPI_PATH, DistributionWebhookController
from ..tools.normalisers import normalise
from .common import DATA, IntegrationHttpCase, standard_headers

FORMAT_OF_SAMPLE = {
    "native": "native",
    "easypost": "easypost",
    "aftership": "aftership",
    "shippo": "shippo",
}
KIND_OF_SAMPLE = {
    "native_tracking_updated": "carrier_tracking",
    "native_purchase_order_acknowledged": "supplier_ack",
    "native_purchase_order_shipped": "ship_notice",
    "native_purchase_order_delayed": "supplier_delay",
}


def openapi_path(route):
    """/distribution/webhooks/<string:token> -> /distribution/webhooks/{token}"""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


@tagged("post_install", "-at_install")
class TestOpenApi(IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.document = json.loads(OPENAPI_PATH.read_text())
        cls.webhook_path = openapi_path(
            DistributionWebhookController.receive.original_routing["routes"][0]
        )

    def schema(self, ref_holder):
        """A JSON Schema for ``ref_holder`` that can follow the document's $refs."""
        return {**ref_holder, "components": self.document["components"]}

    def test_the_document_is_served_at_a_stable_route(self):
        route = DistributionWebhookController.openapi.original_routing["routes"][0]
        self.assertEqual(route, "/distribution/webhooks/openapi.json")
        response = self.url_open(route)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), self.document)
        self.assertEqual(self.document["openapi"], "3.0.3")
        self.assertIn(route, self.document["paths"])

    def test_every_answer_of_the_controller_is_documented(self):
        operations = self.document["paths"][self.webhook_path]
        limited = self.make_endpoint(name="DCI limited", rate_limit=1, max_body_kb=1)
        body = self.tracking_body("evt_doc_1")
        signed = standard_headers(self.endpoint.secret, body)
        cases = [
            ("post", self.post_signed(self.endpoint, body)),
            ("post", self.post_signed(self.endpoint, body)),  # duplicate
            ("post", self.post(self.endpoint, body)),  # missing headers
            ("post", self.post(self.endpoint, body, {**signed, "webhook-timestamp": "x"})),
            ("post", self.post_signed(self.endpoint, body, timestamp=self.now() - 3600)),
            ("post", self.post(self.endpoint, body, {**signed, "webhook-signature": "v1,AAAA"})),
            ("post", self.post("unknown-token", body)),
            ("post", self.post(self.endpoint, body, {**signed, "Content-Type": "text/plain"})),
            ("post", self.post(self.endpoint, b"{", standard_headers(self.endpoint.secret, b"{"))),
            (
                "post",
                self.post_signed(limited, self.tracking_body("evt_doc_2", message="x" * 2000)),
            ),
            ("post", self.post_signed(limited, self.tracking_body("evt_doc_3"))),
            ("post", self.post_signed(limited, self.tracking_body("evt_doc_4"))),  # rate limited
        ]
        bearer = self.make_endpoint(name="DCI bearer doc", auth_scheme="bearer")
        cases.append(("post", self.post(bearer, body)))  # missing signature
        for method in ("get", "put", "patch", "delete"):
            cases.append((method, self.post(self.endpoint, body, method=method.upper())))

        seen_statuses, seen_errors = set(), set()
        for method, response in cases:
            with self.subTest(method=method, status=response.status_code):
                documented = operations[method]["responses"]
                status = str(response.status_code)
                self.assertIn(status, documented, f"{method} answered {status}: {response.text}")
                schema = documented[status]["content"]["application/json"]["schema"]
                jsonschema.validate(response.json(), self.schema(schema))
                for header in documented[status].get("headers", {}):
                    self.assertIn(header, response.headers)
                seen_statuses.add((method, status))
                if "error" in response.json():
                    seen_errors.add(response.json()["error"])
        # and everything documented was seen
        documented = {
            (method, status)
            for method, operation in operations.items()
            if method in ("get", "put", "patch", "delete", "post")
            for status in operation["responses"]
        }
        self.assertEqual(seen_statuses, documented)
        error_codes = self.document["components"]["schemas"]["Error"]["properties"]["error"]["enum"]
        self.assertEqual(seen_errors, set(error_codes))

    def test_documented_headers_are_the_ones_the_intake_reads(self):
        from ..tools import signatures, standard_webhooks

        documented = {
            parameter["name"].lower()
            for parameter in self.document["paths"][self.webhook_path]["post"]["parameters"]
        }
        self.assertEqual(
            documented,
            {
                standard_webhooks.HEADER_ID,
                standard_webhooks.HEADER_TIMESTAMP,
                standard_webhooks.HEADER_SIGNATURE,
                signatures.EASYPOST_HEADER,
                signatures.AFTERSHIP_HEADER,
            },
        )
        schemes = self.document["components"]["securitySchemes"]
        self.assertEqual(schemes["bearerToken"]["scheme"], "bearer")

    def test_examples_are_the_sample_payloads_and_are_accepted(self):
        content = self.document["paths"][self.webhook_path]["post"]["requestBody"]["content"]
        examples = content["application/json"]["examples"]
        samples = {
            path.stem: json.loads(path.read_text()) for path in (DATA / "samples").glob("*.json")
        }
        self.assertEqual({name: example["value"] for name, example in examples.items()}, samples)
        request_schema = self.schema(content["application/json"]["schema"])
        for name, payload in samples.items():
            with self.subTest(name):
                jsonschema.validate(payload, request_schema)
                fmt = FORMAT_OF_SAMPLE[name.split("_", 1)[0]]
                event = normalise(fmt, payload, KIND_OF_SAMPLE.get(name, "carrier_tracking"))
                self.assertNotIn("ignored", event)
        # what the schema refuses, the intake refuses too
        with self.assertRaises(jsonschema.ValidationError):
            jsonschema.validate(
                {"type": "tracking.updated", "data": {"status": "delivered"}}, request_schema
            )
