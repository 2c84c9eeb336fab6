# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.addons.distribution_exceptions.models.distribution_exception_mixin import (
    DistributionBlockedError,
)
from odoo.tests import new_test_user, tagged

from .common import ExceptionCase

ACCOUNTANT_GROUPS = "account.group_account_invoice,sales_team.group_sale_salesman_all_leads"


@tagged("post_install", "-at_install")
class TestInvoiceHold(ExceptionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(cls.env, "dx_accountant", groups=ACCOUNTANT_GROUPS)
        cls.hold = cls.make_rule("invoice_hold", owner_field_id=False)
        # the integrations module may make invoices wait for the carrier too (the demo does):
        # these tests are about the deliveries in Odoo alone
        if "distribution_invoice_wait_delivery" in cls.env.company._fields:
            cls.env.company.distribution_invoice_wait_delivery = False

    def setUp(self):
        super().setUp()
        self.order = self.make_order([(self.gadget, 3)])
        self.order.action_confirm()
        self.delivery = self.order.picking_ids
        self.invoice = self.order._create_invoices()

    def post(self):
        self.invoice.with_user(self.accountant).action_post()

    def deliver(self):
        for move in self.delivery.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        self.delivery.button_validate()
        self.assertEqual(self.delivery.state, "done")

    def test_posting_waits_for_the_delivery(self):
        with self.assertRaises(DistributionBlockedError) as caught:
            self.post()
        self.assertIn(f"{self.delivery.name} is not delivered yet", str(caught.exception))
        self.assertEqual(self.invoice.state, "draft")

        self.deliver()
        self.post()
        self.assertEqual(self.invoice.state, "posted")

    def test_delivery_releases_the_hold_shown_on_the_invoice(self):
        self.invoice.action_distribution_recheck()
        occurrence = self.open_exceptions(self.invoice, self.hold)
        self.assertTrue(occurrence)
        self.assertEqual(occurrence.owner_id, self.invoice.invoice_user_id)
        self.assertIn(self.delivery.name, self.invoice.distribution_blocking_summary)

        self.deliver()  # the transfer's automation rule re-checks the invoices it feeds
        self.assertEqual(occurrence.state, "cleared")
        self.assertFalse(self.invoice.distribution_blocking_summary)

    def test_an_open_exception_on_a_done_delivery_still_holds(self):
        self.deliver()
        self.make_rule(
            "domain",
            name="Carrier reports damage",
            target_model="stock.picking",
            transition="validate",
            severity="warning",
            domain="[('picking_type_code', '=', 'outgoing')]",
            owner_field_id=False,
        )
        trouble = self.env["distribution.exception"].create(
            {
                "rule_id": self.env["distribution.exception.rule"]
                .search([("name", "=", "Carrier reports damage")])
                .id,
                "res_model": "stock.picking",
                "res_id": self.delivery.id,
                "res_name": self.delivery.name,
                "reason": "Parcel damaged",
            }
        )
        with self.assertRaisesRegex(
            DistributionBlockedError, f"{self.delivery.name} has an open exception"
        ):
            self.post()
        trouble.action_resolve()
        self.post()
        self.assertEqual(self.invoice.state, "posted")

    def test_invoice_without_deliveries_is_not_held(self):
        draft = self.invoice.copy()
        draft.invoice_line_ids.sale_line_ids = False
        self.assertEqual(self.hold._detect(draft), {})
        self.assertIn((self.invoice.id, 0), self.hold._detect(self.invoice))
