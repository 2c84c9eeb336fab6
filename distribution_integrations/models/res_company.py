# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    distribution_invoice_wait_delivery = fields.Boolean(
        string="Invoices Wait for Delivery Confirmation",
        help="Customer invoices cannot be posted until the carrier confirms the delivery of their "
        "orders and no delivery exception is open.",
    )
    distribution_invoice_post_on_delivery = fields.Boolean(
        string="Post Invoices on Delivery",
        help="When the carrier confirms a delivery, post the draft invoices it was holding.",
    )
    distribution_supplier_change_policy = fields.Selection(
        [("apply", "Apply to the purchase order"), ("flag", "Only flag for the buyer")],
        string="Supplier Quantity Changes",
        default="flag",
        required=True,
        help="What a supplier acknowledgement that changes or rejects a line does. Prices are "
        "never changed by an acknowledgement.",
    )
