# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "distribution.exception.mixin"]
    _distribution_line_field = "order_line"

    def button_confirm(self):
        self._distribution_guard("confirm")
        return super().button_confirm()

    @api.model
    def _distribution_checkable_domain(self):
        return [("state", "in", ("draft", "sent", "to approve"))]

    def _distribution_default_owner(self):
        return self.user_id
