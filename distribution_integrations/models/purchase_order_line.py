# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

ACK_STATUSES = [
    ("accepted", "Accepted"),
    ("quantity_changed", "Quantity Changed"),
    ("date_changed", "Date Changed"),
    ("rejected", "Rejected"),
]
# How far the procurement links are followed from a purchase line to the sales demand it feeds
# (receipt -> storage -> pick -> pack -> delivery is four hops).
MAX_HOPS = 6


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    distribution_ack_status = fields.Selection(
        ACK_STATUSES, string="Supplier Acknowledgement", readonly=True, copy=False
    )
    distribution_ack_qty = fields.Float(
        string="Quantity Confirmed by Supplier",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
    )
    distribution_promised_date = fields.Datetime(
        string="Promised by Supplier", readonly=True, copy=False
    )
    distribution_needed_date = fields.Datetime(
        string="Needed By",
        readonly=True,
        copy=False,
        help="The planned arrival before the supplier's first promise: what the demand behind "
        "this line needs. A promise later than this is a supplier delay.",
    )
    distribution_shipped_qty = fields.Float(
        string="Quantity Shipped (Ship Notice)",
        digits="Product Unit of Measure",
        readonly=True,
        copy=False,
    )

    def _distribution_is_delayed(self):
        self.ensure_one()
        return bool(
            self.distribution_promised_date
            and self.distribution_needed_date
            and self.distribution_promised_date.date() > self.distribution_needed_date.date()
            and self.qty_received < self.product_qty
        )

    def _distribution_fed_sale_lines(self):
        """{purchase line id: sales order lines whose demand it feeds}, following the
        procurement links (the moves it was created for, and the moves its receipts feed)
        downstream, one level at a time for the whole recordset."""
        result = {}
        Move = self.env["stock.move"]
        for line in self:
            moves = line.move_dest_ids | line.move_ids.move_dest_ids
            sale_lines = self.env["sale.order.line"]
            seen = Move
            for _hop in range(MAX_HOPS):
                moves -= seen
                if not moves:
                    break
                seen |= moves
                sale_lines |= moves.sale_line_id
                moves = moves.filtered(lambda m: not m.sale_line_id).move_dest_ids
            result[line.id] = sale_lines
        return result
