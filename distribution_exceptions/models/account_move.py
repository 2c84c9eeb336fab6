# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "distribution.exception.mixin"]
    _distribution_line_field = "invoice_line_ids"

    def action_post(self):
        self._distribution_guard("post")
        return super().action_post()

    @api.model
    def _distribution_checkable_domain(self):
        return [("state", "=", "draft"), ("move_type", "in", ("out_invoice", "out_refund"))]

    def _distribution_default_owner(self):
        return self.invoice_user_id
