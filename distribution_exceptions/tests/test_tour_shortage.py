# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged

from .common import SALESMAN_GROUPS

LOGIN = "tour_shortage_salesman"


@tagged("post_install", "-at_install")
class TestShortageTour(HttpCase):
    """A salesman's quotation is held by a stock shortage until the stock arrives.

    Tours in static/tests/tours/distribution_shortage_tour.js; the receipt happens between them.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Rule = cls.env["distribution.exception.rule"]
        Rule.search([]).action_archive()  # only this test's rule is evaluated
        company = cls.env.company
        cls.salesman = new_test_user(
            cls.env,
            LOGIN,
            password=LOGIN,
            name="Tour Salesman",
            groups=SALESMAN_GROUPS,
            company_id=company.id,
            company_ids=[Command.set(company.ids)],
        )
        cls.warehouse = cls.env["stock.warehouse"].create(
            {"name": "Tour Shortage Warehouse", "code": "TSW", "company_id": company.id}
        )
        cls.product = cls.env["product.product"].create(
            {
                "name": "Tour Bolt",
                "type": "consu",
                "is_storable": True,
                "list_price": 25.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.product, cls.warehouse.lot_stock_id, 2.0
        )
        cls.rule = Rule.create(
            {
                "name": "Tour Shortage Rule",
                "detector": "stock_shortage",
                "target_model": "sale.order",
                "level": "line",
                "severity": "blocking",
                "transition": "confirm",
                "owner_type": "field",
                "owner_field_id": cls.env["ir.model.fields"]._get("sale.order", "user_id").id,
            }
        )
        customer = cls.env["res.partner"].create({"name": "Tour Shortage Customer"})
        cls.order = (
            cls.env["sale.order"]
            .with_user(cls.salesman)
            .create(
                {
                    "partner_id": customer.id,
                    "user_id": cls.salesman.id,
                    "warehouse_id": cls.warehouse.id,
                    "order_line": [
                        Command.create({"product_id": cls.product.id, "product_uom_qty": 10})
                    ],
                }
            )
        )

    def receive(self, quantity):
        """A validated receipt of ``quantity`` into the order's warehouse."""
        receipt = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.env.ref("stock.stock_location_suppliers").id,
                "location_dest_id": self.warehouse.lot_stock_id.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": self.product.name,
                            "product_id": self.product.id,
                            "product_uom_qty": quantity,
                            "product_uom": self.product.uom_id.id,
                            "location_id": self.env.ref("stock.stock_location_suppliers").id,
                            "location_dest_id": self.warehouse.lot_stock_id.id,
                        }
                    )
                ],
            }
        )
        receipt.action_confirm()
        receipt.move_ids.write({"quantity": quantity, "picked": True})
        self.assertIs(receipt.button_validate(), True)
        self.assertEqual(receipt.state, "done")
        return receipt

    def test_salesman_confirms_once_the_stock_arrives_and_the_shortage_clears(self):
        shortage = self.env["distribution.exception"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", self.order.id)]
        )
        self.assertEqual(len(shortage), 1, "the quotation was checked when it was created")
        self.assertEqual((shortage.rule_id, shortage.state), (self.rule, "open"))
        self.assertEqual(shortage.owner_id, self.salesman)

        self.start_tour("/odoo", "distribution_shortage_blocked_tour", login=LOGIN)
        self.env.invalidate_all()
        self.assertEqual(self.order.state, "draft", "the confirmation was refused")
        self.assertEqual(shortage.state, "open")

        self.receive(20.0)
        self.env.invalidate_all()
        self.assertEqual(shortage.state, "open", "it clears when the order is checked again")

        self.start_tour("/odoo", "distribution_shortage_cleared_tour", login=LOGIN)
        self.env.invalidate_all()
        self.assertEqual(self.order.state, "sale")
        self.assertEqual(shortage.state, "cleared")
        self.assertEqual(shortage.closed_by_id, self.salesman, "cleared by the salesman's re-check")
        notes = self.order.message_ids.filtered(
            lambda message: "Auto-cleared" in message.body and self.rule.name in message.body
        )
        self.assertEqual(len(notes), 1, "the chatter says what cleared")
        self.assertIn("Tour Bolt needs 10 Units", notes.body)
