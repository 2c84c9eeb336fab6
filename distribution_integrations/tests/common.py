# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import io
import json
import time
from pathlib import Path

from odoo import Command
from odoo.tests import HttpCase, TransactionCase, new_test_user

from ..models.distribution_integration_endpoint import WebhookRejected, WebhookRequest
from ..tools import standard_webhooks

DATA = Path(__file__).resolve().parent.parent / "data"
ADMIN_GROUPS = "base.group_user,distribution_base.group_integration_admin"
MANAGER_GROUPS = "base.group_user,distribution_base.group_distribution_manager"


def sample(name):
    """The bytes of a sample payload from data/samples/."""
    return (DATA / "samples" / f"{name}.json").read_bytes()


def standard_headers(secret, body, msg_id="msg_test_1", timestamp=None):
    headers = standard_webhooks.sign_headers(secret, msg_id, body, timestamp=timestamp)
    headers["Content-Type"] = "application/json"
    return headers


class IntegrationMixin:
    """Users, a carrier and endpoints built for the test (no demo data)."""

    @classmethod
    def setup_integration(cls):
        cls.company = cls.env.company
        companies = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.integration_admin = new_test_user(
            cls.env, "dci_admin", groups=ADMIN_GROUPS, **companies
        )
        cls.dist_manager = new_test_user(cls.env, "dci_manager", groups=MANAGER_GROUPS, **companies)
        cls.Endpoint = cls.env["distribution.integration.endpoint"]
        cls.Event = cls.env["distribution.integration.event"]
        cls.carrier = cls.env["res.partner"].create({"name": "DCI Parcel Carrier"})
        cls.endpoint = cls.make_endpoint(name="DCI native tracking")

    @classmethod
    def make_endpoint(cls, **vals):
        values = {
            "name": "DCI endpoint",
            "partner_id": cls.carrier.id,
            "kind": "carrier_tracking",
            "payload_format": "native",
            "auth_scheme": "standard_webhooks",
            "user_id": cls.integration_admin.id,
            **vals,
        }
        return cls.Endpoint.with_user(cls.integration_admin).create(values).sudo()

    @staticmethod
    def tracking_body(event_id="evt_1", status="in_transit", tracking_number="TRK-1", **data):
        return json.dumps(
            {
                "id": event_id,
                "type": "tracking.updated",
                "timestamp": "2025-03-04T10:00:00Z",
                "data": {"tracking_number": tracking_number, "status": status, **data},
            }
        ).encode()

    @classmethod
    def receive(cls, endpoint, body, headers=None, method="POST", mimetype="application/json"):
        """Run the intake as the controller does; return (status, response body)."""
        stream = io.BytesIO(body)

        def read_body(limit):
            data = stream.read(limit + 1)
            if len(data) > limit:
                raise endpoint._too_large({"max_bytes": limit})
            return data

        headers = {key.lower(): value for key, value in (headers or {}).items()}
        request = WebhookRequest(method, mimetype, len(body), headers, read_body)
        try:
            return (
                endpoint.env["distribution.integration.endpoint"]
                .sudo()
                ._webhook_receive(endpoint.token, request)
            )
        except WebhookRejected as rejection:
            return rejection.status, {"status": "error", "error": rejection.code}

    @classmethod
    def receive_signed(cls, endpoint, body, msg_id="msg_test_1", timestamp=None):
        return cls.receive(
            endpoint, body, standard_headers(endpoint.secret, body, msg_id, timestamp)
        )


class IntegrationCase(IntegrationMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_integration()


class IntegrationHttpCase(IntegrationMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_integration()

    def post(self, endpoint_or_token, body, headers=None, method="POST"):
        token = getattr(endpoint_or_token, "token", endpoint_or_token)
        return self.opener.request(
            method,
            f"{self.base_url()}/distribution/webhooks/{token}",
            data=body,
            headers=headers if headers is not None else {"Content-Type": "application/json"},
            timeout=30,
        )

    def post_signed(self, endpoint, body, msg_id="msg_test_1", timestamp=None, secret=None):
        headers = standard_headers(secret or endpoint.secret, body, msg_id, timestamp)
        return self.post(endpoint, body, headers)

    @staticmethod
    def now():
        return int(time.time())
