# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import calendar
import secrets
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import consteq, format_amount
from odoo.tools.misc import hmac

LINK_SCOPE = "distribution_approvals.link"
VALIDITY_PARAM = "distribution_approvals.link_validity_hours"
DEFAULT_VALIDITY_HOURS = 72
TEMPLATES = {
    "request": "distribution_approvals.mail_template_approval_request",
    "reminder": "distribution_approvals.mail_template_approval_reminder",
    "escalation": "distribution_approvals.mail_template_approval_escalation",
}


def _timestamp(moment):
    return calendar.timegm(moment.timetuple())


class DistributionApprovalAssignment(models.Model):
    """One approver asked at one level of one request: their activity, their e-mails and the
    secret their signed link is made with."""

    _name = "distribution.approval.assignment"
    _description = "Approver Asked"
    _order = "step_id, id"
    _rec_name = "user_id"

    step_id = fields.Many2one(
        "distribution.approval.step", required=True, ondelete="cascade", index=True
    )
    request_id = fields.Many2one(
        related="step_id.request_id", store=True, index=True, string="Request"
    )
    company_id = fields.Many2one(related="step_id.company_id", store=True)
    user_id = fields.Many2one("res.users", string="Approver", required=True, index=True)
    is_escalation = fields.Boolean(string="Escalation", readonly=True)
    nonce = fields.Char(
        groups="base.group_system",
        copy=False,
        default=lambda self: secrets.token_urlsafe(16),
        help="Secret part of the signed e-mail link of this approver at this level.",
    )
    notified_at = fields.Datetime(readonly=True)
    last_reminder_at = fields.Datetime(readonly=True)
    activity_id = fields.Many2one("mail.activity", ondelete="set null", readonly=True)
    decision_id = fields.Many2one("distribution.approval.decision", compute="_compute_decision_id")
    approval_url = fields.Char(compute="_compute_approval_url")

    def _compute_decision_id(self):
        decisions = (
            self.env["distribution.approval.decision"]
            .sudo()
            .search([("assignment_id", "in", self.ids)])
        )
        by_assignment = {decision.assignment_id.id: decision for decision in decisions}
        for assignment in self:
            assignment.decision_id = by_assignment.get(assignment.id, False)

    def _compute_approval_url(self):
        for assignment in self:
            assignment.approval_url = (
                f"{assignment.get_base_url()}/distribution/approval/{assignment._make_token()}"
            )

    # ------------------------------------------------------------------ signed links

    def _make_token(self, expires_at=None):
        """``<assignment>-<expiry>-<signature>``: the signature (HMAC with the database secret)
        covers the assignment, its approver, the expiry and the assignment's nonce."""
        self.ensure_one()
        if expires_at is None:
            hours = int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param(VALIDITY_PARAM, DEFAULT_VALIDITY_HOURS)
            )
            expires_at = fields.Datetime.now() + timedelta(hours=hours)
        expiry = _timestamp(expires_at)
        return f"{self.id}-{expiry}-{self._sign(expiry)}"

    def _sign(self, expiry):
        assignment = self.sudo()
        message = f"{assignment.id}:{assignment.user_id.id}:{expiry}:{assignment.nonce}"
        return hmac(self.env(su=True), LINK_SCOPE, message)

    @api.model
    def _from_token(self, token):
        """(assignment, problem) for a link: problem is None when the current user may decide
        through it, else one of invalid, expired, wrong_user, used, closed."""
        Assignment = self.browse()
        parts = (token or "").split("-")
        if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
            return Assignment, "invalid"
        assignment = self.sudo().browse(int(parts[0])).exists()
        if not assignment or not consteq(assignment._sign(int(parts[1])), parts[2]):
            return Assignment, "invalid"
        if _timestamp(fields.Datetime.now()) > int(parts[1]):
            return assignment, "expired"
        if assignment.user_id != self.env.user:
            return assignment, "wrong_user"
        if assignment.decision_id:
            return assignment, "used"
        if assignment.step_id.state != "pending" or assignment.request_id.state != "pending":
            return assignment, "closed"
        return assignment, None

    # ------------------------------------------------------------------ asking

    def _ask(self, kind):
        self._schedule_activities()
        self._notify(kind)

    def _notify(self, kind):
        """One e-mail per approver, with their own signed link (mail templates, in batch)."""
        if not self:
            return
        template = self.env.ref(TEMPLATES[kind], raise_if_not_found=False)
        if template:
            template.sudo().send_mail_batch(self.ids)
        self.sudo().write({"notified_at": fields.Datetime.now()})

    def _schedule_activities(self):
        """An activity for each approver on the document when they may open it, else on the
        request."""
        if not self:
            return
        activity_type = self.env.ref("distribution_approvals.mail_activity_type_approval")
        request_model_id = self.env["ir.model"]._get_id("distribution.approval.request")
        ordered, vals_list = [], []
        for (user, model), assignments in (
            self.sudo().grouped(lambda a: (a.user_id, a.request_id.res_model)).items()
        ):
            Document = self.env[model]
            readable = set()
            if "activity_ids" in Document._fields:
                documents = Document.browse(assignments.request_id.mapped("res_id")).exists()
                readable = set(documents.with_user(user)._filtered_access("read").ids)
            model_id = self.env["ir.model"]._get_id(model)
            for assignment in assignments:
                request = assignment.request_id
                on_document = request.res_id in readable
                ordered.append(assignment)
                vals_list.append(
                    {
                        "res_model_id": model_id if on_document else request_model_id,
                        "res_id": request.res_id if on_document else request.id,
                        "activity_type_id": activity_type.id,
                        "summary": self.env._(
                            "Approve %(document)s (%(level)s)",
                            document=request.res_name,
                            level=assignment.step_id.name,
                        ),
                        "note": Markup("<p>%s</p><p><a href='/odoo/%s/%s'>%s</a></p>")
                        % (
                            self.env._(
                                "%(requester)s asks for your approval at %(amount)s.",
                                requester=request.requester_id.name,
                                amount=format_amount(self.env, request.amount, request.currency_id),
                            ),
                            request._name,
                            request.id,
                            self.env._("Open the request"),
                        ),
                        "user_id": user.id,
                        "date_deadline": fields.Date.to_date(
                            assignment.step_id.escalate_at or fields.Datetime.now()
                        ),
                    }
                )
        activities = (
            self.env["mail.activity"]
            .sudo()
            .with_context(mail_activity_quick_update=True)
            .create(vals_list)
        )
        for assignment, activity in zip(ordered, activities, strict=True):
            assignment.activity_id = activity

    def _close_activity(self, decision=None):
        """Done for who decided, gone for the others (their action is no longer needed)."""
        with_activity = self.sudo().filtered("activity_id")
        done = with_activity.filtered(
            lambda a: decision and a.user_id in (decision.principal_id | decision.user_id)
        )
        for assignment in done:
            assignment.activity_id.action_feedback(
                feedback=decision._who() + (f": {decision.comment}" if decision.comment else "")
            )
        (with_activity - done).activity_id.unlink()
