# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "distribution.approval.mixin"]
    _approval_types = {"purchase_confirm": ("Purchase order", "confirm")}

    def button_confirm(self):
        return self._approval_pass(
            "confirm", lambda orders: super(PurchaseOrder, orders).button_confirm()
        )

    def _approval_facts(self):
        amounts = self._approval_company_amounts(
            [(order.currency_id, order.company_id, order.amount_untaxed) for order in self]
        )
        categories = self._approval_categories(self.order_line.product_id)
        facts = {}
        for order, amount in zip(self, amounts, strict=True):
            lines = order.order_line.filtered(lambda line: not line.display_type)
            facts[order.id] = {
                "company": order.company_id,
                "amount": amount,
                "document_amount": order.amount_untaxed,
                "currency_id": order.currency_id.id,
                "currency_name": order.currency_id.name,
                "partner_id": order.partner_id.id,
                "tier": order.partner_id.commercial_partner_id.customer_tier,
                "categories": set().union(*(categories[p.id] for p in lines.product_id)),
                "warehouse_id": order.picking_type_id.warehouse_id.id,
                "discount": max(lines.mapped("discount")) if lines else None,
                "lines": [
                    {
                        "product_id": line.product_id.id,
                        "product": line.product_id.display_name,
                        "quantity": line.product_qty,
                        "uom": line.product_uom.name,
                        "price_unit": line.price_unit,
                        "discount": line.discount,
                    }
                    for line in lines
                ],
            }
        return facts
