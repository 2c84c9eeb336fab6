# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import re
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import APPROVER_GROUPS, SALESMAN_GROUPS


@tagged("post_install", "-at_install")
class TestApprovalLink(HttpCase):
    """The approve-by-e-mail link: the same rules as the Approve button, and a clear page when
    the link may not be used. Every refusal leaves the request as it was."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["distribution.approval.matrix"].search([]).action_archive()
        cls.env["distribution.exception.rule"].search([]).action_archive()
        company = cls.env.company
        companies = {"company_id": company.id, "company_ids": [Command.set(company.ids)]}
        cls.ann = new_test_user(
            cls.env,
            "link_ann",
            password="link_ann",
            name="Ann Link",
            groups=APPROVER_GROUPS,
            **companies,
        )
        cls.bob = new_test_user(
            cls.env,
            "link_bob",
            password="link_bob",
            name="Bob Link",
            groups=APPROVER_GROUPS,
            **companies,
        )
        cls.salesman = new_test_user(
            cls.env, "link_sam", name="Sam Link", groups=SALESMAN_GROUPS, **companies
        )
        cls.env["distribution.approval.matrix"].create(
            {
                "name": "Link matrix",
                "document_type": "sale_confirm",
                "company_id": company.id,
                "level_ids": [
                    Command.create(
                        {"name": "Link Level", "user_ids": [Command.set((cls.ann | cls.bob).ids)]}
                    )
                ],
            }
        )
        cls.product = cls.env["product.product"].create(
            {"name": "Link Service", "type": "service", "taxes_id": [Command.clear()]}
        )
        cls.customer = cls.env["res.partner"].create({"name": "Link Customer"})

    def setUp(self):
        super().setUp()
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "user_id": self.salesman.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.product.id,
                                "product_uom_qty": 1,
                                "price_unit": 777.0,
                            }
                        )
                    ],
                }
            )
        )
        order.with_user(self.salesman).action_confirm()
        self.order = order
        self.request = self.env["distribution.approval.request"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", order.id)]
        )
        self.ann_link = self.request.assignment_ids.filtered(lambda a: a.user_id == self.ann)

    def csrf_token(self):
        """The session's CSRF token, as the confirmation page's form carries it."""
        if not getattr(self, "_csrf", None):
            page = self.url_open(self.url(self.ann_link._make_token()))
            self._csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        return self._csrf

    def url(self, token):
        return f"/distribution/approval/{token}"

    def open_page(self, token):
        return self.url_open(self.url(token), allow_redirects=False)

    def post(self, token, decision, comment="", csrf=True):
        data = {"decision": decision, "comment": comment}
        if csrf:
            data["csrf_token"] = self.csrf_token()
        return self.url_open(self.url(token), data=data, allow_redirects=False)

    def assertUnchanged(self):
        self.env.invalidate_all()
        self.assertEqual(self.request.state, "pending")
        self.assertFalse(self.request.decision_ids)

    def test_the_e_mail_carries_a_link_to_a_confirmation_page(self):
        mail = self.env["mail.mail"].search(
            [("model", "=", "distribution.approval.assignment"), ("res_id", "=", self.ann_link.id)]
        )
        link = re.search(r'href="[^"]*(/distribution/approval/[^"]+)"', mail.body_html).group(1)
        self.authenticate("link_ann", "link_ann")
        page = self.url_open(link)
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.order.name, page.text)
        self.assertIn("777.00", page.text)
        self.assertIn('name="decision" value="approve"', page.text)
        self.assertUnchanged()  # opening the page decides nothing

    def test_approve_through_the_link_once(self):
        self.authenticate("link_ann", "link_ann")
        self.csrf_token()
        token = self.ann_link._make_token()
        response = self.post(token, "approve", "Seen in my mailbox")
        self.assertEqual(response.status_code, 200)
        self.assertIn("your decision is recorded", response.text)
        self.env.invalidate_all()
        self.assertEqual(self.request.state, "approved")
        decision = self.request.decision_ids
        self.assertEqual(
            (decision.user_id, decision.channel, decision.comment),
            (self.ann, "email", "Seen in my mailbox"),
        )

        # used again: refused, nothing changes
        again = self.open_page(token)
        self.assertEqual(again.status_code, 409)
        self.assertIn("You have already decided", again.text)
        again = self.post(token, "reject", "changed my mind")
        self.assertEqual(again.status_code, 409)
        self.env.invalidate_all()
        self.assertEqual(self.request.state, "approved")
        self.assertEqual(len(self.request.decision_ids), 1)

    def test_expired_link(self):
        self.authenticate("link_ann", "link_ann")
        token = self.ann_link._make_token(expires_at=fields.Datetime.now() - timedelta(minutes=1))
        for response in (self.open_page(token), self.post(token, "approve")):
            self.assertEqual(response.status_code, 410)
            self.assertIn("This link has expired", response.text)
        self.assertUnchanged()

    def test_link_of_another_approver(self):
        self.authenticate("link_bob", "link_bob")
        token = self.ann_link._make_token()
        page = self.open_page(token)
        self.assertEqual(page.status_code, 403)
        self.assertIn("This link was sent to someone else", page.text)
        self.assertIn("Bob Link", page.text)
        self.assertNotIn(self.order.name, page.text, "nothing is said about the request")
        self.assertUnchanged()

    def test_tampered_links(self):
        self.authenticate("link_ann", "link_ann")
        token = self.ann_link._make_token()
        assignment_id, expiry, signature = token.split("-")
        bob_link = self.request.assignment_ids.filtered(lambda a: a.user_id == self.bob)
        tampered = [
            f"{assignment_id}-{expiry}-{signature[:-1]}{'0' if signature[-1] != '0' else '1'}",
            f"{assignment_id}-{int(expiry) + 3600}-{signature}",  # a longer validity
            f"{bob_link.id}-{expiry}-{signature}",  # another approver's slot
            "garbage",
            f"{assignment_id}-{expiry}",
        ]
        for token in tampered:
            page = self.open_page(token)
            self.assertEqual(page.status_code, 404, token)
            self.assertIn("This link is not valid", page.text)
            self.assertEqual(self.post(token, "approve").status_code, 404)
        self.assertUnchanged()

    def test_request_decided_by_someone_else_meanwhile(self):
        self.request.with_user(self.bob)._decide(True, "Bob was faster")
        self.authenticate("link_ann", "link_ann")
        page = self.open_page(self.ann_link._make_token())
        self.assertEqual(page.status_code, 409)
        self.assertIn("no longer waiting for you", page.text)
        self.env.invalidate_all()
        self.assertEqual(self.request.decision_ids.user_id, self.bob)

    def test_the_same_rules_apply_a_rejection_needs_a_comment(self):
        self.authenticate("link_ann", "link_ann")
        response = self.post(self.ann_link._make_token(), "reject", "  ")
        self.assertEqual(response.status_code, 409)
        self.assertIn("Your decision was not recorded", response.text)
        self.assertUnchanged()

    def test_a_post_without_the_csrf_token_is_refused(self):
        self.authenticate("link_ann", "link_ann")
        response = self.post(self.ann_link._make_token(), "approve", csrf=False)
        self.assertEqual(response.status_code, 400)
        self.assertUnchanged()

    def test_signed_out_the_link_leads_to_the_login_first(self):
        response = self.open_page(self.ann_link._make_token())
        self.assertIn(response.status_code, (302, 303))
        self.assertIn("/web/login", response.headers["Location"])
        self.assertUnchanged()
