# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    distribution_credit_controller_id = fields.Many2one(
        related="company_id.distribution_credit_controller_id", readonly=False
    )
