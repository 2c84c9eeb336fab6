# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError


class DistributionApprovalDelegation(models.Model):
    """An approver names someone to decide for them over a date range.

    The delegate's decisions are recorded “on behalf of” the approver, and count as the
    approver's for quorums and segregation of duties.
    """

    _name = "distribution.approval.delegation"
    _description = "Approval Delegation"
    _order = "date_from desc, id desc"

    user_id = fields.Many2one(
        "res.users",
        string="Approver",
        required=True,
        index=True,
        default=lambda self: self.env.user,
        domain=[("share", "=", False)],
    )
    delegate_id = fields.Many2one(
        "res.users", required=True, index=True, domain=[("share", "=", False)]
    )
    date_from = fields.Date(string="From", required=True, default=fields.Date.context_today)
    date_to = fields.Date(string="To", required=True)
    reason = fields.Char(help="E.g. holidays, business trip.")
    active = fields.Boolean(default=True)
    state = fields.Selection(
        [("planned", "Planned"), ("running", "Running"), ("ended", "Ended")],
        compute="_compute_state",
    )

    @api.depends("date_from", "date_to")
    def _compute_state(self):
        today = fields.Date.context_today(self)
        for delegation in self:
            if delegation.date_from and delegation.date_from > today:
                delegation.state = "planned"
            elif delegation.date_to and delegation.date_to < today:
                delegation.state = "ended"
            else:
                delegation.state = "running"

    @api.constrains("user_id", "delegate_id", "date_from", "date_to")
    def _check_delegation(self):
        for delegation in self:
            if delegation.user_id == delegation.delegate_id:
                raise ValidationError(self.env._("Nobody delegates to themself."))
            if delegation.date_to < delegation.date_from:
                raise ValidationError(self.env._("A delegation ends after it starts."))

    @api.model_create_multi
    def create(self, vals_list):
        delegations = super().create(vals_list)
        delegations._refresh_requests()
        return delegations

    def write(self, vals):
        result = super().write(vals)
        self._refresh_requests()
        return result

    def _refresh_requests(self):
        """Delegates may open the pending requests of the approvers they stand in for."""
        requests = (
            self.env["distribution.approval.request"]
            .sudo()
            .search(
                [
                    ("state", "=", "pending"),
                    ("assignment_ids.user_id", "in", self.user_id.ids),
                ]
            )
        )
        requests._refresh_access()

    @api.model
    def _principals_of(self, user, day=None):
        """The user and every approver they stand in for on ``day`` (today by default)."""
        day = day or fields.Date.context_today(self)
        delegations = self.sudo().search(
            [
                ("delegate_id", "=", user.id),
                ("date_from", "<=", day),
                ("date_to", ">=", day),
            ]
        )
        return user | delegations.user_id

    @api.model
    def _delegates_of(self, approvers):
        """{approver id: delegates of any delegation not ended yet} (one query)."""
        delegations = self.sudo().search(
            [
                ("user_id", "in", approvers.ids),
                ("date_to", ">=", fields.Date.context_today(self)),
            ]
        )
        result = {}
        for delegation in delegations:
            result.setdefault(delegation.user_id.id, self.env["res.users"])
            result[delegation.user_id.id] |= delegation.delegate_id
        return result
