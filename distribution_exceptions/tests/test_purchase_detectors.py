# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user, tagged

from .common import ExceptionCase

BUYER_GROUPS = "purchase.group_purchase_user,distribution_base.group_distribution_user"


@tagged("post_install", "-at_install")
class TestPurchaseDetectors(ExceptionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.buyer = new_test_user(cls.env, "dx_buyer", groups=BUYER_GROUPS)
        cls.supplier = cls.env["res.partner"].create({"name": "DX Supplier"})
        cls.buyer_field = cls.env["ir.model.fields"]._get("purchase.order", "user_id")

    def make_po(self, lines, confirm=True):
        """A purchase order of the buyer; ``lines`` are (product, quantity, days from now)."""
        order = (
            self.env["purchase.order"]
            .with_user(self.buyer)
            .create(
                {
                    "partner_id": self.supplier.id,
                    "user_id": self.buyer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_qty": qty,
                                "price_unit": 10.0,
                                "date_planned": fields.Datetime.now() + timedelta(days=days),
                            }
                        )
                        for product, qty, days in lines
                    ],
                }
            )
        )
        if confirm:
            order.button_confirm()
        return order

    def make_po_rule(self, detector, **vals):
        return self.make_rule(
            detector, severity="warning", owner_field_id=self.buyer_field.id, **vals
        )

    def receive(self, order, quantities=None):
        picking = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        for move in picking.move_ids:
            move.quantity = (quantities or {}).get(move.product_id, move.product_uom_qty)
            move.picked = True
        picking.with_context(skip_backorder=True).button_validate()

    # ------------------------------------------------------------------ late receipt

    def test_late_receipt_found_per_line_with_its_numbers(self):
        rule = self.make_po_rule("late_receipt", days=2)
        order = self.make_po([(self.widget, 10, -6), (self.gadget, 5, +3)])
        found = rule.with_user(self.buyer)._detect(order.with_user(self.buyer))
        late_line = order.order_line.filtered(lambda line: line.product_id == self.widget)
        self.assertEqual(list(found), [(order.id, late_line.id)])
        reason = found[(order.id, late_line.id)]
        self.assertIn("DX Widget: 0 of 10", reason)
        self.assertIn("6 days late", reason)

    def test_late_receipt_within_grace_or_received_is_not_found(self):
        rule = self.make_po_rule("late_receipt", days=2)
        within_grace = self.make_po([(self.widget, 10, -1)])
        received = self.make_po([(self.gadget, 4, -10)])
        self.receive(received)
        self.assertEqual(received.order_line.qty_received, 4)
        self.assertEqual(rule._detect(within_grace | received), {})

    def test_late_receipt_occurrence_owned_by_the_buyer_clears_on_receipt(self):
        rule = self.make_po_rule("late_receipt", days=0)
        order = self.make_po([(self.widget, 10, -3)])
        self.Rule.with_user(self.buyer)._run(order.with_user(self.buyer))
        occurrence = self.open_exceptions(order, rule)
        self.assertEqual(occurrence.owner_id, self.buyer)
        self.assertEqual(occurrence.line_id, order.order_line.id)

        self.receive(order, {self.widget: 4})
        self.Rule.with_user(self.buyer)._run(order.with_user(self.buyer))
        self.assertEqual(self.open_exceptions(order, rule), occurrence, "still 6 missing")
        self.assertIn("4 of 10", occurrence.reason)

        order.order_line.product_qty = 4  # the rest is cancelled with the supplier
        self.Rule.with_user(self.buyer)._run(order.with_user(self.buyer))
        self.assertEqual(occurrence.state, "cleared")

    def test_draft_purchase_orders_are_not_monitored(self):
        rule = self.make_po_rule("late_receipt", days=0)
        draft = self.make_po([(self.widget, 10, -3)], confirm=False)
        self.Rule._run(draft)
        self.assertFalse(self.open_exceptions(draft, rule))

    # ------------------------------------------------------------------ acknowledgement

    def approve_days_ago(self, order, days):
        order.date_approve = fields.Datetime.now() - timedelta(days=days)

    def test_unacknowledged_after_the_grace_period(self):
        rule = self.make_po_rule("unacknowledged", days=3)
        late = self.make_po([(self.widget, 1, 5)])
        recent = self.make_po([(self.widget, 1, 5)])
        self.approve_days_ago(late, 5)
        self.approve_days_ago(recent, 1)
        found = rule._detect(late | recent)
        self.assertEqual(list(found), [(late.id, 0)])
        self.assertIn("DX Supplier has not acknowledged", found[(late.id, 0)])

    def test_acknowledging_clears_the_occurrence(self):
        rule = self.make_po_rule("unacknowledged", days=3)
        order = self.make_po([(self.widget, 1, 5)])
        self.approve_days_ago(order, 5)
        self.Rule._run(order)
        occurrence = self.open_exceptions(order, rule)
        self.assertTrue(occurrence)

        order.with_user(self.buyer).action_distribution_acknowledge()
        self.assertTrue(order.distribution_acknowledged_at)
        self.assertEqual(occurrence.state, "cleared")

    def test_portal_confirmation_counts_as_acknowledgement(self):
        rule = self.make_po_rule("unacknowledged", days=3)
        order = self.make_po([(self.widget, 1, 5)])
        self.approve_days_ago(order, 5)
        order.mail_reception_confirmed = True
        self.assertEqual(rule._detect(order), {})

    def test_detectors_cost_the_same_queries_for_3_and_30_orders(self):
        rules = self.make_po_rule("late_receipt", days=0) | self.make_po_rule(
            "unacknowledged", days=0
        )
        counts = []
        for size in (1, 3, 30):  # the first run fills the registry caches
            orders = self.env["purchase.order"].browse()
            for _i in range(size):
                orders |= self.make_po([(self.widget, 2, -2), (self.gadget, 1, -2)])
            orders.date_approve = fields.Datetime.now() - timedelta(days=1)
            self.env.invalidate_all()
            with self.capture_queries() as queries:
                for rule in rules:
                    rule._detect(orders)
            counts.append(len(queries))
        self.assertEqual(counts[1], counts[2])
