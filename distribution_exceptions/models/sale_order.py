# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL, format_amount

from .distribution_exception_rule import short_number


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
        lines = self.order_line.filtered(
            lambda line: line.product_id.is_storable and line.product_uom_qty > 0
        )
        if not lines:
            return {}
        free = self._distribution_free_quantities(lines.product_id, self.warehouse_id)
        # Lines of one order for the same product draw on the same free stock.
        needed_so_far = {}
        found = {}
        for line in lines.sorted(lambda ol: (ol.order_id.id, ol.sequence, ol.id)):
            warehouse = line.order_id.warehouse_id
            key = (line.order_id.id, line.product_id.id)
            needed = line.product_uom._compute_quantity(
                line.product_uom_qty, line.product_id.uom_id, round=False
            )
            needed_so_far[key] = needed_so_far.get(key, 0.0) + needed
            available = free.get((line.product_id.id, warehouse.id), 0.0)
            if needed_so_far[key] <= available:
                continue
            values = {
                "product": line.product_id.display_name,
                "needed": short_number(needed_so_far[key]),
                "line": short_number(needed),
                "uom": line.product_id.uom_id.name,
                "free": short_number(max(available, 0.0)),
                "warehouse": warehouse.name,
            }
            found[(line.order_id.id, line.id)] = (
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
        # credit and credit_limit are accounting fields a salesman may not read
        partners = self.partner_id.commercial_partner_id.sudo().filtered("credit_limit")
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
        uninvoiced = {}
        for partner, amount in open_orders.items():
            commercial = partner.commercial_partner_id
            uninvoiced[commercial] = uninvoiced.get(commercial, 0.0) + amount
        found = {}
        for order in self:
            partner = order.partner_id.commercial_partner_id
            if partner not in partners:
                continue
            this_order = order.currency_id._convert(
                order.amount_total, order.company_id.currency_id, order.company_id, order.date_order
            )
            exposure = partner.credit + uninvoiced.get(partner, 0.0) + this_order
            if exposure > partner.credit_limit:
                currency = order.company_id.currency_id
                found[(order.id, 0)] = self.env._(
                    "Exposure %(exposure)s is over the credit limit %(limit)s: receivables "
                    "%(receivable)s, open orders %(open)s, this order %(order)s",
                    exposure=format_amount(self.env, exposure, currency),
                    limit=format_amount(self.env, partner.credit_limit, currency),
                    receivable=format_amount(self.env, partner.credit, currency),
                    open=format_amount(self.env, uninvoiced.get(partner, 0.0), currency),
                    order=format_amount(self.env, this_order, currency),
                )
        return found

    def _distribution_detect_overdue_invoices(self, rule):
        cutoff = fields.Date.context_today(self) - timedelta(days=rule.days)
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
        for order in self:
            count, residual = overdue.get(order.partner_id.commercial_partner_id, (0, 0.0))
            if count:
                found[(order.id, 0)] = self.env._(
                    "%(count)s invoice(s) overdue by more than %(days)s days, %(amount)s due",
                    count=count,
                    days=rule.days,
                    amount=format_amount(self.env, residual, order.company_id.currency_id),
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
            for line in self.order_line
            if line.discount > rule.threshold
        }

    def _distribution_detect_margin(self, rule):
        found = {}
        for line in self.order_line.filtered(lambda ol: ol.product_id and ol.price_subtotal > 0):
            cost = line.product_id.with_company(line.company_id).standard_price
            cost_in_line_uom = line.product_id.uom_id._compute_price(cost, line.product_uom)
            margin = 100.0 * (1 - cost_in_line_uom * line.product_uom_qty / line.price_subtotal)
            if margin < rule.threshold:
                found[(line.order_id.id, line.id)] = self.env._(
                    "%(product)s: margin %(margin)s%% is below %(limit)s%%",
                    product=line.product_id.display_name,
                    margin=short_number(margin, 1),
                    limit=short_number(rule.threshold),
                )
        return found

    def _distribution_detect_missing_data(self, rule):
        # ir.model.fields is readable by administrators only, and rules run as the user
        required = rule.sudo().required_field_ids
        found = {}
        for order in self:
            missing = [field.field_description for field in required if not order[field.name]]
            if missing:
                found[(order.id, 0)] = self.env._("Missing: %s", ", ".join(missing))
        return found
