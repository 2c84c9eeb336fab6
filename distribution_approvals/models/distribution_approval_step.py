# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import Command, fields, models


class DistributionApprovalStep(models.Model):
    """One level of one request: the level as it was when asked, its approvers and its clock."""

    _name = "distribution.approval.step"
    _description = "Approval Request Level"
    _order = "request_id, sequence, id"

    request_id = fields.Many2one(
        "distribution.approval.request", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="request_id.company_id", store=True, index=True)
    level_id = fields.Many2one(
        "distribution.approval.level", string="Matrix Level", ondelete="set null"
    )
    name = fields.Char(string="Level", required=True)
    sequence = fields.Integer()
    state = fields.Selection(
        [
            ("waiting", "Waiting"),
            ("pending", "To Decide"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
            ("cancelled", "Cancelled"),
        ],
        default="waiting",
        required=True,
        index=True,
    )
    quorum = fields.Integer(default=1)
    approval_count = fields.Integer()
    allow_repeat_approver = fields.Boolean()
    assignment_ids = fields.One2many(
        "distribution.approval.assignment", "step_id", string="Approvers"
    )
    decision_ids = fields.One2many("distribution.approval.decision", "step_id")
    escalation_user_id = fields.Many2one("res.users", string="Escalate To")
    escalation_hours = fields.Float()
    reminder_hours = fields.Float()
    activated_at = fields.Datetime()
    escalate_at = fields.Datetime(index=True)
    escalated_at = fields.Datetime()
    next_reminder_at = fields.Datetime(index=True)
    closed_at = fields.Datetime()

    def _undecided(self):
        """Approvers of this step who have not decided yet (neither themselves nor through a
        delegate)."""
        decided = self.decision_ids.principal_id | self.decision_ids.user_id
        return self.assignment_ids.user_id - decided

    def _activate(self):
        """Ask these steps' approvers: activities, e-mails with a link, deadlines."""
        if not self:
            return
        now = fields.Datetime.now()
        for hours_pair, steps in self.grouped(
            lambda step: (step.escalation_hours, step.reminder_hours)
        ).items():
            escalation_hours, reminder_hours = hours_pair
            steps.write(
                {
                    "state": "pending",
                    "activated_at": now,
                    "escalate_at": now + timedelta(hours=escalation_hours)
                    if escalation_hours
                    else False,
                    "next_reminder_at": now + timedelta(hours=reminder_hours)
                    if reminder_hours
                    else False,
                }
            )
        for step in self:
            step.request_id.current_step_id = step
        self.assignment_ids._ask("request")

    def _close(self, state):
        if not self:
            return
        self.write({"state": state, "closed_at": fields.Datetime.now()})
        self.assignment_ids._close_activity()

    def _escalate(self):
        """Ask the escalation approver of each late step, and say it everywhere."""
        if not self:
            return
        Assignment = self.env["distribution.approval.assignment"]
        new = Assignment
        told = Assignment
        for step in self:
            escalation = step.escalation_user_id
            existing = step.assignment_ids.filtered(lambda a, user=escalation: a.user_id == user)
            if existing:
                told |= existing
            elif escalation != step.request_id.requester_id:
                step.assignment_ids = [
                    Command.create({"user_id": escalation.id, "is_escalation": True})
                ]
                new |= step.assignment_ids.filtered(lambda a, user=escalation: a.user_id == user)
        self.write({"escalated_at": fields.Datetime.now()})
        self.request_id._refresh_access()
        new._ask("escalation")
        told._notify("escalation")
        requests = self.request_id
        # numbers formatted outside the translated call, which the .pot extraction must read
        hours = {step: f"{step.escalation_hours:g}" for step in self}
        requests._log_on_documents(
            {
                step.request_id: self.env._(
                    "Escalated to %(user)s: level “%(level)s” waited more than %(hours)s hours.",
                    user=step.escalation_user_id.name,
                    level=step.name,
                    hours=hours[step],
                )
                for step in self
            }
        )
        requests._emit("approval.escalated")

    def _remind(self):
        """Remind the approvers who have not decided, and set the next reminder."""
        if not self:
            return
        now = fields.Datetime.now()
        to_remind = self.env["distribution.approval.assignment"]
        for step in self:
            undecided = step._undecided()
            to_remind |= step.assignment_ids.filtered(
                lambda a, undecided=undecided: a.user_id in undecided
            )
        for hours, steps in self.grouped("reminder_hours").items():
            steps.write({"next_reminder_at": now + timedelta(hours=hours) if hours else False})
        to_remind._notify("reminder")
        to_remind.write({"last_reminder_at": now})
