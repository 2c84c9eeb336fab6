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
            ["order_id", "product_id", "product_uom_qty", "product_uom", "sequence", "route_id"]
        )
        self.flush_model(["warehouse_id"])
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env["product.template"].flush_model(["uom_id", "is_storable", "categ_id", "route_ids"])
        self.env["product.category"].flush_model(["parent_path", "route_ids"])
        # Lines procured for the order do not draw on free stock: a route of theirs (the line's,
        # else the product's and its categories') makes to order or buys for the customer.
        to_order = self._distribution_routes_to_order()
        procured = SQL()
        if to_order:
            procured = SQL(
                """AND NOT COALESCE(
                   line.route_id IS NOT NULL
                   AND (line.route_id, sale_order.warehouse_id) IN %(to_order)s
                   OR line.route_id IS NULL AND (
                       EXISTS (SELECT 1 FROM stock_route_product link
                                WHERE link.product_id = template.id
                                  AND (link.route_id, sale_order.warehouse_id) IN %(to_order)s)
                       OR EXISTS (SELECT 1 FROM stock_route_categ link
                                    JOIN product_category parent ON parent.id = link.categ_id
                                   WHERE (link.route_id, sale_order.warehouse_id) IN %(to_order)s
                                     AND starts_with(category.parent_path, parent.parent_path))),
                   FALSE)""",
                to_order=tuple(sorted(to_order)),
            )
        # Plain rows rather than records: tens of thousands of lines are read, few are short.
        rows = self.env.execute_query(
            SQL(
                """SELECT line.id, line.order_id, line.product_id, line.product_uom_qty,
                          line.product_uom, sale_order.warehouse_id, template.uom_id
                     FROM sale_order_line line
                     JOIN sale_order ON sale_order.id = line.order_id
                     JOIN product_product product ON product.id = line.product_id
                     JOIN product_template template ON template.id = product.product_tmpl_id
                     JOIN product_category category ON category.id = template.categ_id
                    WHERE line.order_id IN %s AND template.is_storable
                      AND line.product_uom_qty > 0 %s
                 ORDER BY line.order_id, line.sequence, line.id""",
                tuple(self.ids),
                procured,
            )
        )
        if not rows:
            return {}
        products = self.env["product.product"].browse({row[2] for row in rows})
        warehouses = self.env["stock.warehouse"].browse({row[5] for row in rows})
        free = self._distribution_free_quantities(products, warehouses)
        Uom = self.env["uom.uom"]
        # Lines of one order for the same product draw on the same free stock.
        needed_so_far = {}
        short = []
        for line_id, order_id, product_id, quantity, uom_id, warehouse_id, unit in rows:
            needed = quantity
            if uom_id != unit:
                needed = Uom.browse(uom_id)._compute_quantity(
                    quantity, Uom.browse(unit), round=False
                )
            key = (order_id, product_id)
            needed_so_far[key] = needed_so_far.get(key, 0.0) + needed
            available = free.get((product_id, warehouse_id), 0.0)
            if needed_so_far[key] > available:
                total = needed_so_far[key]
                short.append((order_id, line_id, product_id, unit, warehouse_id, needed, total))
        # the names of what is short, read together
        names = {p.id: p.display_name for p in products.browse({row[2] for row in short})}
        units = {u.id: u.name for u in Uom.browse({row[3] for row in short})}
        places = {w.id: w.name for w in warehouses.browse({row[4] for row in short})}
        found = {}
        for order_id, line_id, product_id, unit, warehouse_id, needed, total in short:
            available = free.get((product_id, warehouse_id), 0.0)
            values = {
                "product": names[product_id],
                "needed": short_number(total),
                "line": short_number(needed),
                "uom": units[unit],
                "free": short_number(max(available, 0.0)),
                "warehouse": places[warehouse_id],
            }
            found[(order_id, line_id)] = (
                self.env._(
                    "%(product)s needs %(needed)s %(uom)s, %(free)s free in %(warehouse)s",
                    **values,
                )
                if total == needed
                else self.env._(
                    "%(product)s needs %(needed)s %(uom)s on this order (%(line)s on this line), "
                    "%(free)s free in %(warehouse)s",
                    **values,
                )
            )
        return found

    def _distribution_routes_to_order(self):
        """{(route id, warehouse id)}: the active routes that procure for the order in a
        warehouse, rather than take from its stock (a handful of rows, whatever the orders).

        A route does when one of its rules makes to order from the warehouse's stock (the
        "Replenish on Order (MTO)" route), or buys for the customer, or ships to the customer
        from a vendor (dropshipping).
        """
        self.env["stock.route"].flush_model(["active"])
        self.env["stock.rule"].flush_model(
            [
                "route_id",
                "active",
                "action",
                "procure_method",
                "location_src_id",
                "location_dest_id",
                "warehouse_id",
            ]
        )
        self.env["stock.location"].flush_model(["parent_path", "usage"])
        self.env["stock.warehouse"].flush_model(["lot_stock_id"])
        rows = self.env.execute_query(
            SQL(
                """SELECT DISTINCT rule.route_id, warehouse.id
                     FROM stock_rule rule
                     JOIN stock_route route ON route.id = rule.route_id AND route.active
                     LEFT JOIN stock_location source ON source.id = rule.location_src_id
                     JOIN stock_location target ON target.id = rule.location_dest_id
                     JOIN stock_warehouse warehouse ON TRUE
                     JOIN stock_location stock ON stock.id = warehouse.lot_stock_id
                    WHERE rule.active
                      AND (rule.procure_method = 'make_to_order'
                           AND rule.action IN ('pull', 'pull_push')
                           AND starts_with(source.parent_path, stock.parent_path)
                           OR target.usage = 'customer'
                           AND (rule.warehouse_id IS NULL OR rule.warehouse_id = warehouse.id)
                           AND (rule.action = 'buy' OR source.usage = 'supplier'))"""
            )
        )
        return set(rows)

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
                order="id",
            )
        }

    def _distribution_detect_margin(self, rule):
        self.env["sale.order.line"].flush_model(
            ["order_id", "product_id", "company_id", "price_subtotal", "product_uom_qty"]
        )
        self.env["product.product"].flush_model(["product_tmpl_id"])
        self.env["product.template"].flush_model(["uom_id"])
        # the product's unit from its template in the same query: reading it through the ORM
        # would load every column of every template
        rows = self.env.execute_query(
            SQL(
                """SELECT line.id, line.order_id, line.product_id, line.company_id,
                          line.price_subtotal, line.product_uom_qty, line.product_uom,
                          template.uom_id
                     FROM sale_order_line line
                     JOIN product_product product ON product.id = line.product_id
                     JOIN product_template template ON template.id = product.product_tmpl_id
                    WHERE line.order_id IN %s AND line.price_subtotal > 0""",
                tuple(self.ids),
            )
        )
        products = self.env["product.product"].browse({row[2] for row in rows})
        # standard_price depends on the company: read it once per company. Without the record
        # rules of products, which checked in Python would load every product and template.
        costs = {}
        for company in self.env["res.company"].browse({row[3] for row in rows}):
            in_company = products.sudo().with_company(company)
            in_company.fetch(["standard_price"])
            for product in in_company:
                costs[(product.id, company.id)] = product.standard_price
        Uom = self.env["uom.uom"]
        low = []
        for line_id, order_id, product_id, company_id, subtotal, quantity, uom_id, unit in rows:
            cost = costs[(product_id, company_id)]
            if uom_id != unit:
                cost = Uom.browse(unit)._compute_price(cost, Uom.browse(uom_id))
            margin = 100.0 * (1 - cost * quantity / subtotal)
            if margin < rule.threshold:
                low.append((order_id, line_id, product_id, margin))
        # the names of the products found, read together
        names = {p.id: p.display_name for p in products.browse({row[2] for row in low})}
        return {
            (order_id, line_id): self.env._(
                "%(product)s: margin %(margin)s%% is below %(limit)s%%",
                product=names[product_id],
                margin=short_number(margin, 1),
                limit=short_number(rule.threshold),
            )
            for order_id, line_id, product_id, margin in low
        }

    def _distribution_detect_missing_data(self, rule):
        required = rule._required_fields()
        if not required:
            return {}
        incomplete = self.search_fetch(
            [("id", "in", self.ids), *expression.OR([[(name, "=", False)] for name in required])],
            list(required),
        )
        found = {}
        for order in incomplete:
            missing = [label for name, label in required.items() if not order[name]]
            if missing:
                found[(order.id, 0)] = self.env._("Missing: %s", ", ".join(missing))
        return found
