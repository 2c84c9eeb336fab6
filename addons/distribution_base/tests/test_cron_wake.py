# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCronWake(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.xmlid = "distribution_base.ir_cron_distribution_event_purge"
        cls.cron = cls.env.ref(cls.xmlid)
        cls.Trigger = cls.env["ir.cron.trigger"]

    def triggers(self):
        return self.Trigger.search([("cron_id", "=", self.cron.id)])

    def test_one_waiting_trigger_serves_every_caller(self):
        self.triggers().unlink()
        first = self.env["ir.cron"]._distribution_wake(self.xmlid)
        self.assertEqual(len(first), 1)
        self.assertLessEqual(first.call_at, fields.Datetime.now())
        for _caller in range(5):
            self.assertFalse(
                self.env["ir.cron"]._distribution_wake(self.xmlid),
                "a due trigger is waiting already",
            )
        self.assertEqual(self.triggers(), first)

    def test_a_later_trigger_does_not_count_as_waiting(self):
        self.triggers().unlink()
        later = self.cron._trigger(fields.Datetime.now() + timedelta(hours=1))
        woken = self.env["ir.cron"]._distribution_wake(self.xmlid)
        self.assertEqual(len(woken), 1, "a trigger for later does not run the action now")
        self.assertEqual(self.triggers(), later | woken)

    def test_consumed_triggers_are_written_again(self):
        self.triggers().unlink()
        self.env["ir.cron"]._distribution_wake(self.xmlid)
        self.triggers().unlink()  # what a run of the action does with the triggers it served
        self.assertEqual(len(self.env["ir.cron"]._distribution_wake(self.xmlid)), 1)
        self.assertEqual(len(self.triggers()), 1)
