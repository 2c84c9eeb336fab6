# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models

from .distribution_exception_rule import OPEN_STATES


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "distribution.exception.mixin"]
    _distribution_line_field = "invoice_line_ids"
    _distribution_scopes = {
        "post": [("state", "=", "draft"), ("move_type", "in", ("out_invoice", "out_refund"))],
        "monitor": [("state", "=", "posted"), ("move_type", "in", ("out_invoice", "out_refund"))],
    }

    def action_post(self):
        self._distribution_guard("post")
        return super().action_post()

    def _distribution_default_owner(self):
        return self.invoice_user_id

    def _distribution_deliveries(self):
        """{invoice id: the customer deliveries of the sales orders it invoices}."""
        return {
            invoice.id: invoice.invoice_line_ids.sale_line_ids.order_id.picking_ids.filtered(
                lambda picking: picking.picking_type_code == "outgoing"
                and picking.state != "cancel"
            )
            for invoice in self
        }

    # ------------------------------------------------------------------ detectors

    def _distribution_detect_invoice_hold(self, rule):
        invoices = self.filtered(lambda move: move.move_type == "out_invoice")
        deliveries = invoices._distribution_deliveries()
        all_deliveries = self.env["stock.picking"].union(*deliveries.values())
        troubled = {}
        for exception in self.env["distribution.exception"].search(
            [
                ("res_model", "=", "stock.picking"),
                ("res_id", "in", all_deliveries.ids),
                ("state", "in", OPEN_STATES),
            ]
        ):
            troubled.setdefault(exception.res_id, exception.name)
        state_labels = dict(all_deliveries._fields["state"]._description_selection(self.env))
        found = {}
        for invoice in invoices:
            reasons = []
            for picking in deliveries[invoice.id]:
                if picking.id in troubled:
                    reasons.append(
                        self.env._(
                            "%(delivery)s has an open exception: %(rule)s",
                            delivery=picking.name,
                            rule=troubled[picking.id],
                        )
                    )
                elif picking.state != "done":
                    reasons.append(
                        self.env._(
                            "%(delivery)s is not delivered yet (%(state)s)",
                            delivery=picking.name,
                            state=state_labels[picking.state],
                        )
                    )
            if reasons:
                found[(invoice.id, 0)] = "; ".join(reasons)
        return found
