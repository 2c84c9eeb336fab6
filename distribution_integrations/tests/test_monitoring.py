# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
from datetime import timedelta

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import IntegrationCase, IntegrationHttpCase

HEALTH_URL = "/distribution/integrations/health"


class MonitoringMixin:
    @classmethod
    def setup_monitoring(cls):
        cls.Subscription = cls.env["distribution.integration.subscription"]
        cls.Delivery = cls.env["distribution.integration.delivery"]
        # a company of its own, so that the figures count only what the test made
        cls.watched = cls.env["res.company"].create({"name": "DCI Monitored Distributor"})
        cls.monitored = cls.Endpoint.create(
            {
                "name": "DCI Secretive Carrier Endpoint",
                "company_id": cls.watched.id,
                "partner_id": cls.env["res.partner"].create({"name": "DCI Hidden Partner"}).id,
            }
        )

    @classmethod
    def stored_event(cls, endpoint, number, state, received_ago, lag=None):
        """An event received ``received_ago`` seconds ago, processed ``lag`` seconds later."""
        status, answer = cls.receive_signed(
            endpoint, cls.tracking_body(f"mon_{number}", tracking_number=f"SECRET-REF-{number}")
        )
        assert status == 202, answer
        now = cls.env.cr.now()
        received_at = now - timedelta(seconds=received_ago)
        cls.env.cr.execute(
            """UPDATE distribution_integration_event
                  SET state = %s, received_at = %s, processed_at = %s,
                      next_attempt_at = CASE WHEN %s IN ('received', 'failed') THEN %s END
                WHERE id = %s""",
            [
                state,
                received_at,
                received_at + timedelta(seconds=lag) if lag is not None else None,
                state,
                received_at,
                answer["id"],
            ],
        )
        cls.env.invalidate_all()
        return cls.Event.browse(answer["id"])

    @classmethod
    def settle_everything_else(cls):
        """What the database holds besides the test's data is neither dead nor late."""
        cls.env.cr.execute(
            """UPDATE distribution_integration_event SET state = 'done'
                WHERE state IN ('received', 'processing', 'failed', 'dead')"""
        )
        cls.env.cr.execute(
            """UPDATE distribution_integration_delivery SET state = 'delivered'
                WHERE state IN ('pending', 'sending', 'failed', 'dead')"""
        )
        cls.env.invalidate_all()


@tagged("post_install", "-at_install")
class TestMonitoring(MonitoringMixin, IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_monitoring()
        cls.Monitor = cls.env["distribution.integration.monitor"]

    def test_statistics_of_the_inbound_queue(self):
        for number, lag in enumerate((1, 2, 10)):
            self.stored_event(self.monitored, number, "done", received_ago=600, lag=lag)
        self.stored_event(self.monitored, 3, "dead", received_ago=300, lag=5)
        self.stored_event(self.monitored, 4, "received", received_ago=120)
        self.stored_event(self.monitored, 5, "failed", received_ago=60)
        figures = self.Monitor._statistics([self.watched.id])["inbound"]
        self.assertEqual(figures["by_state"], {"done": 3, "dead": 1, "received": 1, "failed": 1})
        self.assertEqual(figures["backlog"], 2)
        self.assertEqual((figures["dead"], figures["failed"]), (1, 1))
        self.assertAlmostEqual(figures["oldest_pending_seconds"], 120, delta=2)
        # percentile_cont over the lags 1, 2, 5 and 10 s of the finished and dead events
        self.assertAlmostEqual(figures["lag_p50_seconds"], 3.5)
        self.assertAlmostEqual(figures["lag_p95_seconds"], 9.25)
        self.assertEqual(figures["success_rate"], 75.0, "3 done of 4 finished")

    def test_statistics_of_the_outbound_queue(self):
        subscription = self.Subscription.create(
            {
                "name": "DCI monitored n8n",
                "target_url": "http://127.0.0.1:9/n8n",
                "company_id": self.watched.id,
            }
        )
        deliveries = self.Delivery._create_test(subscription) | self.Delivery._create_test(
            subscription
        )
        deliveries[0].write({"state": "dead"})
        figures = self.Monitor._statistics([self.watched.id])["outbound"]
        self.assertEqual(figures["by_state"], {"dead": 1, "pending": 1})
        self.assertEqual((figures["backlog"], figures["dead"]), (1, 1))
        self.assertEqual(figures["success_rate"], 0.0)

    def test_health_is_ok_then_degraded_with_reasons(self):
        self.settle_everything_else()
        health = self.Monitor._health()
        self.assertEqual((health["status"], health["reasons"]), ("ok", []))
        self.stored_event(self.monitored, 10, "received", received_ago=3600)
        health = self.Monitor._health()
        self.assertEqual(health["status"], "degraded")
        self.assertEqual(health["reasons"], ["inbound_backlog_stale"])
        self.assertGreaterEqual(health["inbound"]["oldest_pending_seconds"], 3600)
        self.stored_event(self.monitored, 11, "dead", received_ago=10, lag=1)
        self.assertEqual(
            self.Monitor._health()["reasons"], ["inbound_dead_letters", "inbound_backlog_stale"]
        )

    def test_the_dashboard_is_for_managers_and_administrators(self):
        self.stored_event(self.monitored, 20, "dead", received_ago=60, lag=1)
        manager = new_test_user(
            self.env,
            "dci_monitor_manager",
            groups="base.group_user,distribution_base.group_distribution_manager",
            company_id=self.watched.id,
            company_ids=[Command.set(self.watched.ids)],
        )
        Dashboard = self.env["distribution.integration.dashboard"].with_user(manager)
        action = Dashboard.action_open()
        dashboard = Dashboard.browse(action["res_id"])
        self.assertEqual(dashboard.event_dead, 1)
        self.assertIn("DCI Secretive Carrier Endpoint", dashboard.endpoint_table)
        employee = new_test_user(self.env, "dci_monitor_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.env["distribution.integration.dashboard"].with_user(employee).action_open()


@tagged("post_install", "-at_install")
class TestHealthRoute(MonitoringMixin, IntegrationHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_monitoring()

    def test_health_route_reports_counts_and_leaks_nothing(self):
        self.settle_everything_else()
        response = self.url_open(HEALTH_URL)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        self.assertEqual(response.json()["status"], "ok")

        dead = self.stored_event(self.monitored, 30, "dead", received_ago=30, lag=1)
        dead.sudo().write({"last_error": "RuntimeError: SECRET-ERROR-DETAIL"})
        self.stored_event(self.monitored, 31, "received", received_ago=7200)
        response = self.url_open(HEALTH_URL)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["status"], "degraded")
        self.assertEqual(
            set(body),
            {"status", "reasons", "checked_at", "max_pending_seconds", "inbound", "outbound"},
        )
        self.assertEqual(body["inbound"]["dead"], 1)
        self.assertEqual(body["inbound"]["backlog"], 1)
        self.assertGreaterEqual(body["inbound"]["oldest_pending_seconds"], 7200)
        self.assertIn("last_worker_run", body["outbound"])
        text = response.text
        for secret in (
            self.monitored.secret,
            self.monitored.token,
            self.endpoint.secret,
            "DCI Secretive Carrier Endpoint",
            "DCI Hidden Partner",
            "SECRET-REF-30",
            "SECRET-ERROR-DETAIL",
            "mon_30",
        ):
            self.assertNotIn(secret, text)
        self.assertNotIn("whsec_", text)
        # no session needed, nothing else accepted
        self.assertEqual(self.url_open(HEALTH_URL, data=json.dumps({})).status_code, 405)
