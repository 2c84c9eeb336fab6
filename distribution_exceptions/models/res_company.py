# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    distribution_credit_controller_id = fields.Many2one(
        "res.users",
        string="Credit Controller",
        help="Owns the credit exceptions of rules whose owner is the company's credit controller.",
    )
