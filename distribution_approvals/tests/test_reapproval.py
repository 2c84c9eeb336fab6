# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class TestReapproval(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_matrix(
            "sale_confirm", [{"name": "Sales", "amount_min": 100, "user_ids": cls.approver_1}]
        )

    def save(self, order, vals):
        """Write as the salesman, then recompute as the web client's save does (the automation
        rules run when the order's amount is recomputed)."""
        order.with_user(self.salesman).write(vals)
        self.env.flush_all()

    def setUp(self):
        super().setUp()
        self.order = self.make_order([(self.radio, 2, 100)])
        self.order.with_user(self.salesman).action_confirm()
        self.request = self.request_of(self.order)
        self.decide(self.request, self.approver_1)
        self.assertEqual(self.request.state, "approved")

    def test_a_changed_quantity_invalidates_the_approval_and_asks_again(self):
        line = self.order.order_line
        self.save(self.order, {"order_line": [Command.update(line.id, {"product_uom_qty": 3})]})
        self.assertEqual(self.request.state, "expired")
        self.assertIn("changed", self.request.close_reason)
        new = self.request_of(self.order)
        self.assertNotEqual(new, self.request)
        self.assertEqual(
            (new.state, new.amount, new.previous_request_id), ("pending", 300.0, self.request)
        )
        self.assertEqual(new.requester_id, self.salesman)
        self.assertEqual(
            self.events(self.request, "approval.invalidated").payload["state"], "expired"
        )
        self.assertTrue(
            any("Approval invalidated" in body for body in self.order.message_ids.mapped("body"))
        )
        with self.assertRaisesRegex(Exception, "waits for approval"):
            self.order.with_user(self.salesman).action_confirm()

    def test_a_new_line_or_price_invalidates_too(self):
        self.save(
            self.order,
            {
                "order_line": [
                    Command.create(
                        {"product_id": self.bolt.id, "product_uom_qty": 1, "price_unit": 10}
                    )
                ]
            },
        )
        self.assertEqual(self.request.state, "expired")

    def test_immaterial_changes_keep_the_approval(self):
        self.save(
            self.order,
            {
                "client_order_ref": "PO-778",
                "note": "Deliver to the back door",
                "validity_date": "2030-01-01",
            },
        )
        line = self.order.order_line
        self.save(self.order, {"order_line": [Command.update(line.id, {"name": "Radio, blue"})]})
        self.assertEqual(self.request.state, "approved")
        self.assertEqual(len(self.requests_of(self.order)), 1)
        self.assertIs(self.order.with_user(self.salesman).action_confirm(), True)
        self.assertEqual(self.order.state, "sale")

    def test_a_change_the_automation_does_not_see_is_caught_at_the_guarded_step(self):
        # another product at the same price, written on the line: the order's amount and lines
        # do not change, so no automation rule runs
        self.order.order_line.with_user(self.salesman).write(
            {"product_id": self.bolt.id, "price_unit": 100}
        )
        self.env.flush_all()
        self.assertEqual(self.order.amount_untaxed, 200.0)
        self.assertEqual(self.request.state, "approved")
        result = self.order.with_user(self.salesman).action_confirm()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(self.order.state, "draft")
        self.assertEqual(self.request.state, "expired")
        new = self.request_of(self.order)
        self.assertEqual(
            (new.amount, new.snapshot["lines"][0]["product_id"]), (200.0, self.bolt.id)
        )

    def test_a_change_below_every_band_needs_no_new_request(self):
        line = self.order.order_line
        self.save(self.order, {"order_line": [Command.update(line.id, {"price_unit": 10})]})
        self.assertEqual(self.request.state, "expired")
        self.assertEqual(
            self.request_of(self.order), self.request, "no new request: 20 needs no approval"
        )
        self.assertIs(self.order.with_user(self.salesman).action_confirm(), True)

    def test_a_change_after_confirmation_asks_for_a_new_approval_too(self):
        self.order.with_user(self.salesman).action_confirm()
        self.assertEqual(self.order.state, "sale")
        line = self.order.order_line
        self.save(self.order, {"order_line": [Command.update(line.id, {"product_uom_qty": 5})]})
        self.assertEqual(self.request.state, "expired")
        self.assertEqual(self.request_of(self.order).state, "pending")

    def test_a_pending_request_is_replaced_when_the_order_changes(self):
        order = self.make_order([(self.radio, 2, 100)])
        order.with_user(self.salesman).action_confirm()
        pending = self.request_of(order)
        line = order.order_line
        self.save(order, {"order_line": [Command.update(line.id, {"product_uom_qty": 4})]})
        self.assertEqual(pending.state, "cancelled")
        self.assertEqual(self.request_of(order).amount, 400.0)
        self.assertFalse(
            pending.assignment_ids.activity_id, "the approver is not asked about the old amount"
        )
