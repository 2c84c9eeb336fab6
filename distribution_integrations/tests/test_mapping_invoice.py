# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged

from .mapping_common import MappingMixin

HOLD = "distribution_integrations.distribution_exception_rule_delivery_confirmation"


@tagged("post_install", "-at_install")
class TestInvoiceHold(MappingMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_mapping()
        cls.finance = new_test_user(
            cls.env,
            "dcm_finance",
            groups="account.group_account_invoice,sales_team.group_sale_salesman_all_leads,"
            "stock.group_stock_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.company.distribution_invoice_wait_delivery = True
        cls.company.distribution_invoice_post_on_delivery = False

    def _invoiced_delivery(self, ref):
        picking = self.make_delivery(ref)
        invoice = picking.sale_id._create_invoices()
        self.assertEqual(invoice.state, "draft")
        return picking, invoice

    def _track(self, ref, event_id, status, timestamp, **data):
        return self.feed(
            self.native, [self.native_tracking(event_id, ref, status, timestamp, **data)]
        )

    def test_invoice_waits_for_carrier_confirmation_then_posts(self):
        picking, invoice = self._invoiced_delivery("DCM-INV-1")
        self._track("DCM-INV-1", "i1", "in_transit", "2025-03-04T10:00:00Z")
        with self.assertRaises(UserError) as blocked:
            invoice.with_user(self.finance).action_post()
        self.assertIn("not confirmed delivered by the carrier", str(blocked.exception))
        self.assertIn(picking.name, str(blocked.exception))
        self.assertEqual(invoice.state, "draft")
        hold = self.open_exceptions(invoice, HOLD)
        self.assertEqual(len(hold), 1)
        self._track("DCM-INV-1", "i2", "delivered", "2025-03-05T10:00:00Z")
        self.assertEqual(hold.state, "cleared", "the carrier's confirmation releases the hold")
        self.assertEqual(invoice.state, "draft", "not posted without the post-on-delivery option")
        invoice.with_user(self.finance).action_post()
        self.assertEqual(invoice.state, "posted")

    def test_open_delivery_exception_holds_the_invoice_with_its_reason(self):
        _picking, invoice = self._invoiced_delivery("DCM-INV-2")
        self._track("DCM-INV-2", "i3", "failed_attempt", "2025-03-04T10:00:00Z")
        hold = self.open_exceptions(invoice, HOLD)
        self.assertIn("open exception: Carrier: failed delivery attempt", hold.reason)
        with self.assertRaises(UserError):
            invoice.with_user(self.finance).action_post()

    def test_post_on_delivery_posts_the_held_invoice(self):
        self.company.distribution_invoice_post_on_delivery = True
        _picking, invoice = self._invoiced_delivery("DCM-INV-3")
        self._track("DCM-INV-3", "i4", "out_for_delivery", "2025-03-04T10:00:00Z")
        self.assertEqual(invoice.state, "draft")
        self._track("DCM-INV-3", "i5", "delivered", "2025-03-05T10:00:00Z")
        self.assertEqual(invoice.state, "posted")
        self.assertFalse(self.open_exceptions(invoice))

    def test_partial_delivery_keeps_the_invoice_held(self):
        self.company.distribution_invoice_post_on_delivery = True
        _picking, invoice = self._invoiced_delivery("DCM-INV-4")
        self._track("DCM-INV-4", "i6", "delivered", "2025-03-05T10:00:00Z", pieces=2)
        self.assertEqual(invoice.state, "draft")
        self.assertIn("delivered short", self.open_exceptions(invoice, HOLD).reason.lower())

    def test_without_the_policy_nothing_waits_for_the_carrier(self):
        self.company.distribution_invoice_wait_delivery = False
        _picking, invoice = self._invoiced_delivery("DCM-INV-5")
        self._track("DCM-INV-5", "i7", "in_transit", "2025-03-04T10:00:00Z")
        invoice.with_user(self.finance).action_post()
        self.assertEqual(invoice.state, "posted")
