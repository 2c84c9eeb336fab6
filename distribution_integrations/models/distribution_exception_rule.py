# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models
from odoo.addons.distribution_exceptions.models.distribution_exception_rule import (
    BUILTIN_DETECTORS,
    Detector,
)

# Detectors of carrier and supplier events, implemented on their documents (stock_picking.py,
# purchase_order.py, sale_order.py, account_move.py of this module).
INTEGRATION_DETECTORS = {
    "carrier_failed_attempt": Detector(
        "Carrier: failed delivery attempt", "stock.picking", "header", "monitor"
    ),
    "carrier_returned": Detector(
        "Carrier: returned to sender", "stock.picking", "header", "monitor"
    ),
    "carrier_exception": Detector("Carrier: exception", "stock.picking", "header", "monitor"),
    "carrier_partial": Detector("Carrier: delivered short", "stock.picking", "header", "monitor"),
    "delivery_confirmation": Detector(
        "Delivery not confirmed by the carrier", "account.move", "header", "post"
    ),
    "supplier_delay": Detector("Supplier delay", "purchase.order", "line", "monitor"),
    "supplier_change": Detector(
        "Supplier changed or rejected a line", "purchase.order", "line", "monitor"
    ),
    "ship_notice_difference": Detector(
        "Ship notice differs from the order", "purchase.order", "line", "monitor"
    ),
    "supply_at_risk": Detector("Supply at risk (supplier delay)", "sale.order", "line", "monitor"),
}
BUILTIN_DETECTORS.update(INTEGRATION_DETECTORS)


class DistributionExceptionRule(models.Model):
    _inherit = "distribution.exception.rule"

    target_model = fields.Selection(
        selection_add=[("distribution.integration.event", "Integration Event")],
        ondelete={"distribution.integration.event": "cascade"},
    )
    detector = fields.Selection(
        selection_add=[(code, spec.label) for code, spec in INTEGRATION_DETECTORS.items()],
        ondelete=dict.fromkeys(INTEGRATION_DETECTORS, "cascade"),
    )
