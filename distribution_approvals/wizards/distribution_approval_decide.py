# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models


class DistributionApprovalDecide(models.TransientModel):
    _name = "distribution.approval.decide"
    _description = "Approve or Reject"

    request_id = fields.Many2one("distribution.approval.request", required=True)
    decision = fields.Selection(
        [("approve", "Approve"), ("reject", "Reject")], required=True, default="approve"
    )
    comment = fields.Text(help="Required to reject: the requester reads it.")
    res_name = fields.Char(related="request_id.res_name", string="Document")
    current_level = fields.Char(related="request_id.current_level")
    amount = fields.Monetary(related="request_id.amount")
    currency_id = fields.Many2one(related="request_id.currency_id")

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if values.get("request_id"):
            self.env["distribution.approval.request"].browse(values["request_id"]).check_access(
                "read"
            )
        return values

    def action_confirm(self):
        self.ensure_one()
        self.request_id._decide(self.decision == "approve", self.comment, channel="ui")
        return {"type": "ir.actions.act_window_close"}
