# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import DistributionCase


@tagged("post_install", "-at_install")
class TestEventAccess(DistributionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.partner_a = cls.env["res.partner"].create(
            {"name": "Company A customer", "company_id": cls.company_a.id}
        )
        cls.partner_b = cls.env["res.partner"].create(
            {"name": "Company B customer", "company_id": cls.company_b.id}
        )
        cls.event_a = cls.Event._emit("order.held", cls.partner_a)
        cls.event_b = cls.Event._emit("order.held", cls.partner_b)

    def test_outbox_is_append_only_for_distribution_users_and_managers(self):
        for user in (self.dist_user, self.dist_manager):
            event = self.event_a.with_user(user)
            self.assertEqual(event.event_type, "order.held", f"readable by {user.login}")
            with self.assertRaises(AccessError, msg=f"{user.login} must not alter events"):
                event.write({"event_type": "order.released"})
            with self.assertRaises(AccessError, msg=f"{user.login} must not delete events"):
                event.unlink()
            with self.assertRaises(AccessError, msg=f"{user.login} must not forge events"):
                self.Event.with_user(user).create({"event_type": "order.released"})
        self.assertEqual(self.event_a.event_type, "order.held")

    def test_emit_api_works_for_a_user_without_create_right(self):
        events = self.Event.with_user(self.dist_user)._emit("order.held", self.partner_a)
        self.assertEqual(events.sudo().user_id, self.dist_user)

    def test_internal_user_without_distribution_role_cannot_read(self):
        employee = new_test_user(self.env, "plain_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            self.event_a.with_user(employee).read(["event_type"])

    def test_system_administrator_can_correct_and_delete(self):
        event = self.event_a.with_user(self.sys_admin)
        event.write({"payload": {"corrected": True}})
        self.assertEqual(self.event_a.payload, {"corrected": True})
        event.unlink()
        self.assertFalse(self.event_a.exists())

    def test_users_only_see_events_of_their_companies(self):
        both = self.event_a | self.event_b
        visible = self.Event.with_user(self.dist_manager).search([("id", "in", both.ids)])
        self.assertEqual(visible, self.event_a)
        with self.assertRaises(AccessError):
            self.event_b.with_user(self.dist_manager).read(["event_type"])

        self.dist_manager.company_ids = [(4, self.company_b.id)]
        as_manager = self.Event.with_user(self.dist_manager)
        self.assertEqual(
            as_manager.with_context(
                allowed_company_ids=[self.company_a.id, self.company_b.id]
            ).search([("id", "in", both.ids)]),
            both,
        )
        self.assertEqual(
            as_manager.with_context(allowed_company_ids=[self.company_b.id]).search(
                [("id", "in", both.ids)]
            ),
            self.event_b,
            "only the companies selected in the switcher count",
        )
