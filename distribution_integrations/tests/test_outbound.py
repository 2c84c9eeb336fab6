# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Outbound business events, delivered to a real HTTP server on loopback that verifies each
Standard Webhooks signature."""

import json
from datetime import timedelta
from unittest.mock import patch
from urllib.parse import urlparse

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged
from odoo.tests.common import _super_send

from ..models import distribution_integration_delivery as delivery_module
from .common import IntegrationCase
from .receiver import Receiver


class BusinessFailure(Exception):
    """The user's business transaction fails after it emitted an event."""


CRON = "distribution_integrations.ir_cron_integration_delivery_worker"


@tagged("post_install", "-at_install")
class TestOutbound(IntegrationCase):
    @classmethod
    def _request_handler(cls, session, prepared, /, **kwargs):
        # Odoo's test harness raises short timeouts to 10 s; the loopback subscriber needs the
        # subscription's own timeout
        if urlparse(prepared.url).hostname == "127.0.0.1":
            return _super_send(session, prepared, **kwargs)
        return super()._request_handler(session, prepared, **kwargs)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Subscription = cls.env["distribution.integration.subscription"]
        cls.Delivery = cls.env["distribution.integration.delivery"]
        cls.Outbox = cls.env["distribution.event"]
        cls.cron = cls.env.ref(CRON)
        # deliveries an existing database queues must not be sent by these tests
        cls.Delivery.search([("state", "in", ("pending", "failed", "sending"))]).write(
            {"state": "dead"}
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "DCI Outbound Customer", "company_id": cls.company.id}
        )

    def setUp(self):
        super().setUp()
        self.receiver = Receiver(secret=None).start()
        self.addCleanup(self.receiver.stop)
        self.subscription = self.make_subscription()
        self.receiver.secret = self.subscription.secret

    def make_subscription(self, **vals):
        values = {
            "name": "DCI n8n",
            "target_url": self.receiver.url,
            "event_types": "dci.order.*, dci.picking.late",
            **vals,
        }
        return self.Subscription.with_user(self.integration_admin).create(values).sudo()

    def emit(self, event_type="dci.order.confirmed", payload=None):
        return self.Outbox._emit(event_type, self.customer, payload=payload or {"amount": 120.5})

    def run_worker(self):
        return self.Delivery._cron_deliver(auto_commit=False)

    def deliveries(self, subscription=None):
        return self.Delivery.search(
            [("subscription_id", "=", (subscription or self.subscription).id)], order="id"
        )

    def make_due(self, deliveries):
        deliveries.write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})

    # ------------------------------------------------------------------ delivered

    def test_an_event_is_delivered_signed_after_the_business_transaction(self):
        self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]).unlink()
        event = self.emit()
        self.emit("dci.invoice.posted")  # not subscribed
        # the business transaction only wrote the outbox row and woke the worker
        self.assertEqual(self.receiver.received, [])
        self.assertFalse(self.deliveries())
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]),
            1,
            "one wake-up, for the subscribed event only",
        )
        self.run_worker()
        delivery = self.deliveries()
        self.assertEqual(len(delivery), 1)
        self.assertEqual(delivery.event_id, event)
        self.assertEqual((delivery.state, delivery.attempts), ("delivered", 1))
        self.assertEqual(delivery.last_status_code, 200)
        self.assertTrue(delivery.delivered_at)
        self.assertFalse(delivery.next_attempt_at)
        [request] = self.receiver.received
        self.assertTrue(request["verified"], "signed with the subscription's secret")
        self.assertEqual(request["webhook_id"], delivery.webhook_id)
        self.assertTrue(delivery.webhook_id.startswith("msg_"))
        body = json.loads(request["body"])
        self.assertEqual(body["type"], "dci.order.confirmed")
        self.assertEqual(body["data"]["event_id"], event.id)
        self.assertEqual(body["data"]["payload"], {"amount": 120.5})
        self.assertEqual(
            body["data"]["document"],
            {"model": "res.partner", "id": self.customer.id, "name": "DCI Outbound Customer"},
        )
        [attempt] = delivery.attempt_ids
        self.assertEqual((attempt.attempt, attempt.status_code), (1, 200))
        self.assertFalse(attempt.error)
        self.assertGreaterEqual(attempt.duration_ms, 0)
        self.assertIn('"ok"', attempt.response)
        # nothing is sent twice
        self.run_worker()
        self.assertEqual(len(self.receiver.received), 1)
        self.assertEqual(len(self.deliveries()), 1)

    def test_retried_after_a_server_error_with_the_same_webhook_id(self):
        self.receiver.statuses = [500]
        self.emit()
        before = fields.Datetime.now()
        self.run_worker()
        delivery = self.deliveries()
        self.assertEqual((delivery.state, delivery.attempts), ("failed", 1))
        self.assertEqual(delivery.last_status_code, 500)
        self.assertEqual(delivery.last_error, "HTTP 500")
        self.assertGreater(delivery.next_attempt_at, before, "backs off")
        # not due yet: not sent again
        self.run_worker()
        self.assertEqual(len(self.receiver.received), 1)
        self.make_due(delivery)
        self.run_worker()
        self.assertEqual((delivery.state, delivery.attempts), ("delivered", 2))
        first, second = self.receiver.received
        self.assertTrue(first["verified"] and second["verified"])
        self.assertEqual(first["webhook_id"], second["webhook_id"])
        self.assertEqual(first["webhook_id"], delivery.webhook_id)
        self.assertEqual(first["body"], second["body"], "the same message")
        self.assertEqual(delivery.attempt_ids.sorted("attempt").mapped("status_code"), [500, 200])

    def test_backoff_grows_with_jitter(self):
        delays = []
        self.patch(delivery_module, "retry_delay", lambda attempts: delays.append(attempts) or 90)
        self.receiver.statuses = [502]
        self.emit()
        now = fields.Datetime.now()
        self.run_worker()
        delivery = self.deliveries()
        self.assertEqual(delays, [1])
        self.assertAlmostEqual((delivery.next_attempt_at - now).total_seconds(), 90, delta=5)

    def test_a_timeout_counts_as_a_failed_attempt(self):
        self.subscription.timeout = 1
        self.receiver.delay = 3
        self.emit()
        self.run_worker()
        delivery = self.deliveries()
        self.assertEqual((delivery.state, delivery.attempts), ("failed", 1))
        self.assertIn("Timeout", delivery.last_error)
        self.assertEqual(delivery.last_status_code, 0)
        self.assertEqual(delivery.attempt_ids.error, delivery.last_error)
        self.assertEqual(len(self.receiver.received), 1)

    def test_an_unreachable_subscriber_is_retried(self):
        self.subscription.target_url = "http://127.0.0.1:9/unreachable"
        self.emit()
        self.run_worker()
        delivery = self.deliveries()
        self.assertEqual(delivery.state, "failed")
        self.assertIn("ConnectionError", delivery.last_error)

    def test_dead_after_the_last_attempt_then_replayed(self):
        self.subscription.max_attempts = 2
        self.receiver.statuses = [500, 503]
        self.emit()
        self.run_worker()
        delivery = self.deliveries()
        self.make_due(delivery)
        self.run_worker()
        self.assertEqual((delivery.state, delivery.attempts), ("dead", 2))
        self.assertFalse(delivery.next_attempt_at)
        self.assertEqual(delivery.last_status_code, 503)
        # dead: never sent again by the worker
        self.make_due(delivery)
        self.run_worker()
        self.assertEqual(len(self.receiver.received), 2)
        # replay: integration administrators only, same webhook-id, attempts from zero
        with self.assertRaises(AccessError):
            delivery.with_user(self.dist_manager).action_replay()
        delivery.with_user(self.integration_admin).action_replay()
        self.assertEqual((delivery.state, delivery.attempts), ("pending", 0))
        self.run_worker()
        self.assertEqual((delivery.state, delivery.attempts), ("delivered", 1))
        self.assertEqual(len({r["webhook_id"] for r in self.receiver.received}), 1)
        self.assertEqual(len(delivery.attempt_ids), 3)
        with self.assertRaises(UserError):
            delivery.with_user(self.integration_admin).action_replay()

    def test_a_rolled_back_business_transaction_sends_nothing(self):
        with self.assertRaises(BusinessFailure), self.env.cr.savepoint():
            self.emit("dci.order.cancelled")
            raise BusinessFailure
        self.emit("dci.order.confirmed")
        self.run_worker()
        self.assertEqual(self.deliveries().mapped("event_type"), ["dci.order.confirmed"])
        self.assertEqual(
            [json.loads(r["body"])["type"] for r in self.receiver.received],
            ["dci.order.confirmed"],
        )

    # ------------------------------------------------------------------ fan-out

    def test_fan_out_follows_types_companies_and_start(self):
        earlier = self.emit()  # before the next subscriptions exist
        every = self.make_subscription(name="DCI everything", event_types=False)
        other_company = self.env["res.company"].create({"name": "DCI Outbound Other"})
        elsewhere = self.Subscription.create(
            {
                "name": "DCI other company",
                "target_url": self.receiver.url,
                "company_id": other_company.id,
            }
        )
        archived = self.make_subscription(name="DCI archived", active=False)
        later = self.emit("dci.picking.late")
        invoice = self.emit("dci.invoice.posted")
        self.Delivery._fan_out()
        self.assertEqual(self.deliveries().event_id, earlier | later)
        self.assertEqual(self.deliveries(every).event_id, later | invoice)
        self.assertFalse(self.deliveries(elsewhere), "events of another company")
        self.assertFalse(self.deliveries(archived))
        # an event committed late, behind the cursor, is still picked up (lookback window)
        late_commit = self.emit("dci.order.shipped")
        self.env["ir.config_parameter"].set_param(
            delivery_module.CURSOR_PARAM, str(late_commit.id + 10)
        )
        self.Delivery._fan_out()
        self.assertIn(late_commit, self.deliveries().event_id)
        # looking again queues nothing twice
        self.assertEqual(self.Delivery._fan_out()[0], 0)

    def test_a_batch_moves_the_cursor_and_reports_what_is_left(self):
        events = self.emit() | self.emit() | self.emit()
        created, left = self.Delivery._fan_out(limit=2)
        self.assertEqual((created, left), (2, 1))
        self.assertEqual(
            int(self.env["ir.config_parameter"].get_param(delivery_module.CURSOR_PARAM)),
            events[1].id,
        )
        self.assertEqual(self.Delivery._fan_out(limit=2), (1, 0))
        self.assertEqual(self.deliveries().event_id, events)

    def test_a_run_that_leaves_deliveries_wakes_the_cron_workers_again(self):
        self.emit()
        self.emit()
        notified = []
        CronClass = type(self.env["ir.cron"])
        with patch.object(CronClass, "_notifydb", lambda cron: notified.append(cron)):
            self.Delivery._cron_deliver(batch_size=1, auto_commit=False)
            self.env.cr.postcommit.run()
            self.assertEqual(len(notified), 1, "a delivery is left: the cron worker must not sleep")
            self.Delivery._cron_deliver(batch_size=1, auto_commit=False)
            self.env.cr.postcommit.run()
            self.assertEqual(len(notified), 1, "nothing left: no wake-up")
        self.assertEqual(self.deliveries().mapped("state"), ["delivered", "delivered"])

    # ------------------------------------------------------------------ test event, access

    def test_send_test_event(self):
        with self.assertRaises(AccessError):
            self.subscription.with_user(self.dist_manager).action_send_test_event()
        action = self.subscription.with_user(self.integration_admin).action_send_test_event()
        self.assertEqual(action["tag"], "display_notification")
        self.run_worker()
        delivery = self.deliveries()
        self.assertEqual((delivery.event_type, delivery.state), ("integration.test", "delivered"))
        [request] = self.receiver.received
        self.assertTrue(request["verified"])
        self.assertEqual(json.loads(request["body"])["data"]["test"], True)

    def test_the_secret_is_for_integration_administrators_only(self):
        subscription = self.subscription.sudo(False)
        self.assertEqual(subscription.with_user(self.dist_manager).name, "DCI n8n")
        with self.assertRaises(AccessError):
            subscription.with_user(self.dist_manager).read(["secret"])
        self.assertNotIn("secret", subscription.with_user(self.dist_manager).read()[0])
        with self.assertRaises(AccessError):
            subscription.with_user(self.dist_manager).write({"target_url": "http://x.test"})
        secret = subscription.with_user(self.integration_admin).read(["secret"])[0]["secret"]
        self.assertTrue(secret.startswith("whsec_"))
        subscription.with_user(self.integration_admin).action_rotate_secret()
        self.assertNotEqual(self.subscription.secret, secret)
        with self.assertRaises(ValidationError):
            self.subscription.secret = "not-a-secret"
        with self.assertRaises(ValidationError):
            self.subscription.target_url = "ftp://example.com"
