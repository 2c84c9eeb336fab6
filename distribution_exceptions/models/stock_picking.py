# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "distribution.exception.mixin"]
    _distribution_line_field = "move_ids"

    def button_validate(self):
        self._distribution_guard("validate")
        return super().button_validate()

    @api.model
    def _distribution_checkable_domain(self):
        return [("state", "not in", ("done", "cancel"))]

    def _distribution_default_owner(self):
        return self.user_id or self.sale_id.user_id
