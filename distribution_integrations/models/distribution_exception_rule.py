# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class DistributionExceptionRule(models.Model):
    _inherit = "distribution.exception.rule"

    target_model = fields.Selection(
        selection_add=[("distribution.integration.event", "Integration Event")],
        ondelete={"distribution.integration.event": "cascade"},
    )
