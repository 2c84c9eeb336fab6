# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.addons.distribution_exceptions.models.distribution_exception_mixin import (
    DistributionBlockedError,
)
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class TestCreditHoldReleasedThroughApproval(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_c.credit_limit = 500.0
        cls.rule = cls.env["distribution.exception.rule"].create(
            {
                "name": "DAP credit hold",
                "detector": "credit_limit",
                "target_model": "sale.order",
                "level": "header",
                "transition": "confirm",
                "severity": "blocking",
                "owner_type": "user",
                "owner_user_id": cls.finance.id,
                "waive_by_approval": True,
            }
        )
        cls.matrix = cls.make_matrix(
            "exception_waiver",
            [
                {"name": "Credit release", "exception_rule_ids": cls.rule, "user_ids": cls.finance},
                {
                    "name": "Large credit release",
                    "exception_rule_ids": cls.rule,
                    "amount_min": 5000,
                    "user_ids": cls.boss,
                },
            ],
        )

    def held_order(self, amount):
        order = self.make_order([(self.bolt, 1, amount)], self.customer_c)
        with self.assertRaises(DistributionBlockedError):
            order.with_user(self.salesman).action_confirm()
        order.with_user(self.salesman).action_distribution_recheck()
        hold = self.env["distribution.exception"].search(
            [
                ("res_model", "=", "sale.order"),
                ("res_id", "=", order.id),
                ("rule_id", "=", self.rule.id),
            ]
        )
        self.assertEqual((len(hold), hold.state), (1, "open"))
        return order, hold

    def test_credit_hold_released_through_approval(self):
        order, hold = self.held_order(1000.0)
        self.assertFalse(self.requests_of(order), "the held order asked nobody to approve it")
        # nobody waives it directly, not even finance
        with self.assertRaisesRegex(UserError, "through an approval"):
            hold.with_user(self.finance)._waive("looks fine")

        result = hold.with_user(self.salesman).action_request_waiver()
        self.assertEqual(result["tag"], "display_notification")
        request = self.request_of(hold)
        self.assertEqual(request.document_type, "exception_waiver")
        self.assertEqual(
            (request.rule_id, request.amount, request.customer_tier), (self.rule, 1000.0, "c")
        )
        self.assertEqual(request.step_ids.mapped("name"), ["Credit release"])
        self.assertEqual(hold.distribution_approval_state, "pending")
        with self.assertRaisesRegex(UserError, "waits for approval"):
            hold.with_user(self.salesman).action_request_waiver()
        with self.assertRaises(DistributionBlockedError):
            order.with_user(self.salesman).action_confirm()

        self.decide(request, self.finance, comment="Customer paid by wire this morning")
        self.assertEqual(request.state, "approved")
        self.assertEqual(hold.state, "waived")
        self.assertEqual(hold.closed_by_id, self.finance)
        self.assertIn("Approved through", hold.resolution_note)
        self.assertIn("Fay Finance", hold.resolution_note)
        self.assertIn("Customer paid by wire this morning", hold.resolution_note)
        self.assertTrue(request.passed_at)

        self.assertIs(order.with_user(self.salesman).action_confirm(), True)
        self.assertEqual(order.state, "sale")
        waived = (
            self.env["distribution.event"]
            .sudo()
            .search(
                [
                    ("res_model", "=", "distribution.exception"),
                    ("res_id", "=", hold.id),
                    ("event_type", "=", "exception.waived"),
                ]
            )
        )
        self.assertEqual(len(waived), 1)

    def test_a_large_release_needs_a_second_level(self):
        order, hold = self.held_order(8000.0)
        hold.with_user(self.salesman).action_request_waiver()
        request = self.request_of(hold)
        self.assertEqual(
            request.step_ids.mapped("name"), ["Credit release", "Large credit release"]
        )
        self.decide(request, self.finance)
        self.assertEqual(hold.state, "open", "one level of two")
        self.decide(request, self.boss)
        self.assertEqual(hold.state, "waived")
        self.assertEqual(order.state, "draft")

    def test_a_rejected_release_keeps_the_hold(self):
        order, hold = self.held_order(1000.0)
        hold.with_user(self.salesman).action_request_waiver()
        request = self.request_of(hold)
        self.decide(request, self.finance, approve=False, comment="Two invoices overdue")
        self.assertEqual(hold.state, "open")
        self.assertEqual(hold.distribution_approval_state, "rejected")
        with self.assertRaises(DistributionBlockedError):
            order.with_user(self.salesman).action_confirm()
        # asked again, with its history kept
        hold.with_user(self.salesman).action_request_waiver()
        self.assertEqual(self.requests_of(hold).mapped("state"), ["rejected", "pending"])

    def test_no_matrix_no_waiver(self):
        self.matrix.action_archive()
        _order, hold = self.held_order(1000.0)
        with self.assertRaisesRegex(UserError, "No approval matrix covers"):
            hold.with_user(self.salesman).action_request_waiver()
        self.assertEqual(hold.state, "open")

    def test_only_who_may_see_the_exception_asks(self):
        _order, hold = self.held_order(1000.0)
        with self.assertRaises(AccessError):
            hold.with_user(self.salesman_2).action_request_waiver()
        self.assertFalse(self.requests_of(hold))
