# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from freezegun import freeze_time

from odoo.tests import tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class TestRemindersAndEscalation(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the cron looks at every pending step: leave only this test's (demo data has some)
        cls.env["distribution.approval.step"].search([("state", "=", "pending")]).write(
            {"next_reminder_at": False, "escalate_at": False}
        )
        cls.make_matrix(
            "sale_confirm",
            [
                {
                    "name": "Sales",
                    "user_ids": cls.approver_1 | cls.approver_2,
                    "quorum": 2,
                    "reminder_hours": 24,
                    "escalation_hours": 48,
                    "escalation_user_id": cls.boss,
                }
            ],
        )

    def mails(self, template, user):
        template = self.env.ref(f"distribution_approvals.mail_template_approval_{template}")
        return (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    ("model", "=", "distribution.approval.assignment"),
                    ("recipient_ids", "in", user.partner_id.ids),
                    ("subject", "=like", template.subject.split("{{")[0] + "%"),
                ]
            )
        )

    def run_cron(self, request):
        """The scheduled action, as it runs; what it did to ``request`` (other requests, such
        as the demo's, are due too in a far future)."""
        late, due = self.Request._cron_remind_and_escalate()
        return late & request.step_ids, due & request.step_ids

    def test_reminders_on_the_cadence_then_escalation_after_the_delay(self):
        with freeze_time("2030-05-06 08:00:00"):
            order = self.make_order([(self.bolt, 1, 10)])
            order.with_user(self.salesman).action_confirm()
            request = self.request_of(order)
            self.decide(request, self.approver_1)
            self.assertEqual(len(self.mails("request", self.approver_2)), 1)

        with freeze_time("2030-05-07 07:59:00"):
            late, due = self.run_cron(request)
            self.assertFalse(late | due, "nothing before the cadence")
        with freeze_time("2030-05-07 08:05:00"):
            late, due = self.run_cron(request)
            self.assertEqual(due, request.current_step_id)
            self.assertFalse(late)
        reminded = self.mails("reminder", self.approver_2)
        self.assertEqual(len(reminded), 1, "Bob, who has not decided, is reminded")
        self.assertFalse(self.mails("reminder", self.approver_1), "Ann has decided")
        with freeze_time("2030-05-07 20:00:00"):
            self.assertFalse(self.run_cron(request)[1], "not twice within the cadence")

        with freeze_time("2030-05-08 08:06:00"):
            late, due = self.run_cron(request)
        self.assertEqual(late, request.current_step_id)
        self.assertEqual(len(self.mails("reminder", self.approver_2)), 2)
        self.assertIn(self.boss, request.assignment_ids.user_id)
        escalation = request.assignment_ids.filtered(lambda a: a.user_id == self.boss)
        self.assertTrue(escalation.is_escalation)
        self.assertEqual(escalation.activity_id.user_id, self.boss)
        self.assertEqual(len(self.mails("escalation", self.boss)), 1)
        self.assertIn(self.boss, request.access_user_ids)
        self.assertEqual(self.events(request, "approval.escalated").payload["level"], "Sales")
        self.assertTrue(
            any("Escalated to Ben Boss" in body for body in order.message_ids.mapped("body"))
        )

        with freeze_time("2030-05-08 09:00:00"):
            self.assertFalse(self.run_cron(request)[0], "escalated once")
            self.assertTrue(request.with_user(self.boss).is_my_turn)
            self.decide(request, self.boss, comment="Escalated to me, fine")
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.decision_ids.mapped("user_id"), self.approver_1 | self.boss)

    def test_no_reminder_nor_escalation_once_decided(self):
        with freeze_time("2030-05-06 08:00:00"):
            order = self.make_order([(self.bolt, 1, 10)])
            order.with_user(self.salesman).action_confirm()
            request = self.request_of(order)
            self.decide(request, self.approver_1)
            self.decide(request, self.approver_2)
        with freeze_time("2030-05-20 08:00:00"):
            late, due = self.run_cron(request)
        self.assertFalse(late | due)
        self.assertFalse(
            self.mails("reminder", self.approver_2) | self.mails("escalation", self.boss)
        )
