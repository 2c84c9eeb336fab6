# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.tools import format_date

from .purchase_order_line import MAX_HOPS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _distribution_feeding_purchase_lines(self):
        """{sale line id: purchase lines feeding it}, following the procurement links upstream
        (the purchase lines created for its moves and the receipts feeding them)."""
        result = {}
        for sale_line in self.order_line:
            moves = sale_line.move_ids
            purchase_lines = self.env["purchase.order.line"]
            seen = self.env["stock.move"]
            for _hop in range(MAX_HOPS):
                moves -= seen
                if not moves:
                    break
                seen |= moves
                purchase_lines |= moves.created_purchase_line_ids | moves.purchase_line_id
                moves = moves.move_orig_ids
            result[sale_line.id] = purchase_lines
        return result

    # ------------------------------------------------------------------ detectors

    def _distribution_detect_supply_at_risk(self, rule):
        feeding = self._distribution_feeding_purchase_lines()
        found = {}
        for sale_line in self.order_line:
            delayed = feeding.get(sale_line.id, self.env["purchase.order.line"]).filtered(
                lambda line: line.order_id.state == "purchase" and line._distribution_is_delayed()
            )
            if not delayed:
                continue
            latest = max(delayed, key=lambda line: line.distribution_promised_date)
            found[(sale_line.order_id.id, sale_line.id)] = self.env._(
                "%(product)s: supply at risk, %(order)s from %(supplier)s is now expected on "
                "%(expected)s (needed by %(needed)s)",
                product=sale_line.product_id.display_name,
                order=latest.order_id.name,
                supplier=latest.partner_id.display_name,
                expected=format_date(self.env, latest.distribution_promised_date),
                needed=format_date(self.env, latest.distribution_needed_date),
            )
        return found
