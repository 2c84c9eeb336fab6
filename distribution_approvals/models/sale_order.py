# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "distribution.approval.mixin"]
    _approval_types = {"sale_confirm": ("Sales order", "confirm")}

    def action_confirm(self):
        return self._approval_pass(
            "confirm", lambda orders: super(SaleOrder, orders).action_confirm()
        )

    def _approval_facts(self):
        amounts = self._approval_company_amounts(
            [(order.currency_id, order.company_id, order.amount_untaxed) for order in self]
        )
        lines = self.order_line.filtered(lambda line: not line.display_type)
        categories = self._approval_categories(lines.product_id)
        costs = {}
        for company, company_lines in lines.grouped("company_id").items():
            for line in company_lines.with_company(company):
                cost = line.product_id.uom_id._compute_price(
                    line.product_id.standard_price, line.product_uom
                )
                costs[line.id] = cost * line.product_uom_qty
        facts = {}
        for order, amount in zip(self, amounts, strict=True):
            order_lines = order.order_line.filtered(lambda line: not line.display_type)
            goods = order_lines.filtered(lambda line: not line.is_delivery)
            rate = amount / order.amount_untaxed if order.amount_untaxed else 1.0
            revenue = sum(goods.mapped("price_subtotal")) * rate
            cost = sum(costs[line.id] for line in goods)
            facts[order.id] = {
                "company": order.company_id,
                "amount": amount,
                "document_amount": order.amount_untaxed,
                "currency_id": order.currency_id.id,
                "currency_name": order.currency_id.name,
                "partner_id": order.partner_id.id,
                "tier": order.partner_id.commercial_partner_id.customer_tier,
                "categories": set().union(*(categories[p.id] for p in order_lines.product_id)),
                "warehouse_id": order.warehouse_id.id,
                "margin": 100.0 * (revenue - cost) / revenue if revenue else None,
                "discount": max(goods.mapped("discount")) if goods else None,
                "logistics_cost": sum((order_lines - goods).mapped("price_subtotal")) * rate,
                "lines": [
                    {
                        "product_id": line.product_id.id,
                        "product": line.product_id.display_name,
                        "quantity": line.product_uom_qty,
                        "uom": line.product_uom.name,
                        "price_unit": line.price_unit,
                        "discount": line.discount,
                    }
                    for line in order_lines
                ],
            }
        return facts
