# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, fields
from odoo.addons.distribution_exceptions.models.distribution_exception_mixin import (
    DistributionBlockedError,
)
from odoo.tests import tagged

from .common import ExceptionCase


@tagged("post_install", "-at_install")
class TestSaleDetectors(ExceptionCase):
    """Each built-in sales detector, its domain and Python variants: found and not found."""

    def test_stock_shortage_reports_the_line_product_quantities_and_warehouse(self):
        rule = self.make_rule("stock_shortage")
        order = self.make_order([(self.widget, 8), (self.gadget, 3), (self.service, 50)])
        widget_line = order.order_line.filtered(lambda line: line.product_id == self.widget)

        found = self.findings(rule, order)

        self.assertEqual(list(found), [(order.id, widget_line.id)], "only the short line")
        reason = found[(order.id, widget_line.id)]
        for expected in ("DX Widget", "8", "5", "DX Main Warehouse"):
            self.assertIn(expected, reason)
        self.assertNotIn("500", reason, "stock of another warehouse does not count")

        order.with_user(self.salesman).action_distribution_recheck()
        exception = self.open_exceptions(order)
        self.assertEqual(len(exception), 1)
        self.assertEqual(exception.line_model, "sale.order.line")
        self.assertEqual(exception.line_id, widget_line.id)
        self.assertEqual(exception.line_name, widget_line.display_name)
        self.assertEqual(exception.reason, reason)

    def test_stock_shortage_not_found_when_enough_is_free(self):
        rule = self.make_rule("stock_shortage")
        order = self.make_order([(self.widget, 5), (self.gadget, 900)])
        self.assertEqual(self.findings(rule, order), {})
        far_order = self.make_order([(self.widget, 200)], warehouse_id=self.other_warehouse.id)
        self.assertEqual(self.findings(rule, far_order), {}, "stock is counted per warehouse")

    def test_stock_shortage_adds_up_the_lines_of_one_product(self):
        rule = self.make_rule("stock_shortage")
        order = self.make_order([(self.widget, 3), (self.gadget, 1), (self.widget, 3)])
        first, _gadget, second = order.order_line
        found = self.findings(rule, order)
        self.assertEqual(list(found), [(order.id, second.id)], "5 free: the second 3 are short")
        self.assertIn(
            "needs 6 Units on this order (3 on this line), 5 free", found[(order.id, second.id)]
        )
        other = self.make_order([(self.widget, 3)])
        self.assertEqual(self.findings(rule, other), {}, "other orders do not add up")
        self.assertNotIn((order.id, first.id), found)

    def test_stock_shortage_counts_reserved_quantities_as_taken(self):
        rule = self.make_rule("stock_shortage")
        first = self.make_order([(self.widget, 4)])
        first.action_confirm()
        self.assertEqual(first.picking_ids.move_ids.quantity, 4.0, "the first order reserves")
        second = self.make_order([(self.widget, 2)])
        found = self.findings(rule, second)
        self.assertEqual(len(found), 1)
        self.assertIn("1 free", next(iter(found.values())))

    def _mto_route(self):
        route = self.env.ref("stock.route_warehouse0_mto")
        route.active = True  # archived in a new database
        self.assertIn(
            self.warehouse.lot_stock_id,
            route.rule_ids.filtered("active").location_src_id,
            "the route makes to order from the test warehouse's stock",
        )
        return route

    def _short_product(self, name, **vals):
        """A storable product with nothing in stock: any quantity is short unless procured."""
        return self.env["product.product"].create(
            {"name": name, "type": "consu", "is_storable": True, "list_price": 10.0, **vals}
        )

    def test_stock_shortage_ignores_lines_made_or_bought_to_order(self):
        rule = self.make_rule("stock_shortage")
        mto, buy = self._mto_route(), self.env.ref("purchase_stock.route_warehouse0_buy")
        bought_to_order = self._short_product(
            "DX Face Shields", route_ids=[Command.set((mto | buy).ids)]
        )
        parent = self.env["product.category"].create(
            {"name": "DX Made to order", "route_ids": [Command.set(mto.ids)]}
        )
        child = self.env["product.category"].create({"name": "DX Sub", "parent_id": parent.id})
        by_category = self._short_product("DX Category MTO", categ_id=child.id)
        by_line = self._short_product("DX Line MTO")
        dropship = self.env["stock.route"].create(
            {
                "name": "DX Dropship",
                "product_selectable": True,
                "rule_ids": [
                    Command.create(
                        {
                            "name": "DX Vendors → Customers",
                            "action": "buy",
                            "location_src_id": self.env.ref("stock.stock_location_suppliers").id,
                            "location_dest_id": self.env.ref("stock.stock_location_customers").id,
                            "picking_type_id": self.warehouse.out_type_id.id,
                        }
                    )
                ],
            }
        )
        dropshipped = self._short_product("DX Dropshipped", route_ids=[Command.set(dropship.ids)])
        order = self.make_order(
            [
                (bought_to_order, 20),
                (by_category, 5),
                (by_line, 5, {"route_id": mto.id}),
                (dropshipped, 5),
                (self.widget, 8),
            ]
        )
        widget_line = order.order_line.filtered(lambda line: line.product_id == self.widget)
        self.assertEqual(
            list(self.findings(rule, order)),
            [(order.id, widget_line.id)],
            "procured lines are not short; the widget taken from stock still is",
        )
        with self.assertRaises(DistributionBlockedError) as blocked:
            order.with_user(self.salesman).action_confirm()
        self.assertEqual([d["line"] for d in blocked.exception.details], [widget_line.display_name])

    def test_stock_shortage_still_counts_lines_taken_from_stock(self):
        rule = self.make_rule("stock_shortage")
        mto, buy = self._mto_route(), self.env.ref("purchase_stock.route_warehouse0_buy")
        bought_for_stock = self._short_product("DX Bought", route_ids=[Command.set(buy.ids)])
        archived_mto = self._short_product("DX Archived MTO", route_ids=[Command.set(mto.ids)])
        mto_elsewhere = self._short_product(
            "DX MTO, other line route", route_ids=[Command.set(mto.ids)]
        )
        order = self.make_order(
            [
                (bought_for_stock, 2),
                (archived_mto, 2),
                # the line's route replaces the product's: a plain delivery route takes from stock
                (mto_elsewhere, 2, {"route_id": self.warehouse.delivery_route_id.id}),
            ]
        )
        mto.active = False
        self.assertEqual(
            set(self.findings(rule, order)),
            {(order.id, line.id) for line in order.order_line},
            "buying to replenish, an archived MTO route or a delivery route take from stock",
        )
        mto.active = True
        self.assertEqual(
            set(self.findings(rule, order)),
            {(order.id, line.id) for line in order.order_line[0] | order.order_line[2]},
        )

    def test_stock_shortage_queries_do_not_grow_with_made_to_order_lines(self):
        rule = self.make_rule("stock_shortage")
        mto = self._mto_route()
        made = self._short_product("DX MTO", route_ids=[Command.set(mto.ids)])

        def queries(count):
            orders = self.env["sale.order"].create(
                [self.order_vals([(made, 2), (self.widget, 8)]) for _i in range(count)]
            )
            self.env.invalidate_all()
            with self.capture_queries() as captured:
                found = rule._detect(orders)
            self.assertEqual(len(found), count, "one short widget line per order")
            return captured

        queries(1)  # warm the registry caches
        self.assertEqual(len(queries(2)), len(queries(30)))

    def test_line_detectors_read_the_products_found_together(self):
        """A reason names its product: the names are read in one go, not product by product."""
        margin = self.make_rule("margin", threshold=50.0)
        shortage = self.make_rule("stock_shortage")
        products = self.env["product.product"].create(
            [
                {
                    "name": f"DX Thin {index}",
                    "type": "consu",
                    "is_storable": True,
                    "list_price": 10.0,
                    "standard_price": 9.0,
                }
                for index in range(12)
            ]
        )

        def queries(rule, count):
            order = self.make_order([(product, 1) for product in products[:count]])
            self.env.invalidate_all()
            with self.capture_queries() as captured:
                found = rule._detect(order)
            self.assertEqual(len(found), count, "every line is short of margin and of stock")
            return captured

        for rule in (margin, shortage):
            queries(rule, 1)  # warm the registry caches
            self.assertEqual(len(queries(rule, 2)), len(queries(rule, 12)), rule.name)

    def test_credit_limit_adds_receivables_open_orders_and_this_order(self):
        self.customer.credit_limit = 1000.0
        self.make_invoice(self.customer, 400.0)
        confirmed = self.make_order([(self.service, 3)])  # 300 to invoice
        confirmed.action_confirm()
        rule = self.make_rule("credit_limit")

        within = self.make_order([(self.service, 2)])  # 400 + 300 + 200 = 900
        self.assertEqual(self.findings(rule, within), {})

        over = self.make_order([(self.service, 4)])  # 400 + 300 + 400 = 1100
        found = self.findings(rule, over)
        self.assertEqual(list(found), [(over.id, 0)])
        reason = found[(over.id, 0)]
        for amount in ("1,100.00", "1,000.00", "400.00", "300.00"):
            self.assertIn(amount, reason)

    def test_credit_limit_counts_orders_of_other_salespeople(self):
        """The exposure is the customer's, whatever the salesman running the check may read."""
        self.customer.credit_limit = 500.0
        theirs = self.make_order(
            [(self.service, 4)], user=self.salesman_2, user_id=self.salesman_2.id
        )
        theirs.action_confirm()
        rule = self.make_rule("credit_limit")
        mine = self.make_order([(self.service, 2)])  # 400 + 200 = 600 > 500
        self.assertEqual(list(self.findings(rule, mine)), [(mine.id, 0)])

    def test_credit_limit_not_found_without_a_limit(self):
        self.make_invoice(self.customer, 5000.0)
        rule = self.make_rule("credit_limit")
        self.assertEqual(self.findings(rule, self.make_order([(self.service, 10)])), {})

    def test_overdue_invoices_older_than_the_grace_period(self):
        today = fields.Date.context_today(self.env.user)
        self.make_invoice(
            self.customer, 250.0, today - timedelta(days=60), today - timedelta(days=40)
        )
        self.make_invoice(
            self.customer, 999.0, today - timedelta(days=5), today + timedelta(days=25)
        )
        self.make_invoice(
            self.other_customer, 50.0, today - timedelta(days=90), today - timedelta(days=80)
        )
        order = self.make_order([(self.service, 1)])

        found = self.findings(self.make_rule("overdue_invoices", days=30), order)
        self.assertEqual(list(found), [(order.id, 0)])
        self.assertIn("1 invoice(s)", found[(order.id, 0)])
        self.assertIn("250.00", found[(order.id, 0)])
        self.assertIn("30", found[(order.id, 0)])

        lenient = self.make_rule("overdue_invoices", days=50, name="DX lenient overdue")
        self.assertEqual(self.findings(lenient, order), {}, "40 days late is within 50 days")

    def test_overdue_invoices_ignores_paid_and_other_customers(self):
        today = fields.Date.context_today(self.env.user)
        invoice = self.make_invoice(
            self.customer, 100.0, today - timedelta(days=60), today - timedelta(days=40)
        )
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoice.ids
        ).create({})._create_payments()
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.make_invoice(
            self.other_customer, 50.0, today - timedelta(days=90), today - timedelta(days=80)
        )
        rule = self.make_rule("overdue_invoices", days=30)
        self.assertEqual(self.findings(rule, self.make_order([(self.service, 1)])), {})

    def test_discount_above_threshold(self):
        rule = self.make_rule("discount", threshold=10.0)
        order = self.make_order(
            [(self.widget, 1, {"discount": 15.0}), (self.gadget, 1, {"discount": 10.0})]
        )
        found = self.findings(rule, order)
        self.assertEqual(list(found), [(order.id, order.order_line[0].id)])
        self.assertIn("DX Widget", found[(order.id, order.order_line[0].id)])
        self.assertIn("15%", found[(order.id, order.order_line[0].id)])
        order.order_line[0].discount = 5.0
        self.assertEqual(self.findings(rule, order), {})

    def test_margin_below_threshold_uses_cost_against_price(self):
        order = self.make_order([(self.widget, 2), (self.gadget, 1, {"price_unit": 200.0})])
        widget_line, gadget_line = order.order_line
        found = self.findings(self.make_rule("margin", threshold=50.0), order)
        # widget: (100 - 60) / 100 = 40 % margin, gadget: (200 - 60) / 200 = 70 %
        self.assertEqual(list(found), [(order.id, widget_line.id)])
        self.assertIn("40.0%", found[(order.id, widget_line.id)])
        self.assertNotIn((order.id, gadget_line.id), found)
        lenient = self.make_rule("margin", threshold=30.0, name="DX lenient margin")
        self.assertEqual(self.findings(lenient, order), {})

    def test_missing_data_lists_each_empty_required_field(self):
        fields_ = self.env["ir.model.fields"]._get("sale.order", "client_order_ref") | self.env[
            "ir.model.fields"
        ]._get("sale.order", "commitment_date")
        rule = self.make_rule("missing_data", required_field_ids=[Command.set(fields_.ids)])
        order = self.make_order([(self.widget, 1)])

        reason = self.findings(rule, order)[(order.id, 0)]
        for field in fields_:
            self.assertIn(field.field_description, reason)

        order.client_order_ref = "PO-42"
        reason = self.findings(rule, order)[(order.id, 0)]
        self.assertNotIn(fields_[0].field_description, reason)
        self.assertIn(fields_[1].field_description, reason)

        order.commitment_date = fields.Datetime.now() + timedelta(days=3)
        self.assertEqual(self.findings(rule, order), {})

    def test_domain_rule_on_headers(self):
        rule = self.make_rule(
            "domain",
            domain="[('amount_untaxed', '>', 500)]",
            reason_template="Large order, check the terms",
        )
        large = self.make_order([(self.gadget, 6)])
        small = self.make_order([(self.gadget, 5)])
        self.assertEqual(
            self.findings(rule, large | small), {(large.id, 0): "Large order, check the terms"}
        )

    def test_domain_rule_on_lines(self):
        rule = self.make_rule("domain", level="line", domain="[('product_uom_qty', '>', 10)]")
        order = self.make_order([(self.gadget, 11), (self.gadget, 10), (self.widget, 12)])
        other = self.make_order([(self.gadget, 1)])
        found = self.findings(rule, order | other)
        self.assertEqual(
            found,
            {
                (order.id, order.order_line[0].id): rule.name,
                (order.id, order.order_line[2].id): rule.name,
            },
        )

    def test_python_rule(self):
        rule = self.make_rule("python", user=self.admin, python_code="document.amount_total > 1000")
        large = self.make_order([(self.gadget, 11)])
        small = self.make_order([(self.gadget, 10)])
        self.assertEqual(self.findings(rule, large | small), {(large.id, 0): rule.name})
