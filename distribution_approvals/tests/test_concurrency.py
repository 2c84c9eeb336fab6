# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two approvers deciding at the same moment, on two database connections.

These tests commit: they create their users, matrix and purchase order on a connection of their
own and delete everything at the end, whatever happens.
"""

from contextlib import ExitStack

from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, Command, api, sql_db
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, tagged
from odoo.tools import mute_logger


@tagged("post_install", "-at_install")
class TestTwoApproversAtOnce(TransactionCase):
    def cursor(self):
        cr = self.registry.cursor()
        self.assertNotIsInstance(cr, sql_db.TestCursor, "a connection of its own")
        return cr

    def setUp(self):
        super().setUp()
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            Users = env["res.users"].with_context(no_reset_password=True)
            groups = [
                Command.set(
                    [
                        env.ref("base.group_user").id,
                        env.ref("purchase.group_purchase_user").id,
                    ]
                )
            ]
            users = Users.create(
                [
                    {
                        "name": f"DAP concurrent {role}",
                        "login": f"dap_concurrent_{role}",
                        "email": f"{role}@concurrent.example",
                        "company_id": company.id,
                        "company_ids": [Command.set(company.ids)],
                        "groups_id": groups,
                    }
                    for role in ("buyer", "ann", "bob")
                ]
            )
            self.buyer_id, self.ann_id, self.bob_id = users.ids
            self.addCleanup(self.delete_committed)
            supplier = env["res.partner"].create({"name": "DAP concurrent supplier"})
            product = env["product.product"].create(
                {"name": "DAP concurrent bolt", "type": "consu"}
            )
            self.partner_ids = (users.partner_id | supplier).ids
            self.product_id = product.id
            matrix = env["distribution.approval.matrix"].create(
                {
                    "name": "DAP concurrent matrix",
                    "document_type": "purchase_confirm",
                    "company_id": company.id,
                    "level_ids": [
                        Command.create(
                            {
                                "name": "One of two",
                                "user_ids": [Command.set([self.ann_id, self.bob_id])],
                                "domain": f"[('partner_id', '=', {supplier.id})]",
                            }
                        )
                    ],
                }
            )
            self.matrix_id = matrix.id
            order = (
                env["purchase.order"]
                .with_user(self.buyer_id)
                .create(
                    {
                        "partner_id": supplier.id,
                        "order_line": [
                            Command.create(
                                {"product_id": product.id, "product_qty": 1, "price_unit": 100}
                            )
                        ],
                    }
                )
            )
            self.order_id = order.id
            order.button_confirm()
            request = env["distribution.approval.request"].search(
                [("res_model", "=", "purchase.order"), ("res_id", "=", order.id)]
            )
            self.assertEqual(request.state, "pending")
            self.request_id = request.id
            # the other connections must see them
            cr.commit()  # pylint: disable=invalid-commit

    def delete_committed(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            requests = env["distribution.approval.request"].search(
                [("res_model", "=", "purchase.order"), ("res_id", "=", self.order_id)]
            )
            env["distribution.event"].search(
                [("res_model", "=", requests._name), ("res_id", "in", requests.ids)]
            ).unlink()
            assignments = requests.assignment_ids
            env["mail.mail"].search(
                [("model", "=", assignments._name), ("res_id", "in", assignments.ids)]
            ).unlink()
            env["mail.message"].search(
                [("model", "=", requests._name), ("res_id", "in", requests.ids)]
            ).unlink()
            requests.decision_ids.unlink()
            requests.unlink()
            order = env["purchase.order"].browse(self.order_id)
            order.button_cancel()
            order.unlink()
            env["distribution.approval.matrix"].browse(self.matrix_id).unlink()
            env["product.product"].browse(self.product_id).product_tmpl_id.unlink()
            users = env["res.users"].browse([self.buyer_id, self.ann_id, self.bob_id])
            env["mail.message"].search([("author_id", "in", users.partner_id.ids)]).unlink()
            users.unlink()
            env["res.partner"].browse(self.partner_ids).unlink()
            # clean up what setUp committed
            cr.commit()  # pylint: disable=invalid-commit
        self.env.registry.clear_cache()

    def approver(self, stack, user_id):
        cr = stack.enter_context(self.cursor())
        # a regression that waits on the other approver's lock fails instead of hanging
        cr.execute("SET lock_timeout = '10s'")
        env = api.Environment(cr, user_id, {})
        return env["distribution.approval.request"].browse(self.request_id)

    def outcome(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            request = env["distribution.approval.request"].browse(self.request_id)
            return (
                request.state,
                [(d.user_id.id, d.decision) for d in request.decision_ids],
                request.current_step_id.approval_count,
            )

    def test_approve_and_reject_at_once_one_outcome(self):
        with ExitStack() as stack:
            ann, bob = self.approver(stack, self.ann_id), self.approver(stack, self.bob_id)
            # both open the request while it is pending
            self.assertEqual((ann.state, bob.state), ("pending", "pending"))
            ann._decide(True, "Ann approves")
            bob_saw = bob.current_step_id.approval_count
            self.assertEqual(bob_saw, 0, "Bob's transaction does not see Ann's decision")
            ann.env.cr.commit()  # pylint: disable=invalid-commit
            # Bob rejects at the same moment: his transaction conflicts with Ann's
            with self.assertRaises(SerializationFailure), mute_logger("odoo.sql_db"):
                bob._decide(False, "Bob rejects")
            bob.env.cr.rollback()
            # Odoo retries a conflicting request: the retry sees the outcome and refuses
            bob.env.invalidate_all()
            with self.assertRaisesRegex(UserError, "already approved"):
                bob._decide(False, "Bob rejects")
            bob.env.cr.rollback()
        self.assertEqual(self.outcome(), ("approved", [(self.ann_id, "approve")], 1))

    def test_two_approvals_at_once_are_both_counted(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["distribution.approval.request"].browse(self.request_id).current_step_id.quorum = 2
            cr.commit()  # pylint: disable=invalid-commit
        with ExitStack() as stack:
            ann, bob = self.approver(stack, self.ann_id), self.approver(stack, self.bob_id)
            self.assertEqual((ann.state, bob.state), ("pending", "pending"))
            ann._decide(True, "yes")
            ann.env.cr.commit()  # pylint: disable=invalid-commit
            # without the lock, Bob would count one approval of two and leave the request
            # pending forever with two approvals; instead his transaction fails and is retried
            with self.assertRaises(SerializationFailure), mute_logger("odoo.sql_db"):
                bob._decide(True, "yes too")
            bob.env.cr.rollback()
            bob.env.invalidate_all()
            bob._decide(True, "yes too")
            bob.env.cr.commit()  # pylint: disable=invalid-commit
        state, decisions, count = self.outcome()
        self.assertEqual(state, "approved")
        self.assertEqual(
            sorted(decisions), sorted([(self.ann_id, "approve"), (self.bob_id, "approve")])
        )
        self.assertEqual(count, 2)
