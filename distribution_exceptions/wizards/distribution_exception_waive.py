# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class DistributionExceptionWaive(models.TransientModel):
    _name = "distribution.exception.waive"
    _description = "Waive Exceptions"

    exception_ids = fields.Many2many("distribution.exception", string="Exceptions", required=True)
    reason = fields.Text(required=True, help="Kept with the exception for audit.")

    def action_waive(self):
        self.exception_ids._waive(self.reason)
        return {"type": "ir.actions.act_window_close"}
