# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import ApprovalCase


@tagged("post_install", "-at_install")
class TestMatrixResolution(ApprovalCase):
    def levels_of(self, order):
        return order._approval_plan("confirm")[order.id].levels.mapped("name")

    def test_amount_bands_in_company_currency(self):
        self.make_matrix(
            "sale_confirm",
            [
                {
                    "name": "Band 1k-5k",
                    "amount_min": 1000,
                    "amount_max": 5000,
                    "user_ids": self.approver_1,
                },
                {"name": "Band 5k+", "amount_min": 5000, "user_ids": self.approver_2},
            ],
        )
        cases = {999.99: [], 1000.0: ["Band 1k-5k"], 4999.99: ["Band 1k-5k"], 5000.0: ["Band 5k+"]}
        for amount, expected in cases.items():
            order = self.make_order([(self.bolt, 1, amount)])
            self.assertEqual(self.levels_of(order), expected, f"amount {amount}")

    def test_amount_of_a_foreign_currency_order_is_converted(self):
        foreign = (
            self.env["res.currency"]
            .with_context(active_test=False)
            .search([("id", "!=", self.company.currency_id.id)], limit=1)
        )
        foreign.active = True
        self.env["res.currency.rate"].create(
            {
                "currency_id": foreign.id,
                "rate": 2.0 * self.company.currency_id.rate,
                "company_id": self.company.id,
            }
        )
        pricelist = self.env["product.pricelist"].create(
            {"name": "DAP Foreign", "currency_id": foreign.id}
        )
        self.make_matrix(
            "sale_confirm", [{"name": "Big", "amount_min": 1000, "user_ids": self.approver_1}]
        )
        # 1,500 in a currency worth half of the company's: 750, below the band
        order = self.make_order([(self.bolt, 1, 1500.0)], pricelist_id=pricelist.id)
        self.assertEqual(order.currency_id, foreign)
        self.assertEqual(self.levels_of(order), [])
        order.order_line.price_unit = 2500.0
        self.assertEqual(self.levels_of(order), ["Big"])

    def test_customer_tier(self):
        self.make_matrix(
            "sale_confirm", [{"name": "Tier C", "customer_tier": "c", "user_ids": self.approver_1}]
        )
        self.assertEqual(
            self.levels_of(self.make_order([(self.bolt, 1, 10)], self.customer_c)), ["Tier C"]
        )
        self.assertEqual(self.levels_of(self.make_order([(self.bolt, 1, 10)], self.customer_a)), [])

    def test_product_category_includes_its_subcategories(self):
        self.make_matrix(
            "sale_confirm",
            [
                {
                    "name": "Goods",
                    "product_category_ids": self.category_goods,
                    "user_ids": self.approver_1,
                }
            ],
        )
        self.assertEqual(self.levels_of(self.make_order([(self.radio, 1, 100)])), ["Goods"])
        self.assertEqual(self.levels_of(self.make_order([(self.bolt, 1, 100)])), [])
        mixed = self.make_order([(self.bolt, 1, 100), (self.radio, 1, 100)])
        self.assertEqual(self.levels_of(mixed), ["Goods"])

    def test_warehouse_margin_discount_and_domain(self):
        self.make_matrix(
            "sale_confirm",
            [
                {
                    "name": "Other WH",
                    "warehouse_ids": self.other_warehouse,
                    "user_ids": self.approver_1,
                },
                {
                    "name": "Low margin",
                    "check_margin": True,
                    "margin_below": 20,
                    "user_ids": self.approver_1,
                },
                {
                    "name": "Discount",
                    "check_discount": True,
                    "discount_above": 10,
                    "user_ids": self.approver_1,
                },
                {
                    "name": "Marked",
                    "domain": "[('client_order_ref', '=', 'URGENT')]",
                    "user_ids": self.approver_1,
                },
            ],
        )
        # radio costs 60: sold at 100 the margin is 40%
        plain = self.make_order([(self.radio, 1, 100)])
        self.assertEqual(self.levels_of(plain), [])
        far = self.make_order([(self.radio, 1, 100)], warehouse_id=self.other_warehouse.id)
        self.assertEqual(self.levels_of(far), ["Other WH"])
        thin = self.make_order([(self.radio, 1, 70)])  # 14% margin
        self.assertEqual(self.levels_of(thin), ["Low margin"])
        discounted = self.make_order([(self.radio, 1, 200, 15.0)])  # 170 net: margin 65%
        self.assertEqual(self.levels_of(discounted), ["Discount"])
        marked = self.make_order([(self.radio, 1, 100)], client_order_ref="URGENT")
        self.assertEqual(self.levels_of(marked), ["Marked"])

    def test_logistics_cost_of_a_rush_shipment(self):
        self.make_matrix(
            "rush_shipment",
            [
                {
                    "name": "Costly rush",
                    "check_logistics_cost": True,
                    "logistics_cost_above": 50,
                    "user_ids": self.approver_1,
                }
            ],
        )
        product = self.env["product.product"].create({"name": "DAP Express", "type": "service"})
        carrier = self.env["delivery.carrier"].create(
            {"name": "DAP Express", "product_id": product.id, "fixed_price": 80.0}
        )
        order = self.make_order([(self.radio, 1, 100)])
        order.sudo().action_confirm()
        picking = order.picking_ids
        picking.write({"distribution_rush": True, "carrier_id": carrier.id, "carrier_price": 80.0})
        plan = picking._approval_plan("validate")[picking.id]
        self.assertEqual(plan.document_type, "rush_shipment")
        self.assertEqual(plan.levels.mapped("name"), ["Costly rush"])
        picking.carrier_price = 40.0
        self.assertFalse(picking._approval_plan("validate")[picking.id].levels)

    def test_levels_of_several_matrices_apply_in_sequence(self):
        self.make_matrix(
            "sale_confirm", [{"name": "Second", "user_ids": self.approver_2}], sequence=20
        )
        self.make_matrix(
            "sale_confirm",
            [
                {"name": "First B", "sequence": 20, "user_ids": self.approver_1},
                {"name": "First A", "sequence": 10, "user_ids": self.approver_1},
            ],
            sequence=10,
        )
        self.assertEqual(
            self.levels_of(self.make_order([(self.bolt, 1, 10)])), ["First A", "First B", "Second"]
        )

    def test_matrix_of_another_company_does_not_apply(self):
        other = self.env["res.company"].create({"name": "DAP Other Company"})
        self.env["distribution.approval.matrix"].create(
            {
                "name": "Other company's",
                "document_type": "sale_confirm",
                "company_id": other.id,
                "level_ids": [Command.create({"name": "Theirs", "approver_type": "manager"})],
            }
        )
        self.assertEqual(self.levels_of(self.make_order([(self.bolt, 1, 10)])), [])

    def test_archived_matrix_does_not_apply(self):
        matrix = self.make_matrix("sale_confirm", [{"name": "Any", "user_ids": self.approver_1}])
        order = self.make_order([(self.bolt, 1, 10)])
        self.assertEqual(self.levels_of(order), ["Any"])
        matrix.action_archive()
        self.assertEqual(self.levels_of(order), [])

    def test_no_matching_level_no_request_and_the_order_flows(self):
        self.make_matrix(
            "sale_confirm", [{"name": "Big", "amount_min": 10000, "user_ids": self.approver_1}]
        )
        order = self.make_order([(self.bolt, 1, 10)])
        self.assertIs(order.with_user(self.salesman).action_confirm(), True)
        self.assertEqual(order.state, "sale")
        self.assertFalse(self.requests_of(order))
        self.assertEqual(order.distribution_approval_state, "none")

    def test_resolution_queries_do_not_grow_with_the_number_of_orders(self):
        self.make_matrix(
            "sale_confirm",
            [
                {
                    "name": "Band",
                    "amount_min": 100,
                    "amount_max": 5000,
                    "user_ids": self.approver_1,
                },
                {"name": "Tier", "customer_tier": "c", "user_ids": self.approver_2},
                {
                    "name": "Goods",
                    "product_category_ids": self.category_goods,
                    "user_ids": self.approver_3,
                },
                {
                    "name": "Domain",
                    "domain": "[('client_order_ref', '=', 'X')]",
                    "user_ids": self.approver_1,
                },
            ],
        )
        orders = self.env["sale.order"]
        for index in range(40):
            partner = self.customer_c if index % 2 else self.customer_a
            orders |= self.make_order([(self.radio, 1 + index, 100), (self.bolt, 2, 10)], partner)

        def count(documents):
            self.env.invalidate_all()
            documents = documents.with_user(self.salesman)
            with self.capture_queries() as queries:
                plans = documents._approval_plan("confirm")
            self.assertEqual(len(plans), len(documents))
            return len(queries)

        count(orders[:4])  # access rules and other registry caches are loaded once
        few, many = count(orders[:4]), count(orders)
        self.assertEqual(few, many, "one resolution costs the same for 4 and for 40 orders")


@tagged("post_install", "-at_install")
class TestApprovers(ApprovalCase):
    def test_quorum_two_of_three(self):
        self.make_matrix(
            "sale_confirm",
            [
                {
                    "name": "Two of three",
                    "quorum": 2,
                    "user_ids": self.approver_1 | self.approver_2 | self.approver_3,
                }
            ],
        )
        order = self.make_order([(self.bolt, 1, 10)])
        order.with_user(self.salesman).action_confirm()
        request = self.request_of(order)
        self.assertEqual(request.current_step_id.quorum, 2)
        self.decide(request, self.approver_1)
        self.assertEqual(request.state, "pending", "one approval of two")
        self.assertEqual(request.current_step_id.approval_count, 1)
        self.decide(request, self.approver_3)
        self.assertEqual(request.state, "approved")
        with self.assertRaises(UserError):
            self.decide(request, self.approver_2)
        self.assertEqual(len(request.decision_ids), 2)

    def test_quorum_above_the_number_of_approvers_means_all_of_them(self):
        self.make_matrix(
            "sale_confirm",
            [{"name": "All", "quorum": 5, "user_ids": self.approver_1 | self.approver_2}],
        )
        order = self.make_order([(self.bolt, 1, 10)])
        order.with_user(self.salesman).action_confirm()
        request = self.request_of(order)
        self.assertEqual(request.current_step_id.quorum, 2)
        self.decide(request, self.approver_1)
        self.assertEqual(request.state, "pending")
        self.decide(request, self.approver_2)
        self.assertEqual(request.state, "approved")

    def test_sequential_levels(self):
        self.make_matrix(
            "sale_confirm",
            [
                {"name": "Sales", "user_ids": self.approver_1},
                {"name": "Finance", "user_ids": self.finance},
            ],
        )
        order = self.make_order([(self.bolt, 1, 10)])
        order.with_user(self.salesman).action_confirm()
        request = self.request_of(order)
        self.assertEqual(request.current_level, "Sales")
        self.assertEqual(request.step_ids.mapped("state"), ["pending", "waiting"])
        # Finance's turn has not come
        with self.assertRaisesRegex(UserError, "not asked to approve"):
            self.decide(request, self.finance)
        self.decide(request, self.approver_1)
        self.assertEqual((request.state, request.current_level), ("pending", "Finance"))
        self.decide(request, self.finance)
        self.assertEqual(request.state, "approved")
        self.assertEqual(request.step_ids.mapped("state"), ["approved", "approved"])

    def test_group_members_approve(self):
        group = self.env["res.groups"].create({"name": "DAP Credit Committee"})
        group.users = self.approver_2 | self.salesman
        self.make_matrix(
            "sale_confirm", [{"name": "Committee", "approver_type": "group", "group_id": group}]
        )
        order = self.make_order([(self.bolt, 1, 10)])
        order.with_user(self.salesman).action_confirm()
        request = self.request_of(order)
        self.assertEqual(
            request.assignment_ids.user_id, self.approver_2, "the requester is left out"
        )

    def test_requester_manager_is_the_sales_team_leader(self):
        team = self.env["crm.team"].create({"name": "DAP Team", "user_id": self.boss.id})
        self.make_matrix("sale_confirm", [{"name": "Manager", "approver_type": "manager"}])
        order = self.make_order([(self.bolt, 1, 10)], team_id=team.id)
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(self.request_of(order).assignment_ids.user_id, self.boss)

    def test_user_field_of_the_document(self):
        field = self.env["ir.model.fields"]._get("sale.order", "user_id")
        self.make_matrix(
            "sale_confirm",
            [{"name": "Account owner", "approver_type": "field", "user_field_id": field}],
        )
        # a manager confirms an order of Sue's account: Sue approves it
        order = self.make_order([(self.bolt, 1, 10)], user=self.manager, user_id=self.salesman_2.id)
        order.with_user(self.manager).action_confirm()
        self.assertEqual(self.request_of(order).assignment_ids.user_id, self.salesman_2)

    def test_a_level_naming_only_the_requester_falls_back_to_escalation_or_refuses(self):
        matrix = self.make_matrix("sale_confirm", [{"name": "Self", "user_ids": self.salesman}])
        order = self.make_order([(self.bolt, 1, 10)])
        with self.assertRaisesRegex(UserError, "Nobody can approve"):
            order.with_user(self.salesman).action_confirm()
        self.assertFalse(self.requests_of(order))
        matrix.level_ids.escalation_user_id = self.boss
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(self.request_of(order).assignment_ids.user_id, self.boss)

    def test_level_configuration_is_checked(self):
        with self.assertRaises(ValidationError):
            self.make_matrix("sale_confirm", [{"name": "Nobody", "approver_type": "users"}])
        with self.assertRaises(ValidationError):
            self.make_matrix(
                "sale_confirm",
                [
                    {
                        "name": "Bad band",
                        "amount_min": 500,
                        "amount_max": 100,
                        "user_ids": self.approver_1,
                    }
                ],
            )
        with self.assertRaises(ValidationError):
            self.make_matrix(
                "sale_confirm",
                [
                    {
                        "name": "Bad domain",
                        "domain": "[('nope', '=', 1)]",
                        "user_ids": self.approver_1,
                    }
                ],
            )
