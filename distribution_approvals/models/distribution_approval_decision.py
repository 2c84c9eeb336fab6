# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import SQL


class DistributionApprovalDecision(models.Model):
    """Who decided what, when, for whom, at which amount. Never changed, never deleted.

    Rows are written by the approval engine only (after its checks, with elevated rights); no
    group has write or delete rights, and the ORM refuses both to anyone but the superuser.
    """

    _name = "distribution.approval.decision"
    _description = "Approval Decision"
    _order = "decided_at, id"
    _rec_name = "res_name"

    request_id = fields.Many2one(
        "distribution.approval.request", required=True, ondelete="restrict", index=True
    )
    step_id = fields.Many2one("distribution.approval.step", ondelete="set null", index=True)
    assignment_id = fields.Many2one(
        "distribution.approval.assignment", ondelete="set null", index=True
    )
    level = fields.Char(required=True)
    user_id = fields.Many2one("res.users", string="Decided By", required=True, index=True)
    principal_id = fields.Many2one(
        "res.users",
        string="Approver",
        required=True,
        index=True,
        help="The approver the decision counts for: the user who decided, or the approver they "
        "stand in for.",
    )
    on_behalf_of_id = fields.Many2one("res.users", compute="_compute_on_behalf_of_id", store=True)
    decision = fields.Selection(
        [("approve", "Approved"), ("reject", "Rejected")], required=True, index=True
    )
    comment = fields.Text()
    decided_at = fields.Datetime(required=True, default=fields.Datetime.now, index=True)
    channel = fields.Selection(
        [("ui", "Odoo"), ("email", "E-mail link")], required=True, default="ui"
    )
    # what was decided on, copied from the request
    res_model = fields.Char(string="Document Model", required=True)
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model")
    res_name = fields.Char(string="Document")
    document_type = fields.Selection(related="request_id.document_type", store=True)
    company_id = fields.Many2one("res.company", required=True, index=True)
    currency_id = fields.Many2one("res.currency", required=True)
    amount = fields.Monetary(help="Taxes excluded, in the company's currency.")
    requester_id = fields.Many2one("res.users", string="Requested By")

    def init(self):
        # one decision per approver and level, whatever the channel or the delegate
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS distribution_approval_decision_once_idx
                   ON distribution_approval_decision (step_id, principal_id)"""
            )
        )

    @api.depends("user_id", "principal_id")
    def _compute_on_behalf_of_id(self):
        for decision in self:
            decision.on_behalf_of_id = (
                decision.principal_id if decision.principal_id != decision.user_id else False
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su:
            raise AccessError(self.env._("Decisions are recorded by the approval engine only."))
        requests = self.env["distribution.approval.request"].browse(
            {vals["request_id"] for vals in vals_list}
        )
        steps = {step.id: step for step in requests.step_ids}
        by_id = {request.id: request for request in requests}
        for vals in vals_list:
            request = by_id[vals["request_id"]]
            vals.setdefault("level", steps[vals["step_id"]].name if vals.get("step_id") else "")
            vals.setdefault("res_model", request.res_model)
            vals.setdefault("res_id", request.res_id)
            vals.setdefault("res_name", request.res_name)
            vals.setdefault("company_id", request.company_id.id)
            vals.setdefault("currency_id", request.currency_id.id)
            vals.setdefault("amount", request.amount)
            vals.setdefault("requester_id", request.requester_id.id)
        return super().create(vals_list)

    def write(self, vals):
        if not self.env.su:
            raise AccessError(self.env._("A decision is never changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        if not self.env.su:
            raise AccessError(self.env._("A decision is never deleted."))

    def _who(self):
        """“Grace” or “Tom on behalf of Grace”."""
        self.ensure_one()
        if self.on_behalf_of_id:
            return self.env._(
                "%(user)s on behalf of %(approver)s",
                user=self.user_id.name,
                approver=self.on_behalf_of_id.name,
            )
        return self.user_id.name

    def action_open_document(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
