# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.tests import TransactionCase, new_test_user, tagged

from .mapping_common import MappingMixin

DELAY = "distribution_integrations.distribution_exception_rule_supplier_delay"
CHANGE = "distribution_integrations.distribution_exception_rule_supplier_change"
ASN = "distribution_integrations.distribution_exception_rule_ship_notice_difference"
AT_RISK = "distribution_integrations.distribution_exception_rule_supply_at_risk"


@tagged("post_install", "-at_install")
class TestSupplierMapping(MappingMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_mapping()
        env = cls.env
        companies = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.buyer = new_test_user(
            env, "dcm_buyer", groups="purchase.group_purchase_user", **companies
        )
        cls.supplier = env["res.partner"].create({"name": "DCM Supplier"})
        cls.supplier_endpoint = cls.make_endpoint(
            name="DCM supplier", partner_id=cls.supplier.id, kind="generic"
        )
        env.ref("stock.route_warehouse0_mto").active = True
        routes = env.ref("stock.route_warehouse0_mto") | env.ref(
            "purchase_stock.route_warehouse0_buy"
        )
        cls.gloves_m, cls.gloves_l, cls.masks = (
            env["product.product"].create(
                {
                    "name": name,
                    "default_code": code,
                    "is_storable": True,
                    "route_ids": [Command.set(routes.ids)],
                    "seller_ids": [
                        Command.create({"partner_id": cls.supplier.id, "price": 10.0, "delay": 5})
                    ],
                }
            )
            for name, code in (
                ("DCM Gloves M", "DCM-GLV-M"),
                ("DCM Gloves L", "DCM-GLV-L"),
                ("DCM Masks", "DCM-MSK"),
            )
        )

    def _purchase(self, lines):
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.supplier.id,
                "user_id": self.buyer.id,
                "order_line": [
                    Command.create(
                        {"product_id": product.id, "product_qty": qty, "price_unit": price}
                    )
                    for product, qty, price in lines
                ],
            }
        )
        order.button_confirm()
        return order

    def _event(self, event_type, order, event_id, timestamp="2025-03-03T08:00:00Z", **data):
        return {
            "id": event_id,
            "type": event_type,
            "timestamp": timestamp,
            "data": {"purchase_order": order.name, **data},
        }

    def _line(self, order, product):
        return order.order_line.filtered(lambda line: line.product_id == product)

    # ------------------------------------------------------------------ acknowledgements

    def test_acknowledgement_flags_changes_and_never_touches_prices(self):
        self.company.distribution_supplier_change_policy = "flag"
        order = self._purchase(
            [(self.gloves_m, 400, 7.0), (self.gloves_l, 250, 7.5), (self.masks, 50, 3.0)]
        )
        promised = self._line(order, self.gloves_l).date_planned.date().replace(day=1)
        promised = f"{promised.year + 1}-{promised.month:02d}-15"
        events = self.feed(
            self.supplier_endpoint,
            [
                self._event(
                    "purchase_order.acknowledged",
                    order,
                    "ack-1",
                    supplier_reference="SO-88231",
                    lines=[
                        {"product_code": "DCM-GLV-M", "quantity": 300},
                        {"product_code": "DCM-GLV-L", "quantity": 250, "promised_date": promised},
                        {"product_code": "DCM-MSK", "status": "rejected"},
                    ],
                )
            ],
        )
        self.assertEqual(events.state, "done", events.last_error)
        self.assertEqual((events.res_model, events.res_id), ("purchase.order", order.id))
        self.assertTrue(order.distribution_acknowledged_at)
        self.assertEqual(order.partner_ref, "SO-88231")
        m, l_line, masks = (
            self._line(order, p) for p in (self.gloves_m, self.gloves_l, self.masks)
        )
        self.assertEqual(
            [
                m.distribution_ack_status,
                l_line.distribution_ack_status,
                masks.distribution_ack_status,
            ],
            ["quantity_changed", "date_changed", "rejected"],
        )
        self.assertEqual(str(l_line.date_planned), f"{promised} 12:00:00")
        # flag only: the order keeps its quantities and prices, the buyer is told
        self.assertEqual((m.product_qty, masks.product_qty), (400, 50))
        self.assertEqual([m.price_unit, l_line.price_unit, masks.price_unit], [7.0, 7.5, 3.0])
        flagged = self.open_exceptions(order, CHANGE)
        self.assertEqual(sorted(flagged.mapped("line_id")), sorted([m.id, masks.id]))
        self.assertEqual(flagged.owner_id, self.buyer)
        self.assertIn("confirms 300 of 400", " ".join(flagged.mapped("reason")))

    def test_acknowledgement_applies_quantities_by_policy_keeping_prices(self):
        self.company.distribution_supplier_change_policy = "apply"
        order = self._purchase([(self.gloves_m, 400, 7.0), (self.masks, 50, 3.0)])
        self.feed(
            self.supplier_endpoint,
            [
                self._event(
                    "purchase_order.acknowledged",
                    order,
                    "ack-2",
                    lines=[
                        {"product_code": "DCM-GLV-M", "quantity": 300},
                        {"product_code": "DCM-MSK", "accepted": False},
                    ],
                )
            ],
        )
        m, masks = self._line(order, self.gloves_m), self._line(order, self.masks)
        self.assertEqual((m.product_qty, masks.product_qty), (300, 0))
        self.assertEqual((m.price_unit, masks.price_unit), (7.0, 3.0))
        self.assertEqual(
            sum(
                order.picking_ids.move_ids.filtered(
                    lambda mv: mv.product_id == self.gloves_m
                ).mapped("product_uom_qty")
            ),
            300,
        )
        self.assertFalse(self.open_exceptions(order, CHANGE), "applied: nothing left to flag")

    def test_acknowledgement_clears_the_unacknowledged_exception(self):
        rule = self.env["distribution.exception.rule"].create(
            {
                "name": "DCM unacknowledged",
                "target_model": "purchase.order",
                "detector": "unacknowledged",
                "level": "header",
                "transition": "monitor",
                "days": 0,
            }
        )
        order = self._purchase([(self.gloves_m, 10, 7.0)])
        order.date_approve = self.days(-3)
        self.env["distribution.exception.rule"]._run(order)
        exception = self.open_exceptions(order).filtered(lambda e: e.rule_id == rule)
        self.assertEqual(len(exception), 1)
        self.feed(
            self.supplier_endpoint,
            [self._event("purchase_order.acknowledged", order, "ack-3", accepted=True)],
        )
        self.assertEqual(exception.state, "cleared")
        self.assertEqual(self._line(order, self.gloves_m).distribution_ack_status, "accepted")

    def test_unknown_purchase_order_is_ignored_with_reason(self):
        events = self.feed(
            self.supplier_endpoint,
            [
                {
                    "id": "ack-x",
                    "type": "purchase_order.acknowledged",
                    "data": {"purchase_order": "NO-SUCH-PO"},
                }
            ],
        )
        self.assertEqual(events.state, "ignored")
        self.assertIn("NO-SUCH-PO", events.ignored_reason)

    # ------------------------------------------------------------------ delays

    def _sell(self, product, qty=5):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "user_id": self.salesperson.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": qty})],
            }
        )
        order.action_confirm()
        return order

    def test_supplier_delay_flags_exactly_the_sales_orders_fed_by_the_line(self):
        fed_m = self._sell(self.gloves_m)
        fed_l = self._sell(self.gloves_l)
        unrelated = self._sell(self.product)
        purchase_lines = self.env["purchase.order.line"].search(
            [("product_id", "in", (self.gloves_m | self.gloves_l).ids)]
        )
        order = purchase_lines.order_id
        self.assertEqual(len(order), 1, "both demands are bought on one order")
        order.user_id = self.buyer
        order.button_confirm()
        line_m = self._line(order, self.gloves_m)
        late = (line_m.date_planned.date().replace(day=1)).replace(
            year=line_m.date_planned.year + 1
        )
        self.feed(
            self.supplier_endpoint,
            [
                self._event(
                    "purchase_order.delayed",
                    order,
                    "delay-1",
                    promised_date=late.isoformat(),
                    reason="Resin shortage",
                    lines=[{"product_code": "DCM-GLV-M"}],
                )
            ],
        )
        self.assertEqual(line_m.distribution_promised_date.date(), late)
        self.assertEqual(line_m.date_planned.date(), late)
        self.assertEqual(order.distribution_delay_reason, "Resin shortage")
        delay = self.open_exceptions(order, DELAY)
        self.assertEqual(delay.line_id, line_m.id)
        self.assertEqual(delay.owner_id, self.buyer)
        at_risk = self.open_exceptions(fed_m | fed_l | unrelated, AT_RISK)
        self.assertEqual(at_risk.mapped("res_id"), fed_m.ids, "only the order fed by the line")
        self.assertEqual(at_risk.owner_id, self.salesperson)
        self.assertEqual(at_risk.activity_ids.user_id, self.salesperson)
        self.assertIn(order.name, at_risk.reason)
        first_reason = at_risk.reason
        # the date moves again: the same occurrence tells the new date
        later = late.replace(day=20)
        self.feed(
            self.supplier_endpoint,
            [
                self._event(
                    "purchase_order.delayed",
                    order,
                    "delay-2",
                    timestamp="2025-03-04T08:00:00Z",
                    promised_date=later.isoformat(),
                    lines=[{"product_code": "DCM-GLV-M"}],
                )
            ],
        )
        self.assertEqual(at_risk.state, "open")
        self.assertNotEqual(at_risk.reason, first_reason)
        self.assertEqual(
            self.open_exceptions(fed_l | unrelated, AT_RISK), self.env["distribution.exception"]
        )
        # an older delay message arriving late changes nothing
        self.feed(
            self.supplier_endpoint,
            [
                self._event(
                    "purchase_order.delayed",
                    order,
                    "delay-0",
                    timestamp="2025-03-01T08:00:00Z",
                    promised_date=late.replace(year=late.year + 1).isoformat(),
                    lines=[{"product_code": "DCM-GLV-M"}],
                )
            ],
        )
        self.assertEqual(line_m.distribution_promised_date.date(), later)
        # the goods arrive: the delay and the risk clear
        receipt = order.picking_ids.filtered(lambda p: p.picking_type_code == "incoming")
        for move in receipt.move_ids:
            move.quantity = move.product_uom_qty
        receipt.move_ids.picked = True
        receipt._action_done()
        self.assertEqual(delay.state, "cleared")
        self.assertEqual(at_risk.state, "cleared")

    def test_risk_disappears_when_the_promise_comes_back_in_time(self):
        fed = self._sell(self.gloves_m)
        order = (
            self.env["purchase.order.line"].search([("product_id", "=", self.gloves_m.id)]).order_id
        )
        order.button_confirm()
        line = self._line(order, self.gloves_m)
        needed = line.date_planned.date()
        self.feed(
            self.supplier_endpoint,
            [
                self._event(
                    "purchase_order.delayed",
                    order,
                    "delay-3",
                    promised_date=needed.replace(year=needed.year + 1).isoformat(),
                )
            ],
        )
        at_risk = self.open_exceptions(fed, AT_RISK)
        self.assertEqual(len(at_risk), 1)
        self.feed(
            self.supplier_endpoint,
            [
                self._event(
                    "purchase_order.acknowledged",
                    order,
                    "ack-4",
                    timestamp="2025-03-05T08:00:00Z",
                    promised_date=needed.isoformat(),
                )
            ],
        )
        self.assertEqual(at_risk.state, "cleared")
        self.assertFalse(self.open_exceptions(order, DELAY))

    def test_lines_are_found_by_the_suppliers_own_product_code(self):
        self.gloves_m.seller_ids.product_code = "SUP-77-M"
        other_supplier = self.env["res.partner"].create({"name": "DCM Other Supplier"})
        # another supplier's code that looks like ours must not match on this order
        self.env["product.supplierinfo"].create(
            {
                "partner_id": other_supplier.id,
                "product_tmpl_id": self.gloves_l.product_tmpl_id.id,
                "product_code": "SUP-77-L",
            }
        )
        order = self._purchase([(self.gloves_m, 400, 7.0), (self.gloves_l, 250, 7.5)])
        self.feed(
            self.supplier_endpoint,
            [
                self._event(
                    "purchase_order.shipped",
                    order,
                    "asn-codes-1",
                    lines=[
                        {"product_code": "SUP-77-M", "quantity": 380},
                        {"product_code": "SUP-77-L", "quantity": 250},
                    ],
                )
            ],
        )
        line_m, line_l = self._line(order, self.gloves_m), self._line(order, self.gloves_l)
        self.assertEqual(line_m.distribution_shipped_qty, 380, "found by the vendor code")
        self.assertEqual(line_l.distribution_shipped_qty, 0, "another supplier's code")

    # ------------------------------------------------------------------ ship notices

    def test_ship_notice_updates_the_receipt_and_flags_differences(self):
        order = self._purchase([(self.gloves_m, 400, 7.0), (self.gloves_l, 250, 7.5)])
        self.feed(
            self.supplier_endpoint,
            [
                self._event(
                    "purchase_order.shipped",
                    order,
                    "asn-1",
                    tracking_number="1Z999AA10123456784",
                    carrier="ups",
                    expected_arrival="2031-03-12",
                    lines=[
                        {"product_code": "DCM-GLV-M", "quantity": 400},
                        {"product_code": "DCM-GLV-L", "quantity": 180},
                    ],
                )
            ],
        )
        receipt = order.picking_ids.filtered(lambda p: p.picking_type_code == "incoming")
        self.assertEqual(receipt.carrier_tracking_ref, "1Z999AA10123456784")
        self.assertEqual(receipt.distribution_carrier_name, "ups")
        self.assertEqual(str(receipt.scheduled_date), "2031-03-12 12:00:00")
        line_m, line_l = self._line(order, self.gloves_m), self._line(order, self.gloves_l)
        self.assertEqual(
            (line_m.distribution_shipped_qty, line_l.distribution_shipped_qty), (400, 180)
        )
        difference = self.open_exceptions(order, ASN)
        self.assertEqual(difference.line_id, line_l.id)
        self.assertIn("announces 180", difference.reason)
