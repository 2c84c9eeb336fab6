# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.tests import new_test_user, tagged

from ..models.distribution_integration_event import RETENTION_PARAM
from .common import IntegrationCase


@tagged("post_install", "-at_install")
class TestEventRetention(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        now = fields.Datetime.now()
        cls.Event.search([]).received_at = now  # others' events must not disturb the counts
        cls.by_state = {}
        for number, state in enumerate(("done", "ignored", "failed", "dead", "done")):
            status, answer = cls.receive_signed(
                cls.endpoint, cls.tracking_body(f"evt_old_{number}")
            )
            event = cls.Event.browse(answer["id"])
            event.write({"state": state, "received_at": now - timedelta(days=120)})
            cls.by_state.setdefault(state, cls.Event)
            cls.by_state[state] |= event
        status, answer = cls.receive_signed(cls.endpoint, cls.tracking_body("evt_recent"))
        cls.recent = cls.Event.browse(answer["id"])
        cls.recent.write({"state": "done", "received_at": now - timedelta(days=10)})

    def set_retention(self, days):
        self.env["ir.config_parameter"].sudo().set_param(RETENTION_PARAM, days)

    def test_purge_deletes_processed_events_past_retention_only(self):
        self.set_retention(90)
        self.assertEqual(self.Event._cron_purge(), 3)
        self.assertFalse((self.by_state["done"] | self.by_state["ignored"]).exists())
        kept = self.by_state["failed"] | self.by_state["dead"] | self.recent
        self.assertEqual(kept.exists(), kept, "failed and dead events wait for a replay")

    def test_purge_works_in_batches(self):
        self.set_retention(90)
        self.assertEqual(self.Event._cron_purge(batch_size=2), 2)
        self.assertEqual(self.Event._cron_purge(batch_size=2), 1)
        self.assertEqual(self.Event._cron_purge(batch_size=2), 0)

    def test_zero_days_keeps_everything(self):
        self.set_retention(0)
        self.assertEqual(self.Event._cron_purge(), 0)
        self.assertEqual(len(self.by_state["done"].exists()), 2)

    def test_scheduled_action_runs_the_purge(self):
        self.set_retention(90)
        cron = self.env.ref("distribution_integrations.ir_cron_integration_event_purge")
        self.assertTrue(cron.active)
        cron.method_direct_trigger()
        self.assertFalse(self.by_state["done"].exists())
        self.assertTrue(self.recent.exists())

    def test_retention_is_set_in_general_settings(self):
        sys_admin = new_test_user(self.env, "dci_sysadmin", groups="base.group_system")
        settings = self.env["res.config.settings"].with_user(sys_admin).create({})
        self.assertEqual(settings.distribution_integration_event_retention_days, 90)
        settings.distribution_integration_event_retention_days = 30
        settings.execute()
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM), "30")
