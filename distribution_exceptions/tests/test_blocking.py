# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from contextlib import contextmanager
from unittest.mock import patch

from odoo.addons.distribution_exceptions.models.distribution_exception_mixin import (
    DistributionBlockedError,
)
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import ExceptionCase


@tagged("post_install", "-at_install")
class TestBlocking(ExceptionCase):
    def test_blocking_rule_stops_confirmation_with_a_structured_error(self):
        rule = self.make_rule("stock_shortage", name="Not enough stock")
        order = self.make_order([(self.widget, 8), (self.gadget, 1)])
        widget_line = order.order_line[0]

        with self.assertRaises(DistributionBlockedError) as caught:
            order.with_user(self.salesman).action_confirm()

        error = caught.exception
        message = error.args[0]
        self.assertIn("Not enough stock", message)
        self.assertIn("DX Widget needs 8", message)
        self.assertIn("DX Main Warehouse", message)
        self.assertIn(self.salesman.name, message, "the owner is named")
        self.assertEqual(error.args[0], str(error))
        self.assertIs(error.context["blocking_exceptions"], error.details, "sent to the client")
        self.assertEqual(len(error.details), 1)
        detail = error.details[0]
        self.assertEqual(
            set(detail), {"document", "rule", "reason", "owner", "line"}, "structured details"
        )
        self.assertEqual(detail["document"], order.name)
        self.assertEqual(detail["rule"], rule.name)
        self.assertEqual(detail["owner"], self.salesman.name)
        self.assertEqual(detail["line"], widget_line.display_name)
        self.assertIn("5 free", detail["reason"])
        self.assertEqual(order.state, "draft")
        self.assertFalse(order.picking_ids)

    def test_warning_rule_records_but_does_not_block(self):
        rule = self.make_rule("stock_shortage", severity="warning")
        order = self.make_order([(self.widget, 8)])
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        exception = self.open_exceptions(order)
        self.assertEqual(exception.rule_id, rule)
        self.assertEqual(exception.severity, "warning")
        self.assertEqual(exception.state, "open")

    def test_monitoring_rules_are_not_run_by_confirmation(self):
        self.make_rule("stock_shortage", transition="monitor", severity="warning")
        order = self.make_order([(self.widget, 8)])
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(self.open_exceptions(order))

    def test_rule_needs_a_step_its_document_has_and_monitoring_cannot_block(self):
        with self.assertRaisesRegex(ValidationError, "has no “Validate” step"):
            self.make_rule("stock_shortage", transition="validate")
        with self.assertRaisesRegex(ValidationError, "cannot block"):
            self.make_rule("stock_shortage", transition="monitor", severity="blocking")

    def test_archived_rule_no_longer_blocks(self):
        rule = self.make_rule("stock_shortage")
        order = self.make_order([(self.widget, 8)])
        order.with_user(self.salesman).action_distribution_recheck()
        self.assertTrue(self.open_exceptions(order))
        rule.with_user(self.manager).action_archive()
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_rule_of_another_company_is_ignored(self):
        other_company = self.env["res.company"].create({"name": "DX Other Company"})
        self.make_rule("stock_shortage", user=self.env.user, company_id=other_company.id)
        order = self.make_order([(self.widget, 8)])
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    # ------------------------------------------------------------------ create and confirm

    def test_create_and_confirm_in_one_transaction_passes(self):
        self.make_rule("stock_shortage")
        self.make_rule("discount", threshold=20.0)
        SaleOrder = self.env["sale.order"].with_user(self.salesman)
        order = SaleOrder.create(self.order_vals([(self.widget, 5), (self.gadget, 10)]))
        order.action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertFalse(self.open_exceptions(order))

    def test_create_and_confirm_in_one_transaction_blocks(self):
        self.make_rule("stock_shortage")
        SaleOrder = self.env["sale.order"].with_user(self.salesman)
        with self.assertRaises(DistributionBlockedError):
            SaleOrder.create(self.order_vals([(self.widget, 6)])).action_confirm()
        self.assertFalse(
            SaleOrder.search([("partner_id", "=", self.customer.id), ("state", "=", "sale")])
        )

    # ------------------------------------------------------------------ no side transaction

    @contextmanager
    def record_commits(self):
        commits = []

        def commit(cr):
            commits.append(cr)

        with (
            patch("odoo.sql_db.Cursor.commit", commit),
            patch.object(self.env.cr, "commit", lambda: commits.append(self.env.cr)),
        ):
            yield commits

    def test_confirm_never_commits(self):
        self.make_rule("stock_shortage")
        self.make_rule("discount", threshold=20.0, severity="warning")
        blocked = self.make_order([(self.widget, 6, {"discount": 30.0})])
        passing = self.make_order([(self.widget, 5, {"discount": 30.0})])

        with self.record_commits() as commits:
            with self.assertRaises(DistributionBlockedError):
                blocked.with_user(self.salesman).action_confirm()
            passing.with_user(self.salesman).action_confirm()
        self.assertEqual(commits, [], "no commit, on this cursor or on a side one")
        self.assertEqual(passing.state, "sale")
        self.assertTrue(self.open_exceptions(passing), "the warning is recorded")
