# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestEventTimelineTour(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            "timeline_manager",
            password="timeline_manager",
            groups="base.group_user,distribution_base.group_distribution_manager",
        )
        partners = cls.env["res.partner"].create(
            [{"name": "Tour Customer North"}, {"name": "Tour Customer South"}]
        )
        Event = cls.env["distribution.event"]
        Event._emit("tour.order.held", partners, payload={"reason": "stock shortage"})
        Event._emit("tour.order.released", partners[0])

    def test_manager_filters_the_business_event_timeline(self):
        self.start_tour("/odoo", "distribution_event_timeline_tour", login="timeline_manager")
