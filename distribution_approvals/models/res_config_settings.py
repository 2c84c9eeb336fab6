# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models

from .distribution_approval_assignment import DEFAULT_VALIDITY_HOURS, VALIDITY_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    distribution_approval_link_hours = fields.Integer(
        string="Approval Links Valid For (hours)",
        config_parameter=VALIDITY_PARAM,
        default=DEFAULT_VALIDITY_HOURS,
        help="How long the approve-by-e-mail links stay valid after the e-mail is sent.",
    )
