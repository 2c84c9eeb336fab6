# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class TestDelegation(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_matrix(
            "sale_confirm",
            [
                {"name": "Sales", "user_ids": cls.approver_1},
                {"name": "Finance", "user_ids": cls.finance},
            ],
        )

    def delegate(self, user, delegate, date_from, date_to):
        return (
            self.env["distribution.approval.delegation"]
            .with_user(user)
            .create({"delegate_id": delegate.id, "date_from": date_from, "date_to": date_to})
        )

    def new_request(self):
        order = self.make_order([(self.bolt, 1, 10)])
        order.with_user(self.salesman).action_confirm()
        return self.request_of(order)

    @freeze_time("2030-03-10 09:00:00")
    def test_delegate_decides_on_behalf_within_the_window_only(self):
        delegation = self.delegate(self.approver_1, self.approver_2, "2030-03-11", "2030-03-15")
        self.assertEqual(delegation.user_id, self.approver_1)
        request = self.new_request()
        self.assertIn(self.approver_2, request.access_user_ids, "the delegate may open the request")

        # before the window
        self.assertFalse(request.with_user(self.approver_2).is_my_turn)
        with self.assertRaisesRegex(AccessError, "not asked"):
            self.decide(request, self.approver_2)

        with freeze_time("2030-03-12 10:00:00"):
            self.assertTrue(request.with_user(self.approver_2).is_my_turn)
            to_approve = self.Request.with_user(self.approver_2).search([("is_my_turn", "=", True)])
            self.assertIn(request, to_approve)
            decision = self.decide(request, self.approver_2, comment="for Ann, on holiday")
        self.assertEqual(decision.user_id, self.approver_2)
        self.assertEqual(decision.on_behalf_of_id, self.approver_1)
        self.assertEqual(decision.principal_id, self.approver_1)
        self.assertEqual(decision._who(), "Bob Approver on behalf of Ann Approver")
        self.assertEqual(request.current_level, "Finance")

        # after the window
        other = self.new_request()
        with freeze_time("2030-03-16 08:00:00"), self.assertRaises(AccessError):
            self.decide(other, self.approver_2)

    @freeze_time("2030-03-12 09:00:00")
    def test_a_delegate_counts_as_the_approver_for_segregation(self):
        # Ann is asked at both levels; her delegate Bob approves the first for her
        self.make_matrix(
            "purchase_confirm",
            [
                {"name": "L1", "user_ids": self.approver_1},
                {"name": "L2", "user_ids": self.approver_1 | self.finance},
            ],
        )
        self.delegate(self.approver_1, self.approver_2, "2030-03-01", "2030-03-31")
        purchase = self.make_purchase(100)
        purchase.with_user(self.buyer).button_confirm()
        request = self.request_of(purchase)
        self.decide(request, self.approver_2)
        with self.assertRaisesRegex(AccessError, "earlier level"):
            self.decide(request, self.approver_1)
        self.decide(request, self.finance)
        self.assertEqual(request.state, "approved")

    @freeze_time("2030-03-12 09:00:00")
    def test_the_requester_cannot_approve_as_a_delegate(self):
        self.delegate(self.approver_1, self.salesman, "2030-03-01", "2030-03-31")
        request = self.new_request()
        with self.assertRaises(AccessError):
            self.decide(request, self.salesman)
        self.assertFalse(request.decision_ids)

    def test_delegations_are_checked_and_owned(self):
        with self.assertRaises(ValidationError):
            self.delegate(self.approver_1, self.approver_1, "2030-03-01", "2030-03-31")
        with self.assertRaises(ValidationError):
            self.delegate(self.approver_1, self.approver_2, "2030-03-31", "2030-03-01")
        mine = self.delegate(self.approver_1, self.approver_2, "2030-03-01", "2030-03-31")
        # nobody delegates for someone else, nor edits a delegation naming them as delegate
        with self.assertRaises(UserError):
            self.env["distribution.approval.delegation"].with_user(self.approver_2).create(
                {
                    "user_id": self.finance.id,
                    "delegate_id": self.approver_2.id,
                    "date_to": "2030-12-31",
                }
            )
        self.assertEqual(mine.with_user(self.approver_2).delegate_id, self.approver_2, "readable")
        with self.assertRaises(AccessError):
            mine.with_user(self.approver_2).write({"date_to": "2031-12-31"})
        with self.assertRaises(AccessError):
            mine.with_user(self.finance).read(["delegate_id"])
        # a manager sets one up for an absent approver
        self.env["distribution.approval.delegation"].with_user(self.manager).create(
            {"user_id": self.finance.id, "delegate_id": self.approver_3.id, "date_to": "2030-12-31"}
        )
