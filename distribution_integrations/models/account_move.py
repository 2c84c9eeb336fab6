# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import logging

from odoo import models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    _inherit = "account.move"

    def _distribution_detect_invoice_hold(self, rule):
        """Where the company waits for delivery confirmation, a delivery validated in Odoo but
        not confirmed by the carrier holds the invoice too."""
        found = super()._distribution_detect_invoice_hold(rule)
        waiting = self.filtered(
            lambda move: move.move_type == "out_invoice"
            and move.company_id.distribution_invoice_wait_delivery
        )
        if not waiting:
            return found
        deliveries = waiting._distribution_deliveries()
        labels = dict(
            self.env["stock.picking"]
            ._fields["distribution_carrier_status"]
            ._description_selection(self.env)
        )
        for invoice in waiting:
            reasons = [
                self.env._(
                    "%(delivery)s is not confirmed delivered by the carrier (%(status)s)",
                    delivery=picking.name,
                    status=labels.get(picking.distribution_carrier_status)
                    or self.env._("no carrier update yet"),
                )
                for picking in deliveries[invoice.id]
                if picking.state == "done" and picking.distribution_carrier_status != "delivered"
            ]
            if reasons:
                key = (invoice.id, 0)
                found[key] = "; ".join(filter(None, [found.get(key), *reasons]))
        return found

    def _distribution_detect_delivery_confirmation(self, rule):
        """The invoice hold of the companies that wait for delivery confirmation only."""
        return self.filtered(
            lambda move: move.company_id.distribution_invoice_wait_delivery
        )._distribution_detect_invoice_hold(rule)

    def _distribution_post_on_delivery(self, delivered):
        """Post the draft invoices of ``delivered`` transfers' orders whose company posts on
        delivery, once nothing holds them; each in a savepoint, a refusal is logged."""
        candidates = self.filtered(
            lambda move: move.state == "draft"
            and move.company_id.distribution_invoice_post_on_delivery
            and move.invoice_line_ids.sale_line_ids.order_id.picking_ids & delivered
        )
        for invoice in candidates:
            try:
                with self.env.cr.savepoint():
                    invoice.action_post()
            except UserError as error:
                _logger.info("Invoice %s not posted on delivery: %s", invoice.id, error)
