# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from ..models.distribution_event import RETENTION_PARAM
from .common import DistributionCase


@tagged("post_install", "-at_install")
class TestEventRetention(DistributionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        partners = cls.env["res.partner"].create([{"name": f"P{i}"} for i in range(3)])
        now = fields.Datetime.now()
        cls.ancient = cls.Event._emit("order.held", partners, occurred_at=now - timedelta(days=400))
        cls.recent = cls.Event._emit("order.held", partners, occurred_at=now - timedelta(days=10))
        # Other tests' events or an existing database's must not disturb the counts below.
        cls.others = cls.Event.search([]) - cls.ancient - cls.recent
        cls.others.occurred_at = now

    def _set_retention(self, days):
        self.env["ir.config_parameter"].sudo().set_param(RETENTION_PARAM, days)

    def test_purge_deletes_only_events_older_than_the_retention(self):
        self._set_retention(365)
        deleted = self.Event._cron_purge_expired()
        self.assertEqual(deleted, 3)
        self.assertFalse(self.ancient.exists())
        self.assertEqual(self.recent.exists(), self.recent)

    def test_zero_days_keeps_everything(self):
        self._set_retention(0)
        self.assertEqual(self.Event._cron_purge_expired(), 0)
        self.assertEqual(self.ancient.exists(), self.ancient)

    def test_purge_works_in_batches_until_done(self):
        self._set_retention(30)
        self.assertEqual(self.Event._cron_purge_expired(batch_size=2), 2)
        self.assertEqual(len(self.ancient.exists()), 1)
        self.assertEqual(self.Event._cron_purge_expired(batch_size=2), 1)
        self.assertEqual(self.Event._cron_purge_expired(batch_size=2), 0)
        self.assertEqual(self.recent.exists(), self.recent)

    def test_scheduled_action_runs_the_purge(self):
        self._set_retention(365)
        cron = self.env.ref("distribution_base.ir_cron_distribution_event_purge")
        self.assertTrue(cron.active)
        cron.method_direct_trigger()
        self.assertFalse(self.ancient.exists())
        self.assertTrue(self.recent.exists())

    def test_retention_is_set_in_general_settings(self):
        settings = self.env["res.config.settings"].with_user(self.sys_admin).create({})
        self.assertEqual(settings.distribution_event_retention_days, 365)
        settings.distribution_event_retention_days = 90
        settings.execute()
        self.assertEqual(self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM), "90")
