# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import HttpCase, tagged

from .mapping_common import MappingMixin


@tagged("post_install", "-at_install")
class TestCarrierDelayTour(MappingMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_mapping()  # with the shipped late-delivery rule

    def test_warehouse_user_sees_carrier_delay_and_its_exception(self):
        picking = self.make_delivery("DCM-TOUR-1", commitment=self.days(1))
        self.feed(
            self.native,
            [
                self.native_tracking(
                    "tour-1",
                    "DCM-TOUR-1",
                    "in_transit",
                    self.iso(self.days(0)),
                    status_detail="Hub delay",
                    message="Hub delay",
                    estimated_delivery=self.iso(self.days(4)),
                )
            ],
        )
        self.assertEqual(len(self.open_exceptions(picking)), 1)
        self.start_tour(
            f"/odoo/action-stock.action_picking_tree_all/{picking.id}",
            "distribution_carrier_delay_tour",
            login="dcm_warehouse",
        )
