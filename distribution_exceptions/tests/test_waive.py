# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.addons.distribution_exceptions.models.distribution_exception import (
    DistributionException,
)
from odoo.addons.distribution_exceptions.models.distribution_exception_mixin import (
    DistributionBlockedError,
)
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ExceptionCase


@tagged("post_install", "-at_install")
class TestWaive(ExceptionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rule = cls.make_rule("stock_shortage")
        cls.order = cls.make_order([(cls.widget, 8)])
        cls.order.with_user(cls.salesman).action_distribution_recheck()
        cls.exception = cls.env["distribution.exception"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", cls.order.id)]
        )

    def test_salesman_cannot_waive(self):
        with self.assertRaises(AccessError):
            self.exception.with_user(self.salesman)._waive("customer is fine")
        with self.assertRaises(AccessError):
            self.exception.with_user(self.salesman).action_open_waive_wizard()
        self.assertEqual(self.exception.state, "open")

    def test_salesman_cannot_waive_through_the_wizard(self):
        wizard = (
            self.env["distribution.exception.waive"]
            .with_user(self.salesman)
            .create({"exception_ids": self.exception.ids, "reason": "customer is fine"})
        )
        with self.assertRaises(AccessError):
            wizard.action_waive()
        self.assertEqual(self.exception.state, "open")

    def test_manager_must_give_a_reason(self):
        for reason in ("", "   ", False):
            with self.assertRaises(UserError):
                self.exception.with_user(self.manager)._waive(reason)
        wizard = (
            self.env["distribution.exception.waive"]
            .with_user(self.manager)
            .create({"exception_ids": self.exception.ids, "reason": "  "})
        )
        with self.assertRaises(UserError):
            wizard.action_waive()
        self.assertEqual(self.exception.state, "open")

    def test_manager_waives_then_the_order_confirms(self):
        with self.assertRaises(DistributionBlockedError):
            self.order.with_user(self.salesman).action_confirm()

        action = self.exception.with_user(self.manager).action_open_waive_wizard()
        wizard = (
            self.env["distribution.exception.waive"]
            .with_user(self.manager)
            .with_context(**action["context"])
            .create({"reason": "Back-order agreed with the customer"})
        )
        self.assertEqual(wizard.exception_ids, self.exception)
        wizard.action_waive()

        self.assertEqual(self.exception.state, "waived")
        self.assertEqual(self.exception.resolution_note, "Back-order agreed with the customer")
        self.assertEqual(self.exception.closed_by_id, self.manager)
        self.assertTrue(self.exception.closed_at)
        self.assertFalse(self.exception.activity_ids)
        events = self.env["distribution.event"].search(
            [("res_model", "=", "distribution.exception"), ("res_id", "=", self.exception.id)]
        )
        self.assertIn("exception.waived", events.mapped("event_type"))

        self.order.with_user(self.salesman).action_confirm()
        self.assertEqual(self.order.state, "sale")

    def test_waiver_covers_the_condition_as_found_not_a_new_one(self):
        self.exception.with_user(self.manager)._waive("Customer accepts a back-order")
        self.order.with_user(self.salesman).action_distribution_recheck()
        self.assertFalse(self.open_exceptions(self.order), "the same finding stays waived")

        self.order.order_line.product_uom_qty = 30
        self.order.with_user(self.salesman).action_distribution_recheck()
        reopened = self.open_exceptions(self.order)
        self.assertTrue(reopened, "another quantity is another finding")
        self.assertIn("needs 30", reopened.reason)
        self.assertEqual(self.exception.state, "waived", "the waiver itself is kept for audit")

    def test_waived_exception_cannot_be_waived_twice(self):
        self.exception.with_user(self.manager)._waive("agreed")
        with self.assertRaises(UserError):
            self.exception.with_user(self.manager)._waive("again")

    def test_waiver_group_of_the_rule_decides(self):
        self.rule.waiver_group_id = self.env.ref("sales_team.group_sale_salesman")
        self.exception.with_user(self.salesman)._waive("allowed for salesmen on this rule")
        self.assertEqual(self.exception.state, "waived")

    def test_rule_waived_through_an_approval_refuses_a_direct_waiver(self):
        self.rule.waive_by_approval = True
        with self.assertRaisesRegex(UserError, "waived through an approval"):
            self.exception.with_user(self.manager)._waive("Credit released by phone")
        # the hook itself, as it is without the approvals module
        with self.assertRaisesRegex(UserError, "Approvals is not installed"):
            DistributionException.action_request_waiver(self.exception.with_user(self.salesman))
        self.assertEqual(self.exception.state, "open")

        # what the approvals module does once the waiver is approved
        self.exception.with_user(self.salesman)._waive("Approved by the CFO", approved=True)
        self.assertEqual(self.exception.state, "waived")


@tagged("post_install", "-at_install")
class TestPythonRuleRights(ExceptionCase):
    def _python_vals(self):
        return {
            "name": "Big order",
            "detector": "python",
            "level": "header",
            "python_code": "document.amount_total > 1000",
        }

    def test_distribution_manager_cannot_write_python_rules(self):
        Rule = self.Rule.with_user(self.manager)
        with self.assertRaises(AccessError):
            Rule.create(self._python_vals())
        rule = Rule.create({"name": "Domain", "detector": "domain", "domain": "[]"})
        with self.assertRaises(AccessError):
            rule.write({"detector": "python", "python_code": "True"})
        with self.assertRaises(AccessError):
            rule.write({"python_code": "True"})

    def test_system_administrator_can(self):
        rule = self.Rule.with_user(self.admin).create(self._python_vals())
        self.assertEqual(rule.detector, "python")
        rule.with_user(self.admin).python_code = "document.amount_untaxed > 10"

    def test_invalid_expression_is_refused(self):
        from odoo.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            self.Rule.with_user(self.admin).create(
                dict(self._python_vals(), python_code="__import__('os').system('true')")
            )
