# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import APPROVER_GROUPS, SALESMAN_GROUPS

LOGIN = "tour_approver"


@tagged("post_install", "-at_install")
class TestApproveFromTheApprovalsMenu(HttpCase):
    """An approver approves from the Approvals menu.

    The tour is static/tests/tours/distribution_approval_tour.js.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["distribution.approval.matrix"].search([]).action_archive()
        cls.env["distribution.exception.rule"].search([]).action_archive()
        company = cls.env.company
        companies = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.approver = new_test_user(
            cls.env,
            LOGIN,
            password=LOGIN,
            name="Tour Approver",
            groups=APPROVER_GROUPS,
            **companies,
        )
        cls.salesman = new_test_user(
            cls.env,
            "tour_approval_salesman",
            name="Tour Salesman",
            groups=SALESMAN_GROUPS,
            **companies,
        )
        cls.env["distribution.approval.matrix"].create(
            {
                "name": "Tour matrix",
                "document_type": "sale_confirm",
                "company_id": company.id,
                "level_ids": [
                    Command.create(
                        {
                            "name": "Tour Credit Level",
                            "amount_min": 1000,
                            "user_ids": [Command.set(cls.approver.ids)],
                        }
                    )
                ],
            }
        )
        customer = cls.env["res.partner"].create({"name": "Tour Approval Customer"})
        product = cls.env["product.product"].create(
            {"name": "Tour Approval Service", "type": "service", "taxes_id": [Command.clear()]}
        )
        cls.order = (
            cls.env["sale.order"]
            .with_user(cls.salesman)
            .create(
                {
                    "partner_id": customer.id,
                    "user_id": cls.salesman.id,
                    "order_line": [
                        Command.create(
                            {"product_id": product.id, "product_uom_qty": 1, "price_unit": 2500.0}
                        )
                    ],
                }
            )
        )
        cls.order.with_user(cls.salesman).action_confirm()
        cls.request = cls.env["distribution.approval.request"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", cls.order.id)]
        )

    def test_approver_approves_from_the_approvals_menu(self):
        self.assertEqual(self.request.state, "pending")
        self.start_tour("/odoo", "distribution_approval_approve_tour", login=LOGIN)
        self.env.invalidate_all()
        self.assertEqual(self.request.state, "approved")
        decision = self.request.decision_ids
        self.assertEqual((decision.user_id, decision.decision), (self.approver, "approve"))
        self.assertEqual((decision.comment, decision.channel), ("Good customer, approved", "ui"))
        self.assertEqual(decision.amount, 2500.0)
        # the salesman can now confirm the order
        self.assertIs(self.order.with_user(self.salesman).action_confirm(), True)
        self.assertEqual(self.order.state, "sale")
