# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .distribution_integration_event import DEFAULT_RETENTION_DAYS, RETENTION_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    distribution_integration_event_retention_days = fields.Integer(
        string="Keep Processed Integration Events (days)",
        config_parameter=RETENTION_PARAM,
        default=DEFAULT_RETENTION_DAYS,
        help="Done and ignored partner events older than this are deleted every night; failed "
        "and dead ones are kept until replayed. 0 keeps them forever.",
    )
    distribution_invoice_wait_delivery = fields.Boolean(
        related="company_id.distribution_invoice_wait_delivery", readonly=False
    )
    distribution_invoice_post_on_delivery = fields.Boolean(
        related="company_id.distribution_invoice_post_on_delivery", readonly=False
    )
    distribution_supplier_change_policy = fields.Selection(
        related="company_id.distribution_supplier_change_policy", readonly=False
    )
