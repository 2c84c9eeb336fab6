# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields, models
from odoo.osv import expression
from odoo.tools import SQL

from .distribution_exception_rule import amount_formatter, short_number


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "distribution.exception.mixin"]
    _distribution_line_field = "order_line"

    def action_confirm(self):
        self._distribution_guard("confirm")
        return super().action_confirm()

    _distribution_scopes = {
        "confirm": [("state", "in", ("draft", "sent"))],
        "monitor": [("state", "=", "sale")],
    }

    def _distribution_default_owner(self):
        return self.user_id

    # ------------------------------------------------------------------ detectors
    # Each returns {(order id, line id or 0): reason} for the whole recordset.

    def _distribution_detect_stock_shortage(self, rule):
        self.env["sale.order.line"].flush_model(
            ["order_id", "product_id", "product_uom_qty", "product_uom", "sequence"]
        )
        self.flush_model(["warehouse_id"])
        # Plain rows rather than records: tens of thousands of lines are read, few are short.
        rows = self.env.execute_query(
            SQL(
                """SELECT line.id, line.order_id, line.product_id, line.product_uom_qty,
                          line.product_uom, sale_order.warehouse_id
                     FROM sale_order_line line
                     JOIN sale_order ON sale_order.id = line.order_id
                     JOIN product_product product ON product.id = line.product_id
                     JOIN product_template template ON template.id = product.product_tmpl_id
                    WHERE line.order_id IN %s AND template.is_storable
                      AND line.product_uom_qty > 0
                 ORDER BY line.order_id, line.sequence, line.id""",
                tuple(self.ids),
            )
        )
        if not rows:
            return {}
        products = self.env["product.product"].browse({row[2] for row in rows})
        warehouses = self.env["stock.warehouse"].browse({row[5] for row in rows})
        free = self._distribution_free_quantities(products, warehouses)
        product_uom = {product.id: product.uom_id for product in products}
        Uom = self.env["uom.uom"]
        # Lines of one order for the same product draw on the same free stock.
        needed_so_far = {}
        found = {}
        for line_id, order_id, product_id, quantity, uom_id, warehouse_id in rows:
            needed = quantity
            if uom_id != product_uom[product_id].id:
                needed = Uom.browse(uom_id)._compute_quantity(
                    quantity, product_uom[product_id], round=False
                )
            key = (order_id, product_id)
            needed_so_far[key] = needed_so_far.get(key, 0.0) + needed
            available = free.get((product_id, warehouse_id), 0.0)
            if needed_so_far[key] <= available:
                continue
            values = {
                "product": products.browse(product_id).display_name,
                "needed": short_number(needed_so_far[key]),
                "line": short_number(needed),
                "uom": product_uom[product_id].name,
                "free": short_number(max(available, 0.0)),
                "warehouse": warehouses.browse(warehouse_id).name,
            }
            found[(order_id, line_id)] = (
                self.env._(
                    "%(product)s needs %(needed)s %(uom)s, %(free)s free in %(warehouse)s",
                    **values,
                )
                if needed_so_far[key] == needed
                else self.env._(
                    "%(product)s needs %(needed)s %(uom)s on this order (%(line)s on this line), "
                    "%(free)s free in %(warehouse)s",
                    **values,
                )
            )
        return found

    def _distribution_free_quantities(self, products, warehouses):
        """{(product id, warehouse id): on hand minus reserved} in one query."""
        self.env["stock.quant"].flush_model(["quantity", "reserved_quantity", "location_id"])
        self.env["stock.location"].flush_model(["warehouse_id", "usage"])
        rows = self.env.execute_query(
            SQL(
                """SELECT quant.product_id, location.warehouse_id,
                          SUM(quant.quantity - quant.reserved_quantity)
                     FROM stock_quant quant
                     JOIN stock_location location ON location.id = quant.location_id
                    WHERE location.usage = 'internal'
                      AND quant.product_id IN %s AND location.warehouse_id IN %s
                 GROUP BY quant.product_id, location.warehouse_id""",
                tuple(products.ids),
                tuple(warehouses.ids) or (0,),
            )
        )
        return {(product_id, warehouse_id): qty for product_id, warehouse_id, qty in rows}

    def _distribution_detect_credit_limit(self, rule):
        # only the fields needed: a partner has a hundred of them
        self.fetch(["partner_id"])
        self.partner_id.fetch(["commercial_partner_id"])
        # credit and credit_limit are accounting fields a salesman may not read
        commercial = self.partner_id.commercial_partner_id.sudo()
        commercial.fetch(["credit_limit"])
        partners = commercial.filtered("credit_limit")
        if not partners:
            return {}
        # The exposure is the customer's: count every salesperson's orders and invoices, not
        # only those the user who triggers the check may read.
        open_orders = dict(
            self.env["sale.order.line"]
            .sudo()
            ._read_group(
                [
                    ("order_id.state", "=", "sale"),
                    ("order_id.partner_id.commercial_partner_id", "in", partners.ids),
                    ("order_id", "not in", self.ids),
                ],
                ["order_partner_id"],
                ["untaxed_amount_to_invoice:sum"],
            )
        )
        self.fetch(["partner_id", "currency_id", "company_id", "amount_total", "date_order"])
        uninvoiced = {}
        for partner, amount in open_orders.items():
            commercial = partner.commercial_partner_id
            uninvoiced[commercial] = uninvoiced.get(commercial, 0.0) + amount
        found = {}
        formatters = {}
        for order in self:
            partner = order.partner_id.commercial_partner_id
            if partner not in partners:
                continue
            this_order = order.currency_id._convert(
                order.amount_total, order.company_id.currency_id, order.company_id, order.date_order
            )
            exposure = partner.credit + uninvoiced.get(partner, 0.0) + this_order
            if exposure > partner.credit_limit:
                money = formatters.setdefault(
                    order.company_id, amount_formatter(self.env, order.company_id.currency_id)
                )
                found[(order.id, 0)] = self.env._(
                    "Exposure %(exposure)s is over the credit limit %(limit)s: receivables "
                    "%(receivable)s, open orders %(open)s, this order %(order)s",
                    exposure=money(exposure),
                    limit=money(partner.credit_limit),
                    receivable=money(partner.credit),
                    open=money(uninvoiced.get(partner, 0.0)),
                    order=money(this_order),
                )
        return found

    def _distribution_detect_overdue_invoices(self, rule):
        cutoff = fields.Date.context_today(self) - timedelta(days=rule.days)
        self.fetch(["partner_id", "company_id"])
        overdue = {
            partner: (count, residual)
            for partner, count, residual in self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    ("invoice_date_due", "<", cutoff),
                    ("commercial_partner_id", "in", self.partner_id.commercial_partner_id.ids),
                ],
                ["commercial_partner_id"],
                ["__count", "amount_residual_signed:sum"],
            )
        }
        found = {}
        formatters = {}
        for order in self:
            count, residual = overdue.get(order.partner_id.commercial_partner_id, (0, 0.0))
            if count:
                found[(order.id, 0)] = self.env._(
                    "%(count)s invoice(s) overdue by more than %(days)s days, %(amount)s due",
                    count=count,
                    days=rule.days,
                    amount=formatters.setdefault(
                        order.company_id, amount_formatter(self.env, order.company_id.currency_id)
                    )(residual),
                )
        return found

    def _distribution_detect_discount(self, rule):
        return {
            (line.order_id.id, line.id): self.env._(
                "%(product)s: discount %(discount)s%% is above %(limit)s%%",
                product=line.product_id.display_name,
                discount=short_number(line.discount),
                limit=short_number(rule.threshold),
            )
            for line in self.env["sale.order.line"].search_fetch(
                [("order_id", "in", self.ids), ("discount", ">", rule.threshold)],
                ["order_id", "product_id", "discount"],
            )
        }

    def _distribution_detect_margin(self, rule):
        self.env["sale.order.line"].flush_model(
            ["order_id", "product_id", "company_id", "price_subtotal", "product_uom_qty"]
        )
        rows = self.env.execute_query(
            SQL(
                """SELECT id, order_id, product_id, company_id, price_subtotal, product_uom_qty,
                          product_uom
                     FROM sale_order_line
                    WHERE order_id IN %s AND product_id IS NOT NULL AND price_subtotal > 0""",
                tuple(self.ids),
            )
        )
        products = self.env["product.product"].browse({row[2] for row in rows})
        costs = {}  # standard_price depends on the company: read it once per company
        for company in self.env["res.company"].browse({row[3] for row in rows}):
            for product in products.with_company(company):
                costs[(product.id, company.id)] = product.standard_price
        product_uom = {product.id: product.uom_id for product in products}
        found = {}
        for line_id, order_id, product_id, company_id, subtotal, quantity, uom_id in rows:
            cost = costs[(product_id, company_id)]
            if uom_id != product_uom[product_id].id:
                cost = product_uom[product_id]._compute_price(
                    cost, self.env["uom.uom"].browse(uom_id)
                )
            margin = 100.0 * (1 - cost * quantity / subtotal)
            if margin < rule.threshold:
                found[(order_id, line_id)] = self.env._(
                    "%(product)s: margin %(margin)s%% is below %(limit)s%%",
                    product=products.browse(product_id).display_name,
                    margin=short_number(margin, 1),
                    limit=short_number(rule.threshold),
                )
        return found

    def _distribution_detect_missing_data(self, rule):
        # ir.model.fields is readable by administrators only, and rules run as the user
        required = rule.sudo().required_field_ids
        if not required:
            return {}
        incomplete = self.search_fetch(
            [("id", "in", self.ids), *expression.OR([[(f.name, "=", False)] for f in required])],
            required.mapped("name"),
        )
        found = {}
        for order in incomplete:
            missing = [field.field_description for field in required if not order[field.name]]
            if missing:
                found[(order.id, 0)] = self.env._("Missing: %s", ", ".join(missing))
        return found
