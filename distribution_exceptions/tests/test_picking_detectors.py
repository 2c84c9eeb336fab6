# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import tagged

from .common import ExceptionCase


@tagged("post_install", "-at_install")
class TestPickingDetectors(ExceptionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.out_type = cls.warehouse.out_type_id
        cls.customer_location = cls.env.ref("stock.stock_location_customers")

    def make_delivery(self, product=None, qty=1.0, scheduled_in=0, deadline_in=None, **vals):
        """A confirmed delivery of the warehouse; dates in days from now."""
        now = fields.Datetime.now()
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.out_type.id,
                "partner_id": self.customer.id,
                "location_id": self.warehouse.lot_stock_id.id,
                "location_dest_id": self.customer_location.id,
                "user_id": self.salesman.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": "DX delivery",
                            "product_id": (product or self.gadget).id,
                            "product_uom_qty": qty,
                            "location_id": self.warehouse.lot_stock_id.id,
                            "location_dest_id": self.customer_location.id,
                            "date_deadline": deadline_in is not None
                            and now + timedelta(days=deadline_in),
                        }
                    )
                ],
                **vals,
            }
        )
        picking.action_confirm()
        picking.scheduled_date = now + timedelta(days=scheduled_in)
        return picking

    def make_picking_rule(self, detector, **vals):
        return self.make_rule(detector, severity="warning", owner_field_id=False, **vals)

    def validate(self, picking):
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")

    # ------------------------------------------------------------------ late delivery

    def test_late_delivery_compares_expected_and_promised_dates(self):
        rule = self.make_picking_rule("late_delivery")
        late = self.make_delivery(scheduled_in=5, deadline_in=2)
        overdue = self.make_delivery(scheduled_in=-4, deadline_in=-3)
        on_time = self.make_delivery(scheduled_in=1, deadline_in=2)
        no_promise = self.make_delivery(scheduled_in=9)
        found = rule._detect(late | overdue | on_time | no_promise)
        self.assertEqual(set(found), {(late.id, 0), (overdue.id, 0)})
        self.assertIn("(3 days late)", found[(late.id, 0)])
        self.assertIn("(3 days late)", found[(overdue.id, 0)], "not done by today: late")

    def test_receipts_are_not_deliveries(self):
        rule = self.make_picking_rule("late_delivery")
        receipt = self.make_delivery(
            scheduled_in=5, deadline_in=2, picking_type_id=self.warehouse.in_type_id.id
        )
        self.assertEqual(rule._detect(receipt), {})

    def test_late_delivery_is_owned_by_the_salesperson_and_clears_when_delivered(self):
        rule = self.make_picking_rule("late_delivery")
        picking = self.make_delivery(scheduled_in=5, deadline_in=2)
        self.Rule._run(picking)
        occurrence = self.open_exceptions(picking, rule)
        self.assertEqual(occurrence.owner_id, self.salesman)
        self.assertTrue(occurrence.activity_ids)

        self.validate(picking)  # the shipped automation rule re-checks the transfer
        self.assertEqual(occurrence.state, "cleared")
        self.assertFalse(occurrence.activity_ids)

    # ------------------------------------------------------------------ backorders

    def test_backorder_older_than_the_grace_period(self):
        rule = self.make_picking_rule("backorder_age", days=3)
        original = self.make_delivery()
        old = self.make_delivery(backorder_id=original.id)
        young = self.make_delivery(backorder_id=original.id)
        not_a_backorder = self.make_delivery()
        (old | not_a_backorder).flush_recordset()
        self.env.cr.execute(
            "UPDATE stock_picking SET create_date = now() - interval '5 days' WHERE id IN %s",
            [(old.id, not_a_backorder.id)],
        )
        self.env.invalidate_all()
        found = rule._detect(old | young | not_a_backorder)
        self.assertEqual(list(found), [(old.id, 0)])
        self.assertIn(f"Backorder of {original.name}, open for 5 days", found[(old.id, 0)])
