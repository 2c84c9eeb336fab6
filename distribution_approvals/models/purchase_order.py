# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.tools import SQL


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "distribution.approval.mixin"]
    _approval_types = {"purchase_confirm": ("Purchase order", "confirm")}

    def button_confirm(self):
        return self._approval_pass(
            "confirm", lambda orders: super(PurchaseOrder, orders).button_confirm()
        )

    def _approval_facts(self):
        """Read as plain rows, in two queries: the matrices look at thousands of orders."""
        self.flush_model()
        self.env["purchase.order.line"].flush_model()
        orders = self.env.execute_query(
            SQL(
                """SELECT po.id, po.company_id, po.currency_id, currency.name, po.amount_untaxed,
                          po.partner_id, commercial.customer_tier, picking_type.warehouse_id
                     FROM purchase_order po
                     JOIN res_currency currency ON currency.id = po.currency_id
                     JOIN res_partner partner ON partner.id = po.partner_id
                LEFT JOIN res_partner commercial ON commercial.id = partner.commercial_partner_id
                LEFT JOIN stock_picking_type picking_type ON picking_type.id = po.picking_type_id
                    WHERE po.id IN %s""",
                tuple(self.ids),
            )
        )
        lines = self.env.execute_query(
            SQL(
                """SELECT line.order_id, line.product_id, category.parent_path, line.product_qty,
                          line.product_uom, line.price_unit, line.discount
                     FROM purchase_order_line line
                LEFT JOIN product_product product ON product.id = line.product_id
                LEFT JOIN product_template template ON template.id = product.product_tmpl_id
                LEFT JOIN product_category category ON category.id = template.categ_id
                    WHERE line.order_id IN %s AND line.display_type IS NULL
                 ORDER BY line.order_id, line.sequence, line.id""",
                tuple(self.ids),
            )
        )
        lines_of = {}
        for order_id, product_id, path, quantity, uom_id, price, discount in lines:
            lines_of.setdefault(order_id, []).append(
                (
                    path,
                    {
                        "product_id": product_id,
                        "quantity": quantity,
                        "uom_id": uom_id,
                        "price_unit": price,
                        "discount": discount or 0.0,
                    },
                )
            )
        Company, Currency = self.env["res.company"], self.env["res.currency"]
        amounts = self._approval_company_amounts(
            [(Currency.browse(row[2]), Company.browse(row[1]), row[4] or 0.0) for row in orders]
        )
        facts = {}
        for row, amount in zip(orders, amounts, strict=True):
            order_id, company_id, currency_id, currency_name, untaxed, partner_id, tier, wh = row
            order_lines = lines_of.get(order_id, [])
            facts[order_id] = {
                "company": Company.browse(company_id),
                "amount": amount,
                "document_amount": untaxed or 0.0,
                "currency_id": currency_id,
                "currency_name": currency_name,
                "partner_id": partner_id,
                "tier": tier,
                "categories": self._approval_path_ids(path for path, _line in order_lines),
                "warehouse_id": wh,
                "discount": max((line["discount"] for _p, line in order_lines), default=None),
                "lines": [line for _path, line in order_lines],
            }
        return facts
