# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.tools import SQL


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "distribution.approval.mixin"]
    _approval_types = {"sale_confirm": ("Sales order", "confirm")}

    def action_confirm(self):
        return self._approval_pass(
            "confirm", lambda orders: super(SaleOrder, orders).action_confirm()
        )

    def _approval_facts(self):
        """Read as plain rows, in a few queries: the matrices look at many orders at once.

        The margin compares the goods' subtotal with their cost (the product's cost in the
        order's company); delivery lines are the logistics cost.
        """
        self.flush_model()
        self.env["sale.order.line"].flush_model()
        orders = self.env.execute_query(
            SQL(
                """SELECT so.id, so.company_id, so.currency_id, currency.name, so.amount_untaxed,
                          so.partner_id, commercial.customer_tier, so.warehouse_id
                     FROM sale_order so
                     JOIN res_currency currency ON currency.id = so.currency_id
                     JOIN res_partner partner ON partner.id = so.partner_id
                LEFT JOIN res_partner commercial ON commercial.id = partner.commercial_partner_id
                    WHERE so.id IN %s""",
                tuple(self.ids),
            )
        )
        lines = self.env.execute_query(
            SQL(
                """SELECT line.order_id, line.company_id, line.product_id, category.parent_path,
                          line.product_uom_qty, line.product_uom, line.price_unit, line.discount,
                          line.price_subtotal, COALESCE(line.is_delivery, FALSE),
                          product_uom.factor / NULLIF(line_uom.factor, 0)
                     FROM sale_order_line line
                LEFT JOIN product_product product ON product.id = line.product_id
                LEFT JOIN product_template template ON template.id = product.product_tmpl_id
                LEFT JOIN product_category category ON category.id = template.categ_id
                LEFT JOIN uom_uom product_uom ON product_uom.id = template.uom_id
                LEFT JOIN uom_uom line_uom ON line_uom.id = line.product_uom
                    WHERE line.order_id IN %s AND line.display_type IS NULL
                 ORDER BY line.order_id, line.sequence, line.id""",
                tuple(self.ids),
            )
        )
        costs = {}
        products_by_company = {}
        for line in lines:
            products_by_company.setdefault(line[1], set()).add(line[2])
        Product = self.env["product.product"]
        for company_id, product_ids in products_by_company.items():
            products = Product.with_company(company_id).browse(product_ids - {None})
            for product in products:
                costs[(company_id, product.id)] = product.standard_price
        lines_of = {}
        for row in lines:
            order_id, company_id, product_id, path, quantity, uom_id, price, discount = row[:8]
            subtotal, is_delivery, uom_ratio = row[8:]
            cost = costs.get((company_id, product_id), 0.0) * (uom_ratio or 1.0) * quantity
            lines_of.setdefault(order_id, []).append(
                (
                    path,
                    subtotal or 0.0,
                    is_delivery,
                    cost,
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
            goods = [line for line in order_lines if not line[2]]
            rate = amount / untaxed if untaxed else 1.0
            revenue = sum(line[1] for line in goods) * rate
            cost = sum(line[3] for line in goods)
            facts[order_id] = {
                "company": Company.browse(company_id),
                "amount": amount,
                "document_amount": untaxed or 0.0,
                "currency_id": currency_id,
                "currency_name": currency_name,
                "partner_id": partner_id,
                "tier": tier,
                "categories": self._approval_path_ids(line[0] for line in order_lines),
                "warehouse_id": wh,
                "margin": 100.0 * (revenue - cost) / revenue if revenue else None,
                "discount": max((line[4]["discount"] for line in goods), default=None),
                "logistics_cost": sum(line[1] for line in order_lines if line[2]) * rate,
                "lines": [line[4] for line in order_lines],
            }
        return facts
