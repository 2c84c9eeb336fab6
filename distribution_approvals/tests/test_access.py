# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class TestAccess(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_matrix("sale_confirm", [{"name": "Sales", "user_ids": cls.approver_1}])
        cls.make_matrix("purchase_confirm", [{"name": "Buying", "user_ids": cls.approver_2}])
        cls.order = cls.make_order([(cls.bolt, 1, 10)])
        cls.order.with_user(cls.salesman).action_confirm()
        cls.purchase = cls.make_purchase(100)
        cls.purchase.with_user(cls.buyer).button_confirm()
        cls.sale_request = cls.env["distribution.approval.request"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", cls.order.id)]
        )
        cls.purchase_request = cls.env["distribution.approval.request"].search(
            [("res_model", "=", "purchase.order"), ("res_id", "=", cls.purchase.id)]
        )

    def visible(self, user, model="distribution.approval.request"):
        records = self.env[model].with_user(user).search([])
        return records

    def test_approvers_see_what_they_are_asked_and_requesters_what_they_asked(self):
        both = self.sale_request | self.purchase_request
        self.assertEqual(self.visible(self.approver_1) & both, self.sale_request)
        self.assertEqual(self.visible(self.approver_2) & both, self.purchase_request)
        self.assertEqual(self.visible(self.salesman) & both, self.sale_request)
        self.assertFalse(self.visible(self.salesman_2) & both)
        self.assertEqual(self.visible(self.manager) & both, both, "managers see all")
        with self.assertRaises(AccessError):
            self.purchase_request.with_user(self.approver_1).read(["state"])
        with self.assertRaises(AccessError):
            self.sale_request.with_user(self.salesman_2).read(["state"])

    def test_to_approve_lists_only_ones_turn(self):
        to_approve = (
            self.env["distribution.approval.request"]
            .with_user(self.approver_1)
            .search([("is_my_turn", "=", True)])
        )
        self.assertEqual(to_approve, self.sale_request)
        self.assertFalse(
            self.env["distribution.approval.request"]
            .with_user(self.salesman)
            .search([("is_my_turn", "=", True)])
        )

    def test_decisions_follow_their_request(self):
        self.decide(self.sale_request, self.approver_1)
        self.decide(self.purchase_request, self.approver_2)
        decisions = self.sale_request.decision_ids | self.purchase_request.decision_ids
        self.assertEqual(
            self.visible(self.approver_1, "distribution.approval.decision") & decisions,
            self.sale_request.decision_ids,
        )
        self.assertEqual(
            self.visible(self.salesman_2, "distribution.approval.decision") & decisions,
            self.env["distribution.approval.decision"],
        )
        self.assertEqual(
            self.visible(self.manager, "distribution.approval.decision") & decisions, decisions
        )

    def test_nobody_writes_requests_levels_or_approvers_directly(self):
        for user in (self.approver_1, self.salesman, self.manager):
            with self.assertRaises(AccessError):
                self.sale_request.with_user(user).write({"state": "approved"})
            with self.assertRaises(AccessError):
                self.sale_request.step_ids.with_user(user).write({"state": "approved"})
            with self.assertRaises(AccessError):
                self.sale_request.assignment_ids.with_user(user).write({"user_id": user.id})
            with self.assertRaises(AccessError):
                self.sale_request.with_user(user).unlink()
        self.assertEqual(self.sale_request.state, "pending")

    def test_the_link_secret_is_for_administrators_only(self):
        with self.assertRaises(AccessError):
            self.sale_request.assignment_ids.with_user(self.approver_1).read(["nonce"])

    def test_only_managers_configure_matrices(self):
        matrix = self.env["distribution.approval.matrix"].search(
            [("document_type", "=", "sale_confirm")], limit=1
        )
        with self.assertRaises(AccessError):
            matrix.with_user(self.approver_1).write({"name": "Mine now"})
        with self.assertRaises(AccessError):
            self.env["distribution.approval.matrix"].with_user(self.salesman).create(
                {"name": "Mine", "document_type": "sale_confirm"}
            )

    def test_companies(self):
        other = self.env["res.company"].create({"name": "DAP Elsewhere"})
        self.approver_1.write({"company_ids": [Command.link(other.id)]})
        self.approver_1.write({"company_id": other.id, "company_ids": [Command.set(other.ids)]})
        self.assertFalse(
            self.visible(self.approver_1) & self.sale_request, "another company's request"
        )
        self.manager.write({"company_ids": [Command.link(other.id)]})
        manager_in_other = (
            self.env["distribution.approval.request"]
            .with_user(self.manager)
            .with_context(allowed_company_ids=other.ids)
        )
        self.assertFalse(manager_in_other.search([]) & self.sale_request)
