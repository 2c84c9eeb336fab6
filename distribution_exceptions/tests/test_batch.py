# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.addons.distribution_exceptions.models.distribution_exception_mixin import (
    DistributionBlockedError,
)
from odoo.tests import tagged

from .common import ExceptionCase


@tagged("post_install", "-at_install")
class TestBatch(ExceptionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ref_field = cls.env["ir.model.fields"]._get("sale.order", "client_order_ref")
        cls.shortage = cls.make_rule("stock_shortage", severity="warning")
        cls.discount = cls.make_rule("discount", threshold=10.0, severity="warning")
        cls.missing = cls.make_rule(
            "missing_data", severity="warning", required_field_ids=[Command.set(ref_field.ids)]
        )

    def _orders(self, count):
        """``count`` orders: every third one is short, every fifth is discounted too much."""
        return (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                [
                    self.order_vals(
                        [
                            (self.widget, 10 if i % 3 == 0 else 1),
                            (self.gadget, 1, {"discount": 20.0 if i % 5 == 0 else 0.0}),
                        ],
                        client_order_ref=f"REF{i}" if i % 2 else False,
                    )
                    for i in range(count)
                ]
            )
        )

    def test_confirm_thirty_orders_at_once(self):
        orders = self._orders(30)
        orders.action_confirm()
        self.assertEqual(set(orders.mapped("state")), {"sale"})
        exceptions = self.open_exceptions(orders)
        self.assertEqual(len(exceptions.filtered(lambda e: e.rule_id == self.shortage)), 10)
        self.assertEqual(len(exceptions.filtered(lambda e: e.rule_id == self.discount)), 6)
        self.assertEqual(len(exceptions.filtered(lambda e: e.rule_id == self.missing)), 15)
        short_orders = orders.filtered(lambda o: o.order_line[0].product_uom_qty == 10)
        self.assertEqual(
            set(exceptions.filtered(lambda e: e.rule_id == self.shortage).mapped("res_id")),
            set(short_orders.ids),
        )

    def test_one_blocked_order_stops_the_batch_and_is_named(self):
        self.shortage.severity = "blocking"
        orders = self._orders(30)
        with self.assertRaises(DistributionBlockedError) as caught:
            orders.action_confirm()
        short = orders.filtered(lambda o: o.order_line[0].product_uom_qty == 10)
        names = {detail["document"] for detail in caught.exception.details}
        self.assertEqual(names, set(short.mapped("name")), "only the blocking ones are listed")
        self.assertEqual(set(orders.mapped("state")), {"draft"})
        (orders - short).action_confirm()
        self.assertEqual(set((orders - short).mapped("state")), {"sale"})

    def _expected_count(self, count):
        short = len(range(0, count, 3))
        discounted = len(range(0, count, 5))
        without_ref = len(range(0, count, 2))
        return short + discounted + without_ref

    def _run_queries(self, count, rerun=False):
        """Queries of one run of the rules on ``count`` orders, from a cold cache."""
        orders = self._orders(count)
        if rerun:
            self.Rule.with_user(self.salesman)._run(orders.with_user(self.salesman))
        self.env.invalidate_all()
        Rule = self.Rule.with_user(self.salesman)
        with self.capture_queries() as queries:
            Rule._run(orders.with_user(self.salesman))
        self.assertEqual(len(self.open_exceptions(orders)), self._expected_count(count))
        return queries

    def test_detection_queries_do_not_grow_with_the_batch(self):
        """Detection, opening (with activities, chatter notes and events) and re-checking."""
        # the shipped automation rule would run the rules when the orders are created
        self.env.ref("distribution_exceptions.base_automation_sale_order_recheck").active = False
        self._run_queries(2)  # fill the registry caches (access rules, subtypes, xml ids)
        small = self._run_queries(5)
        large = self._run_queries(40)
        self.assertEqual(
            len(small),
            len(large),
            "running the rules on 40 orders must cost the queries of 5:\n" + "\n".join(large),
        )

    def test_recheck_queries_do_not_grow_with_the_batch(self):
        """Re-checking orders whose occurrences are already open: nothing to create."""
        self._run_queries(2, rerun=True)  # fill the registry caches (access rules, xml ids)
        small = self._run_queries(5, rerun=True)
        large = self._run_queries(40, rerun=True)
        self.assertFalse([q for q in large if q.lstrip().upper().startswith("INSERT")])
        self.assertEqual(
            len(small),
            len(large),
            "re-checking 40 orders must cost the queries of 5:\n" + "\n".join(large),
        )
