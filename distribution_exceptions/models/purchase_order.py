# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields, models
from odoo.tools import format_date

from .distribution_exception_rule import short_number


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "distribution.exception.mixin"]
    _distribution_line_field = "order_line"
    _distribution_scopes = {
        "confirm": [("state", "in", ("draft", "sent", "to approve"))],
        "monitor": [("state", "=", "purchase")],
    }

    distribution_acknowledged_at = fields.Datetime(
        string="Acknowledged by Supplier",
        copy=False,
        tracking=True,
        help="When the supplier confirmed this order: set by the buyer, by the supplier through "
        "the portal, or by a supplier acknowledgement received over an integration.",
    )

    def button_confirm(self):
        self._distribution_guard("confirm")
        return super().button_confirm()

    def _distribution_default_owner(self):
        return self.user_id

    def action_distribution_acknowledge(self):
        self.filtered(lambda order: not order.distribution_acknowledged_at).write(
            {"distribution_acknowledged_at": fields.Datetime.now()}
        )
        self.action_distribution_recheck()
        return True

    # ------------------------------------------------------------------ detectors
    # Each returns {(order id, line id or 0): reason} for the whole recordset.

    def _distribution_detect_late_receipt(self, rule):
        cutoff = fields.Datetime.now() - timedelta(days=rule.days)
        found = {}
        for line in self.order_line:
            if (
                line.product_id.type != "service"
                and line.date_planned
                and line.date_planned < cutoff
                and line.qty_received < line.product_qty
            ):
                late_days = (fields.Datetime.now() - line.date_planned).days
                found[(line.order_id.id, line.id)] = self.env._(
                    "%(product)s: %(received)s of %(ordered)s %(uom)s received, planned for "
                    "%(planned)s (%(late)s days late)",
                    product=line.product_id.display_name,
                    received=short_number(line.qty_received),
                    ordered=short_number(line.product_qty),
                    uom=line.product_uom.name,
                    planned=format_date(self.env, line.date_planned),
                    late=late_days,
                )
        return found

    def _distribution_detect_unacknowledged(self, rule):
        cutoff = fields.Datetime.now() - timedelta(days=rule.days)
        return {
            (order.id, 0): self.env._(
                "%(supplier)s has not acknowledged this order, confirmed on %(date)s",
                supplier=order.partner_id.display_name,
                date=format_date(self.env, order.date_approve),
            )
            for order in self
            if order.date_approve
            and order.date_approve < cutoff
            and not (order.distribution_acknowledged_at or order.mail_reception_confirmed)
        }
