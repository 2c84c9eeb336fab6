# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import new_test_user, tagged

from .common import ExceptionCase


@tagged("post_install", "-at_install")
class TestSlaCron(ExceptionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.supervisor = new_test_user(cls.env, "dx_supervisor", groups="base.group_user")
        cls.rule = cls.make_rule(
            "stock_shortage", severity="warning", sla_hours=4, escalation_user_id=cls.supervisor.id
        )

    def test_breach_is_marked_escalated_and_emitted_once(self):
        order = self.make_order([(self.widget, 8)])
        order.action_distribution_recheck()
        occurrence = self.open_exceptions(order)
        self.assertEqual(occurrence.deadline, occurrence.opened_at + timedelta(hours=4))

        self.assertFalse(self.Exception._cron_check_sla(), "not due yet")
        with freeze_time(fields.Datetime.now() + timedelta(hours=5)):
            breached = self.Exception._cron_check_sla()
            self.assertEqual(breached, occurrence)
            self.assertFalse(self.Exception._cron_check_sla(), "a breach is reported once")
        self.assertTrue(occurrence.is_breached)
        escalation = occurrence.activity_ids.filtered(lambda a: a.user_id == self.supervisor)
        self.assertIn("SLA breached", escalation.summary)
        events = self.env["distribution.event"].search(
            [("event_type", "=", "exception.breached"), ("res_id", "=", occurrence.id)]
        )
        self.assertEqual(len(events), 1)

    def test_closed_occurrences_are_never_breached(self):
        order = self.make_order([(self.widget, 8)])
        order.action_distribution_recheck()
        occurrence = self.open_exceptions(order)
        occurrence.with_user(self.salesman).action_resolve()
        with freeze_time(fields.Datetime.now() + timedelta(hours=5)):
            self.assertFalse(self.Exception._cron_check_sla())
        self.assertFalse(occurrence.is_breached)


@tagged("post_install", "-at_install")
class TestScanCron(ExceptionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.ref("distribution_exceptions.base_automation_sale_order_recheck").active = False
        cls.rule = cls.make_rule("stock_shortage", severity="warning")
        cls.env["sale.order"].search([("state", "in", ("draft", "sent"))]).state = "cancel"
        cls.orders = cls.env["sale.order"].create(
            [cls.order_vals([(cls.widget, 8)]) for _i in range(5)]
        )
        cls.cron = cls.env.ref("distribution_exceptions.ir_cron_distribution_exception_scan")

    def scan(self, chunk_size):
        progress = self.env["ir.cron.progress"].create({"cron_id": self.cron.id})
        self.Rule.with_context(ir_cron_progress_id=progress.id)._cron_scan(chunk_size=chunk_size)
        return progress

    def test_scan_goes_chunk_by_chunk_and_resumes_where_it_stopped(self):
        self.assertFalse(self.open_exceptions(self.orders))
        first = self.scan(chunk_size=2)
        self.assertEqual((first.done, first.remaining), (2, 1), "more to do: run again at once")
        self.assertEqual(len(self.open_exceptions(self.orders)), 2)
        self.assertEqual(
            set(self.open_exceptions(self.orders).mapped("res_id")), set(self.orders[:2].ids)
        )

        # an interrupted run leaves the cursor where the last committed chunk ended
        self.scan(chunk_size=2)
        last = self.scan(chunk_size=2)
        self.assertEqual((last.done, last.remaining), (1, 0), "the last chunk finishes the scan")
        self.assertEqual(len(self.open_exceptions(self.orders)), 5)
        cursor = self.env["ir.config_parameter"].get_param(
            "distribution_exceptions.scan_cursor.sale.order"
        )
        self.assertEqual(int(cursor or 0), 0, "the next scan starts from the beginning")

    def test_scan_clears_what_is_gone(self):
        self.scan(chunk_size=10)
        occurrences = self.open_exceptions(self.orders)
        self.assertEqual(len(occurrences), 5)
        self.set_stock(self.widget, 10.0)
        self.scan(chunk_size=10)
        self.assertEqual(set(occurrences.mapped("state")), {"cleared"})
