# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields
from odoo.exceptions import AccessDenied
from odoo.tests import TransactionCase, tagged

ROLE_GROUPS = {
    "sales": ["sales_team.group_sale_salesman", "distribution_base.group_distribution_user"],
    "warehouse": ["stock.group_stock_user", "distribution_base.group_distribution_user"],
    "buyer": ["purchase.group_purchase_user", "distribution_base.group_distribution_user"],
    "finance": ["account.group_account_manager", "distribution_base.group_distribution_user"],
    "approver": ["sales_team.group_sale_manager", "distribution_base.group_distribution_user"],
    "manager": [
        "distribution_base.group_distribution_manager",
        "sales_team.group_sale_manager",
        "stock.group_stock_manager",
        "purchase.group_purchase_manager",
    ],
}


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The demo distributor holds what the scenarios of the suite rely on."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.ref("base.main_company")
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company.ids))
        demo_partner_ids = (
            cls.env["ir.model.data"]
            .search([("module", "=", "distribution_demo"), ("model", "=", "res.partner")])
            .mapped("res_id")
        )
        cls.customers = cls.env["res.partner"].search(
            [
                ("id", "in", demo_partner_ids),
                ("is_company", "=", True),
                ("customer_tier", "!=", False),
            ]
        )

    def test_company_has_three_distribution_centers(self):
        self.assertEqual(self.company.name, "Harbor Wholesale Supply")
        warehouses = self.env["stock.warehouse"].search([("company_id", "=", self.company.id)])
        self.assertEqual(
            sorted(warehouses.mapped("code")), ["CDC", "NDC", "SDC"], "one warehouse per DC"
        )
        self.assertEqual(sorted(warehouses.mapped("name")), ["Central DC", "North DC", "South DC"])

    def test_customers_in_each_tier_with_credit_limits(self):
        self.assertTrue(self.company.account_use_credit_limit)
        for tier in ("a", "b", "c"):
            tier_customers = self.customers.filtered(lambda p, t=tier: p.customer_tier == t)
            self.assertGreaterEqual(len(tier_customers), 2, f"tier {tier} has customers")
            for customer in tier_customers:
                self.assertGreater(customer.credit_limit, 0, f"{customer.name} has a limit")
                self.assertTrue(customer.property_payment_term_id, customer.name)
                self.assertTrue(customer.child_ids, f"{customer.name} has a contact person")
        # Strategic accounts get more credit than occasional buyers.
        tier_a = self.customers.filtered(lambda p: p.customer_tier == "a")
        tier_c = self.customers.filtered(lambda p: p.customer_tier == "c")
        self.assertGreater(min(tier_a.mapped("credit_limit")), max(tier_c.mapped("credit_limit")))

    def test_overdue_posted_customer_invoices(self):
        today = fields.Date.context_today(self.env.user)
        overdue = self.env["account.move"].search(
            [
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("partner_id", "in", self.customers.ids),
                ("amount_residual", ">", 0),
                ("invoice_date_due", "<", today),
            ]
        )
        self.assertGreaterEqual(len(overdue), 2)
        self.assertGreaterEqual(len(overdue.partner_id), 2, "overdue amounts at several customers")
        for invoice in overdue:
            self.assertLess(invoice.invoice_date, invoice.invoice_date_due)
            self.assertAlmostEqual(invoice.amount_residual, invoice.amount_total, places=2)
            self.assertEqual(invoice.company_id, self.company)

    def test_role_users_can_log_in(self):
        for login, groups in ROLE_GROUPS.items():
            with self.subTest(login=login):
                user = self.env["res.users"].search([("login", "=", login)])
                self.assertEqual(len(user), 1)
                self.assertTrue(user.active)
                self.assertFalse(user.share, "internal user")
                self.assertEqual(user.company_id, self.company)
                for group in groups:
                    self.assertTrue(user.has_group(group), f"{login} is in {group}")
                # The password equals the login; a wrong one is refused.
                user_env = {"interactive": False}
                credential = {"type": "password", "login": login, "password": login}
                auth = user.with_user(user)._check_credentials(credential, user_env)
                self.assertEqual(auth["uid"], user.id)
                with self.assertRaises(AccessDenied):
                    user.with_user(user)._check_credentials(
                        dict(credential, password="wrong-password"), user_env
                    )
        sales = self.env["res.users"].search([("login", "=", "sales")])
        self.assertFalse(sales.has_group("sales_team.group_sale_manager"))
        team = self.env.ref("distribution_demo.crm_team_b2b_demo")
        self.assertEqual(team.user_id.login, "manager")
        self.assertIn(sales, team.member_ids)

    def test_carriers_and_tracked_deliveries(self):
        carriers = self.env.ref("distribution_demo.carrier_swift_freight_demo") | self.env.ref(
            "distribution_demo.carrier_parcelway_demo"
        )
        self.assertEqual(sorted(carriers.mapped("name")), ["Parcelway Express", "Swift Freight"])
        for carrier in carriers:
            self.assertEqual(carrier.delivery_type, "fixed")
            self.assertEqual(carrier.product_id.type, "service")
            self.assertIn("<shipmenttrackingnumber>", carrier.tracking_url)
        self.assertNotEqual(carriers[0].product_id, carriers[1].product_id)
        tracked = self.env["stock.picking"].search(
            [
                ("picking_type_code", "=", "outgoing"),
                ("carrier_id", "in", carriers.ids),
                ("carrier_tracking_ref", "!=", False),
            ]
        )
        self.assertGreaterEqual(len(tracked), 1)
        self.assertTrue(all(picking.sale_id for picking in tracked))
        self.assertTrue(all(picking.carrier_tracking_url for picking in tracked))
        self.assertIn(
            "SWF1000234571",
            tracked.mapped("carrier_tracking_ref"),
        )

    def test_some_products_are_scarce(self):
        categories = (
            self.env.ref("distribution_demo.product_category_janitorial_demo")
            | self.env.ref("distribution_demo.product_category_packaging_demo")
            | self.env.ref("distribution_demo.product_category_foodservice_demo")
            | self.env.ref("distribution_demo.product_category_beverages_demo")
        )
        products = self.env["product.product"].search(
            [("categ_id", "in", categories.ids), ("is_storable", "=", True)]
        )
        self.assertGreaterEqual(len(products), 10)
        warehouses = self.env["stock.warehouse"].search([("company_id", "=", self.company.id)])
        scarce = [
            (product.default_code, warehouse.code)
            for product in products
            for warehouse in warehouses
            if 0 < product.with_context(warehouse_id=warehouse.id).qty_available < 5
        ]
        self.assertTrue(scarce, "at least one product has only a few units in some DC")
        plenty = products.filtered(lambda p: p.qty_available >= 100)
        self.assertTrue(plenty, "and others are well stocked")

    def test_quotations_show_open_exceptions_of_several_kinds(self):
        exceptions = self.env["distribution.exception"].search(
            [("res_model", "=", "sale.order"), ("state", "=", "open")]
        )
        demo_rules = exceptions.rule_id.filtered(
            lambda rule: rule.get_external_id()[rule.id].startswith("distribution_demo.")
        )
        self.assertGreaterEqual(len(demo_rules), 4, demo_rules.mapped("name"))
        self.assertIn("blocking", exceptions.mapped("severity"))
        self.assertTrue(all(exceptions.filtered(lambda e: e.rule_id in demo_rules).owner_id))
        finance = self.env["res.users"].search([("login", "=", "finance")])
        credit = exceptions.filtered(lambda e: e.rule_id.detector == "credit_limit")
        self.assertTrue(credit, "a quotation is over its customer's credit limit")
        self.assertEqual(credit.owner_id, finance, "credit holds go to the credit controller")

    def test_purchases_and_deliveries_are_monitored(self):
        exceptions = self.env["distribution.exception"].search([("state", "=", "open")])
        detectors = {
            detector: exceptions.filtered(lambda e, d=detector: e.rule_id.detector == d)
            for detector in ("late_receipt", "unacknowledged", "late_delivery")
        }
        buyer = self.env["res.users"].search([("login", "=", "buyer")])
        self.assertEqual(detectors["late_receipt"].owner_id, buyer, "the buyer chases the supplier")
        self.assertTrue(
            all(detectors["late_receipt"].mapped("is_breached")), "days old: the SLA is breached"
        )
        greenleaf = self.env.ref("distribution_demo.purchase_order_greenleaf_late_demo")
        keystone = self.env.ref("distribution_demo.purchase_order_keystone_confirmed_demo")
        unacknowledged = detectors["unacknowledged"]
        self.assertIn(greenleaf.id, unacknowledged.mapped("res_id"))
        self.assertNotIn(keystone.id, unacknowledged.mapped("res_id"), "Keystone acknowledged")
        northgate = self.env.ref("distribution_demo.sale_order_northgate_confirmed_demo")
        late_delivery = detectors["late_delivery"].filtered(
            lambda e: e.res_id in northgate.picking_ids.ids
        )
        self.assertIn("2 days late", late_delivery.reason)

    def test_integration_endpoints_events_and_subscription(self):
        carrier = self.env.ref("distribution_demo.integration_endpoint_swift_freight_demo")
        supplier = self.env.ref("distribution_demo.integration_endpoint_keystone_ack_demo")
        self.assertEqual(
            (carrier.kind, carrier.auth_scheme), ("carrier_tracking", "standard_webhooks")
        )
        self.assertIn("Swift Freight", carrier.partner_id.name)
        self.assertEqual(supplier.kind, "supplier_ack")
        self.assertEqual(
            supplier.partner_id, self.env.ref("distribution_demo.supplier_keystone_packaging_demo")
        )
        self.assertTrue(carrier.secret.startswith("whsec_") and carrier.token)
        events = self.env["distribution.integration.event"].search(
            [("endpoint_id", "in", (carrier | supplier).ids)]
        )
        self.assertLessEqual({"done", "failed", "dead", "ignored"}, set(events.mapped("state")))
        self.assertEqual(events.endpoint_id, carrier | supplier, "both endpoints have events")
        subscription = self.env.ref("distribution_demo.integration_subscription_n8n_demo")
        self.assertFalse(subscription.active, "placeholder URL: archived")
        self.assertIn("n8n", subscription.target_url)
        self.assertEqual(subscription.delivery_ids.mapped("state"), ["dead"])

    def test_integration_scenarios_carrier_and_supplier(self):
        def picking(tracking_ref):
            return self.env["stock.picking"].search([("carrier_tracking_ref", "=", tracking_ref)])

        def open_exceptions(records, detector):
            return self.env["distribution.exception"].search(
                [
                    ("res_model", "=", records._name),
                    ("res_id", "in", records.ids),
                    ("rule_id.detector", "=", detector),
                    ("state", "in", ("open", "acknowledged")),
                ]
            )

        late = picking("PWX7734019825")
        self.assertEqual(late.distribution_carrier_status, "in_transit")
        self.assertGreater(late.distribution_carrier_estimated_delivery, late.date_deadline)
        self.assertIn("days late", open_exceptions(late, "late_delivery").reason)
        failed = picking("SWF1000234588")
        self.assertEqual(failed.distribution_carrier_status, "failed_attempt")
        self.assertTrue(open_exceptions(failed, "carrier_failed_attempt"))
        short = picking("SWF1000234571")
        self.assertEqual((short.distribution_carrier_status, short.state), ("delivered", "done"))
        self.assertTrue(open_exceptions(short, "carrier_partial"))
        self.assertEqual(len(short.distribution_carrier_status_ids), 2)
        self.assertTrue(self.company.distribution_invoice_wait_delivery)
        # the supplier delay and the sales order it puts at risk
        order = self.env.ref("distribution_demo.sale_order_pinecrest_mto_demo")
        purchase = order._distribution_feeding_purchase_lines()[order.order_line.id].order_id
        self.assertEqual(purchase.partner_ref, "KSP-SO-4471")
        self.assertTrue(purchase.distribution_acknowledged_at)
        self.assertTrue(open_exceptions(purchase, "supplier_delay"))
        at_risk = open_exceptions(order, "supply_at_risk")
        self.assertIn(purchase.name, at_risk.reason)
        self.assertEqual(at_risk.owner_id, self.env.ref("distribution_demo.user_sales_demo"))
