# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class TestSegregationOfDuties(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.matrix = cls.make_matrix(
            "sale_confirm",
            [
                {"name": "Sales", "user_ids": cls.approver_1 | cls.approver_2 | cls.salesman},
                {"name": "Finance", "user_ids": cls.approver_1 | cls.finance},
            ],
        )

    def setUp(self):
        super().setUp()
        self.order = self.make_order([(self.bolt, 1, 10)])
        self.order.with_user(self.salesman).action_confirm()
        self.request = self.request_of(self.order)

    def test_the_requester_is_not_asked_and_cannot_approve_their_own_request(self):
        self.assertNotIn(self.salesman, self.request.assignment_ids.user_id)
        with self.assertRaises(AccessError):
            self.decide(self.request, self.salesman)
        with self.assertRaises(AccessError):
            self.request.with_user(self.salesman)._decide(False, "no")
        self.assertFalse(self.request.decision_ids)
        self.assertEqual(self.request.state, "pending")

    def test_one_person_cannot_approve_two_levels(self):
        self.decide(self.request, self.approver_1)
        self.assertEqual(self.request.current_level, "Finance")
        with self.assertRaisesRegex(AccessError, "approved an earlier level"):
            self.decide(self.request, self.approver_1)
        self.assertEqual(len(self.request.decision_ids), 1)
        self.decide(self.request, self.finance)
        self.assertEqual(self.request.state, "approved")

    def test_unless_the_level_allows_it(self):
        self.matrix.level_ids.filtered(
            lambda level: level.name == "Finance"
        ).allow_repeat_approver = True
        order = self.make_order([(self.bolt, 2, 10)])
        order.with_user(self.salesman).action_confirm()
        request = self.request_of(order)
        self.decide(request, self.approver_1)
        self.decide(request, self.approver_1)
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.decision_ids.principal_id, self.approver_1)

    def test_someone_not_asked_cannot_decide(self):
        for user in (self.finance, self.salesman_2, self.manager):
            # AccessError is a UserError
            with self.assertRaises(UserError):
                self.decide(self.request, user)
        self.assertFalse(self.request.decision_ids)

    def test_no_decision_twice_on_a_level(self):
        matrix = self.make_matrix(
            "purchase_confirm",
            [{"name": "Two", "quorum": 2, "user_ids": self.approver_1 | self.approver_2}],
        )
        self.assertTrue(matrix)
        purchase = self.make_purchase(100)
        purchase.with_user(self.buyer).button_confirm()
        request = self.request_of(purchase)
        self.decide(request, self.approver_1)
        with self.assertRaisesRegex(UserError, "already decided"):
            self.decide(request, self.approver_1)
        self.assertEqual(request.current_step_id.approval_count, 1)


@tagged("post_install", "-at_install")
class TestRejection(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_matrix(
            "sale_confirm", [{"name": "Sales", "amount_min": 100, "user_ids": cls.approver_1}]
        )

    def test_rejection_needs_a_comment_and_blocks_until_the_order_changes(self):
        order = self.make_order([(self.bolt, 20, 10)])
        order.with_user(self.salesman).action_confirm()
        request = self.request_of(order)
        for comment in (None, "", "   "):
            with self.assertRaisesRegex(UserError, "why"):
                self.decide(request, self.approver_1, approve=False, comment=comment)
        self.decide(
            request, self.approver_1, approve=False, comment="Price too low for this customer"
        )
        self.assertEqual(request.state, "rejected")
        self.assertEqual(order.distribution_approval_state, "rejected")

        with self.assertRaisesRegex(UserError, "Price too low for this customer") as refused:
            order.with_user(self.salesman).action_confirm()
        self.assertIn("Ann Approver", str(refused.exception))
        self.assertEqual(refused.exception.details[0]["state"], "rejected")
        self.assertEqual(order.state, "draft")
        self.assertEqual(len(self.requests_of(order)), 1, "a refusal stays refused")

        # a changed order is another request; the refused one stays in the history
        order.order_line.price_unit = 12
        result = order.with_user(self.salesman).action_confirm()
        self.assertEqual(result["tag"], "display_notification")
        old, new = self.requests_of(order)
        self.assertEqual((old, old.state), (request, "rejected"))
        self.assertEqual(old.decision_ids.comment, "Price too low for this customer")
        self.assertEqual(new.state, "pending")

    def test_request_again_after_a_rejection_without_change(self):
        order = self.make_order([(self.bolt, 20, 10)])
        order.with_user(self.salesman).action_confirm()
        self.decide(self.request_of(order), self.approver_1, approve=False, comment="Not now")
        order.with_user(self.salesman).action_request_approval()
        old, new = self.requests_of(order)
        self.assertEqual((old.state, new.state), ("rejected", "pending"))
        self.decide(new, self.approver_1, comment="OK now")
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(
            len(
                self.Decision.sudo().search(
                    [("res_id", "=", order.id), ("res_model", "=", "sale.order")]
                )
            ),
            2,
        )

    def test_withdraw(self):
        order = self.make_order([(self.bolt, 20, 10)])
        order.with_user(self.salesman).action_confirm()
        request = self.request_of(order)
        with self.assertRaises(AccessError):
            request.with_user(self.approver_1).action_withdraw()
        request.with_user(self.salesman).action_withdraw()
        self.assertEqual(request.state, "cancelled")
        self.assertFalse(request.assignment_ids.activity_id, "the approvers' activities are gone")


@tagged("post_install", "-at_install")
class TestAuditTrail(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_matrix(
            "sale_confirm",
            [
                {"name": "Sales", "user_ids": cls.boss},
                {"name": "Finance", "user_ids": cls.finance},
            ],
        )

    def test_events_chatter_activities_and_audit_rows(self):
        order = self.make_order([(self.radio, 3, 100)])
        order.with_user(self.salesman).action_confirm()
        request = self.request_of(order)
        self.assertEqual(request.amount, 300.0)
        self.assertEqual(request.snapshot["lines"][0]["quantity"], 3)

        requested = self.events(request, "approval.requested")
        self.assertEqual(len(requested), 1)
        self.assertEqual(requested.payload["document"], order.name)
        self.assertEqual(requested.payload["amount"], 300.0)

        # the first approver has an activity on the order and an e-mail with a link
        assignment = request.assignment_ids.filtered(lambda a: a.user_id == self.boss)
        self.assertEqual(assignment.activity_id.res_model, "sale.order")
        self.assertEqual(assignment.activity_id.res_id, order.id)
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", assignment._name), ("res_id", "=", assignment.id)])
        )
        self.assertEqual(len(mail), 1)
        self.assertIn(self.boss.partner_id, mail.recipient_ids)
        self.assertIn("/distribution/approval/", mail.body_html)
        self.assertFalse(
            request.assignment_ids.filtered(lambda a: a.user_id == self.finance).activity_id,
            "the second level is asked when its turn comes",
        )

        self.decide(request, self.boss, comment="fine")
        self.assertFalse(assignment.activity_id.active if assignment.activity_id else False)
        finance = request.assignment_ids.filtered(lambda a: a.user_id == self.finance)
        self.assertTrue(finance.activity_id)
        self.decide(request, self.finance)
        self.assertEqual(request.state, "approved")
        self.assertEqual(
            self.events(request).mapped("event_type"), ["approval.requested", "approval.approved"]
        )
        approved = self.events(request, "approval.approved")
        self.assertEqual(approved.payload["decided_by"], ["Ben Boss", "Fay Finance"])

        notes = order.message_ids.mapped("body")
        self.assertTrue(any("Approval requested by Sam Seller" in body for body in notes))
        self.assertTrue(
            any("Approved (Sales: Ben Boss, Finance: Fay Finance)" in body for body in notes)
        )

        audit = self.Decision.with_user(self.manager).search(
            [("res_id", "=", order.id), ("res_model", "=", "sale.order")]
        )
        self.assertEqual(
            [(d.user_id, d.level, d.decision, d.amount, d.comment or "") for d in audit],
            [
                (self.boss, "Sales", "approve", 300.0, "fine"),
                (self.finance, "Finance", "approve", 300.0, ""),
            ],
        )
        self.assertTrue(all(audit.mapped("decided_at")))

    def test_decisions_are_never_changed_nor_deleted(self):
        order = self.make_order([(self.radio, 1, 100)])
        order.with_user(self.salesman).action_confirm()
        request = self.request_of(order)
        decision = self.decide(request, self.boss)
        admin = self.env.ref("base.user_admin")
        for user in (self.boss, self.manager, admin):
            with self.assertRaises(AccessError):
                decision.with_user(user).write({"decision": "reject"})
            with self.assertRaises(AccessError):
                decision.with_user(user).unlink()
            with self.assertRaises(AccessError):
                self.Decision.with_user(user).create(
                    {
                        "request_id": request.id,
                        "user_id": user.id,
                        "principal_id": user.id,
                        "decision": "approve",
                        "level": "Forged",
                    }
                )
        self.assertEqual(decision.decision, "approve")
        self.assertEqual(len(request.decision_ids), 1)
