# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestCustomerTier(TransactionCase):
    def test_contacts_follow_their_company_tier(self):
        company = self.env["res.partner"].create(
            {"name": "Tiered Foods Inc.", "is_company": True, "customer_tier": "a"}
        )
        contact = self.env["res.partner"].create({"name": "Buyer", "parent_id": company.id})
        self.assertEqual(contact.customer_tier, "a")
        company.customer_tier = "c"
        self.assertEqual(contact.customer_tier, "c")
        tier_c = self.env["res.partner"].search([("customer_tier", "=", "c")])
        self.assertIn(contact, tier_c)
