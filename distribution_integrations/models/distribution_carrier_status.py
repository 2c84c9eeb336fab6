# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

# The normalised carrier statuses (tools/normalisers.TRACKING_STATUSES) and their labels.
CARRIER_STATUSES = [
    ("pre_transit", "Pre-transit"),
    ("in_transit", "In Transit"),
    ("out_for_delivery", "Out for Delivery"),
    ("available_for_pickup", "Available for Pickup"),
    ("delivered", "Delivered"),
    ("failed_attempt", "Failed Attempt"),
    ("returned", "Returned to Sender"),
    ("exception", "Carrier Exception"),
    ("cancelled", "Cancelled"),
    ("unknown", "Unknown"),
]


class DistributionCarrierStatus(models.Model):
    """One carrier tracking update received for a transfer, applied or not.

    Every update is kept, in the order the carrier says it happened; ``applied`` tells whether it
    moved the transfer's current status (an older or regressing update is recorded only).
    """

    _name = "distribution.carrier.status"
    _description = "Carrier Status Update"
    _order = "occurred_at desc, id desc"

    picking_id = fields.Many2one(
        "stock.picking", string="Transfer", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="picking_id.company_id", store=True)
    event_id = fields.Many2one(
        "distribution.integration.event", string="Integration Event", ondelete="set null"
    )
    status = fields.Selection(CARRIER_STATUSES, required=True)
    status_detail = fields.Char()
    occurred_at = fields.Datetime(help="When it happened, according to the carrier.")
    estimated_delivery = fields.Datetime()
    location = fields.Char()
    message = fields.Char()
    applied = fields.Boolean(
        help="Whether this update changed the transfer; an update older than the last applied "
        "one, or one after delivery, is recorded only."
    )
    note = fields.Char(help="Why the update was not applied.")
