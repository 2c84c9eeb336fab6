# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.addons.distribution_approvals.models.distribution_approval_mixin import (
    DistributionApprovalError,
)
from odoo.addons.distribution_exceptions.models.distribution_exception_mixin import (
    DistributionBlockedError,
)
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class TestSaleOrderGuard(ApprovalCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_matrix(
            "sale_confirm",
            [
                {
                    "name": "Over 1,000",
                    "amount_min": 1000,
                    "user_ids": cls.approver_1 | cls.approver_2,
                },
                {"name": "Tier C", "customer_tier": "c", "user_ids": cls.finance},
            ],
        )

    def test_first_confirm_asks_then_refuses_until_approved(self):
        order = self.make_order([(self.radio, 20, 100)])
        result = order.with_user(self.salesman).action_confirm()
        self.assertEqual(result["tag"], "display_notification")
        self.assertIn(order.name, result["params"]["message"])
        self.assertEqual(order.state, "draft")
        request = self.request_of(order)
        self.assertEqual((request.state, request.requester_id), ("pending", self.salesman))
        self.assertEqual(order.distribution_approval_state, "pending")
        self.assertIn("Over 1,000", order.distribution_approval_summary)

        with self.assertRaises(DistributionApprovalError) as refused:
            order.with_user(self.salesman).action_confirm()
        message = str(refused.exception)
        self.assertIn("Over 1,000", message)
        self.assertIn("Ann Approver", message)
        self.assertIn("Bob Approver", message)
        details = refused.exception.context["approvals"][0]
        self.assertEqual(details["level"], "Over 1,000")
        self.assertEqual(sorted(details["waiting_for"]), ["Ann Approver", "Bob Approver"])
        self.assertEqual(order.state, "draft")
        self.assertEqual(len(self.requests_of(order)), 1, "no second request")

        self.decide(request, self.approver_2)
        self.assertIs(order.with_user(self.salesman).action_confirm(), True)
        self.assertEqual(order.state, "sale")
        self.assertTrue(request.passed_at)

    def test_a_batch_confirms_what_needs_no_approval_and_asks_for_the_rest(self):
        small = self.make_order([(self.bolt, 1, 10)])
        big = self.make_order([(self.radio, 20, 100)])
        tier_c = self.make_order([(self.bolt, 1, 10)], self.customer_c)
        result = (small | big | tier_c).with_user(self.salesman).action_confirm()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual((small.state, big.state, tier_c.state), ("sale", "draft", "draft"))
        self.assertEqual(self.request_of(big).current_level, "Over 1,000")
        self.assertEqual(self.request_of(tier_c).current_level, "Tier C")
        self.assertFalse(self.requests_of(small))

    def test_a_pending_document_stops_the_whole_batch(self):
        big = self.make_order([(self.radio, 20, 100)])
        big.with_user(self.salesman).action_confirm()
        small = self.make_order([(self.bolt, 1, 10)])
        with self.assertRaises(DistributionApprovalError):
            (small | big).with_user(self.salesman).action_confirm()
        self.assertEqual(small.state, "draft")

    def test_rpc_style_call_as_another_salesman_is_refused_too(self):
        """Whoever calls the method, the server refuses: the button is not the guard."""
        order = self.make_order([(self.radio, 20, 100)])
        order.with_user(self.salesman).action_confirm()
        with self.assertRaises(DistributionApprovalError):
            order.with_user(self.manager).action_confirm()
        self.assertEqual(order.state, "draft")


@tagged("post_install", "-at_install")
class TestExceptionsComeFirst(ApprovalCase):
    def test_a_blocking_exception_stops_the_order_before_any_approval_is_asked(self):
        self.make_matrix("sale_confirm", [{"name": "Any", "user_ids": self.approver_1}])
        rule = self.env["distribution.exception.rule"].create(
            {
                "name": "DAP held orders",
                "detector": "domain",
                "target_model": "sale.order",
                "level": "header",
                "domain": "[('client_order_ref', '=', 'HOLD')]",
                "severity": "blocking",
                "owner_type": "user",
                "owner_user_id": self.manager.id,
            }
        )
        order = self.make_order([(self.bolt, 1, 10)], client_order_ref="HOLD")
        with self.assertRaises(DistributionBlockedError) as blocked:
            order.with_user(self.salesman).action_confirm()
        self.assertIn(rule.name, str(blocked.exception))
        self.assertFalse(self.requests_of(order), "nobody is asked to approve a held order")

        order.client_order_ref = "OK"
        order.with_user(self.salesman).action_confirm()
        request = self.request_of(order)
        self.assertEqual(request.state, "pending")

        # an exception raised while the approval is pending is reported first too
        order.client_order_ref = "HOLD"
        with self.assertRaises(DistributionBlockedError):
            order.with_user(self.salesman).action_confirm()


@tagged("post_install", "-at_install")
class TestOtherDocuments(ApprovalCase):
    def test_purchase_order(self):
        self.make_matrix(
            "purchase_confirm", [{"name": "Buying", "amount_min": 500, "user_ids": self.approver_1}]
        )
        cheap, dear = self.make_purchase(100), self.make_purchase(900)
        (cheap | dear).with_user(self.buyer).button_confirm()
        self.assertEqual((cheap.state, dear.state), ("purchase", "draft"))
        with self.assertRaisesRegex(UserError, "Buying"):
            dear.with_user(self.buyer).button_confirm()
        self.decide(self.request_of(dear), self.approver_1)
        dear.with_user(self.buyer).button_confirm()
        self.assertEqual(dear.state, "purchase")

    def _delivered_order(self):
        order = self.make_order([(self.radio, 5, 100)])
        order.sudo().action_confirm()
        delivery = order.picking_ids
        delivery.move_ids.write({"quantity": 5, "picked": True})
        delivery.sudo().button_validate()
        self.assertEqual(delivery.state, "done")
        return order, delivery

    def _return_of(self, delivery, quantity):
        wizard = (
            self.env["stock.return.picking"]
            .with_user(self.stock_user)
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = quantity
        result = wizard.action_create_returns()
        returned = self.env["stock.picking"].browse(result["res_id"])
        returned.move_ids.write({"quantity": quantity, "picked": True})
        return returned

    def test_return_above_a_value_needs_an_approval_before_it_is_validated(self):
        self.make_matrix(
            "return", [{"name": "Returns", "amount_min": 100, "user_ids": self.approver_1}]
        )
        _order, delivery = self._delivered_order()
        small = self._return_of(delivery, 1)  # 60 at cost
        small.with_user(self.stock_user).button_validate()
        self.assertEqual(small.state, "done")
        big = self._return_of(delivery, 4)  # 240 at cost
        result = big.with_user(self.stock_user).button_validate()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(big.state, "assigned")
        request = self.request_of(big)
        self.assertEqual((request.document_type, request.amount), ("return", 240.0))
        with self.assertRaisesRegex(UserError, "Returns"):
            big.with_user(self.stock_user).button_validate()
        self.decide(request, self.approver_1)
        big.with_user(self.stock_user).button_validate()
        self.assertEqual(big.state, "done")

    def test_rush_shipment(self):
        self.make_matrix("rush_shipment", [{"name": "Rush", "user_ids": self.approver_1}])
        order = self.make_order([(self.radio, 1, 100)])
        order.sudo().action_confirm()
        delivery = order.picking_ids
        delivery.move_ids.write({"quantity": 1, "picked": True})
        delivery.distribution_rush = True
        delivery.with_user(self.stock_user).button_validate()
        self.assertNotEqual(delivery.state, "done")
        request = self.request_of(delivery)
        self.assertEqual((request.document_type, request.amount), ("rush_shipment", 100.0))
        self.decide(request, self.approver_1)
        delivery.with_user(self.stock_user).button_validate()
        self.assertEqual(delivery.state, "done")

    def test_an_ordinary_delivery_is_not_a_rush_shipment(self):
        self.make_matrix("rush_shipment", [{"name": "Rush", "user_ids": self.approver_1}])
        _order, delivery = self._delivered_order()
        self.assertFalse(self.requests_of(delivery))

    def test_inventory_adjustment(self):
        self.make_matrix(
            "inventory_adjustment",
            [{"name": "Count", "amount_min": 500, "user_ids": self.approver_1}],
        )
        Quant = self.env["stock.quant"].with_user(self.stock_user).with_context(inventory_mode=True)
        location = self.warehouse.lot_stock_id
        quant = Quant.search(
            [("product_id", "=", self.radio.id), ("location_id", "=", location.id)]
        )
        quant.inventory_quantity = quant.quantity - 20  # 20 x 60 = 1,200 at cost
        result = quant.action_apply_inventory()
        self.assertEqual(result["tag"], "display_notification")
        self.assertEqual(quant.quantity, 10000.0)
        request = self.request_of(quant)
        self.assertEqual(request.amount, 1200.0)
        # the lower-level entry point refuses as well
        with self.assertRaisesRegex(UserError, "Count"):
            quant._apply_inventory()
        self.decide(request, self.approver_1)
        quant.action_apply_inventory()
        self.assertEqual(quant.quantity, 9980.0)
        self.assertTrue(request.passed_at)
        # the next count of the same quant is another adjustment, with an approval of its own
        quant.inventory_quantity = 9950
        quant.action_apply_inventory()
        self.assertEqual(quant.quantity, 9980.0)
        self.assertEqual(len(self.requests_of(quant)), 2)
        self.assertEqual(request.state, "approved", "a used approval is not invalidated")

    def test_scrap(self):
        self.make_matrix(
            "scrap", [{"name": "Scrap", "amount_min": 100, "user_ids": self.approver_1}]
        )
        scrap = (
            self.env["stock.scrap"]
            .with_user(self.stock_user)
            .create(
                {
                    "product_id": self.radio.id,
                    "scrap_qty": 3,
                    "location_id": self.warehouse.lot_stock_id.id,
                    "product_uom_id": self.radio.uom_id.id,
                }
            )
        )
        scrap.action_validate()
        self.assertEqual(scrap.state, "draft")
        with self.assertRaisesRegex(UserError, "Scrap"):
            scrap.do_scrap()
        self.decide(self.request_of(scrap), self.approver_1)
        scrap.action_validate()
        self.assertEqual(scrap.state, "done")

    def test_an_approver_who_may_not_open_the_document_can_still_be_asked(self):
        """Approvers who may not open the document get their activity on the request."""
        self.make_matrix("sale_confirm", [{"name": "Any", "user_ids": self.approver_1}])
        order = self.make_order([(self.bolt, 1, 10)])
        order.with_user(self.salesman).action_confirm()
        request = self.request_of(order)
        activity = request.assignment_ids.activity_id
        self.assertEqual((activity.res_model, activity.res_id), (request._name, request.id))
        self.decide(request, self.approver_1)
        self.assertEqual(request.state, "approved")

    def test_documents_of_the_matrix_type_only(self):
        self.make_matrix("purchase_confirm", [{"name": "Buying", "user_ids": self.approver_1}])
        order = self.make_order([(self.bolt, 1, 10)])
        self.assertIs(order.with_user(self.salesman).action_confirm(), True)
        self.assertEqual(order.state, "sale", "sales orders flow: there is no sales matrix")
        self.assertFalse(self.requests_of(order))
