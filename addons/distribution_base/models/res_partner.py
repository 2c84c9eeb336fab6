# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    customer_tier = fields.Selection(
        [("a", "Tier A"), ("b", "Tier B"), ("c", "Tier C")],
        index=True,
        tracking=True,
        help="Commercial tier of the customer. Exception rules and approval matrices use it "
        "to apply different thresholds (A: strategic accounts, C: occasional buyers).",
    )

    @api.model
    def _commercial_fields(self):
        return [*super()._commercial_fields(), "customer_tier"]
