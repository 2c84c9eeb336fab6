# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import IntegrationCase

SECRET_FIELDS = ("secret", "previous_secret", "token", "webhook_url")


@tagged("post_install", "-at_install")
class TestIntegrationAccess(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        status, answer = cls.receive_signed(cls.endpoint, cls.tracking_body("evt_access"))
        cls.event = cls.Event.browse(answer["id"])
        cls.employee = new_test_user(cls.env, "dci_employee", groups="base.group_user")

    def test_managers_read_endpoints_but_not_their_secrets(self):
        endpoint = self.endpoint.sudo(False).with_user(self.dist_manager)
        self.assertEqual(endpoint.name, "DCI native tracking")
        for field in SECRET_FIELDS:
            with self.subTest(field=field), self.assertRaises(AccessError):
                endpoint.read([field])
        # reading "everything" leaves the secrets out
        values = endpoint.read()[0]
        self.assertFalse(set(SECRET_FIELDS) & set(values))
        self.assertNotIn(self.endpoint.secret, repr(values))
        with self.assertRaises(AccessError):
            endpoint.search_read([("secret", "=", self.endpoint.secret)], ["name"])
        with self.assertRaises(AccessError):
            endpoint.write({"rate_limit": 10})

    def test_only_integration_administrators_change_secrets(self):
        old_secret = self.endpoint.secret
        with self.assertRaises(AccessError):
            self.endpoint.sudo(False).with_user(self.dist_manager).write({"secret": "whsec_AAAA"})
        with self.assertRaises(AccessError):
            self.endpoint.sudo(False).with_user(self.dist_manager).action_rotate_secret()
        self.assertEqual(self.endpoint.secret, old_secret)
        self.assertFalse(self.endpoint.previous_secret)
        admin_endpoint = self.endpoint.sudo(False).with_user(self.integration_admin)
        self.assertEqual(admin_endpoint.read(["secret"])[0]["secret"], old_secret)
        self.assertIn(admin_endpoint.token, admin_endpoint.webhook_url)
        self.assertTrue(
            admin_endpoint.webhook_url.endswith(f"/distribution/webhooks/{admin_endpoint.token}")
        )

    def test_events_are_read_by_managers_and_replayed_by_administrators(self):
        event = self.event.with_user(self.dist_manager)
        self.assertIn("evt_access", event.raw_body)
        self.event.state = "dead"
        with self.assertRaises(AccessError):
            event.action_replay()
        with self.assertRaises(AccessError):
            event.unlink()
        self.event.with_user(self.integration_admin).action_replay()
        self.assertEqual(self.event.state, "received")

    def test_internal_users_without_a_role_see_nothing(self):
        with self.assertRaises(AccessError):
            self.endpoint.sudo(False).with_user(self.employee).read(["name"])
        with self.assertRaises(AccessError):
            self.event.with_user(self.employee).read(["raw_body"])
        with self.assertRaises(AccessError):
            self.Endpoint.with_user(self.employee).create({"name": "sneaky"})

    def test_endpoints_and_events_of_another_company_are_hidden(self):
        other_company = self.env["res.company"].create({"name": "DCI Other Distributor"})
        # the administrator cannot create it in a company he is not in; the superuser can
        with self.assertRaises(AccessError):
            self.make_endpoint(name="DCI other company", company_id=other_company.id)
        other = self.Endpoint.create({"name": "DCI other company", "company_id": other_company.id})
        status, answer = self.receive_signed(other, self.tracking_body("evt_other"))
        other_event = self.Event.browse(answer["id"])
        self.assertEqual(other_event.company_id, other_company)
        Endpoint = self.Endpoint.with_user(self.integration_admin)
        self.assertNotIn(other, Endpoint.search([]))
        self.assertNotIn(other_event, self.Event.with_user(self.integration_admin).search([]))
        self.integration_admin.company_ids = [Command.link(other_company.id)]
        both = Endpoint.with_context(allowed_company_ids=[self.company.id, other_company.id])
        self.assertIn(other, both.search([]))

    def test_the_form_sent_to_managers_has_no_secret_fields(self):
        for user, visible in ((self.dist_manager, False), (self.integration_admin, True)):
            views = self.Endpoint.with_user(user).get_views([(False, "form")])
            arch = views["views"]["form"]["arch"]
            for field in ("secret", "previous_secret", "webhook_url"):
                with self.subTest(user=user.login, field=field):
                    self.assertEqual(f'name="{field}"' in arch, visible)
