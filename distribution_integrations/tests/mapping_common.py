# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Fixtures for the mapping tests: real deliveries and purchase orders, events fed through the
worker's batch processing."""

import json
from datetime import timedelta

from odoo import Command, fields
from odoo.tests import new_test_user

from ..tools import normalisers
from .common import DATA, IntegrationMixin

MAPPING_RULES = (
    "distribution_integrations.distribution_exception_rule_carrier_late",
    "distribution_integrations.distribution_exception_rule_carrier_failed_attempt",
    "distribution_integrations.distribution_exception_rule_carrier_returned",
    "distribution_integrations.distribution_exception_rule_carrier_exception",
    "distribution_integrations.distribution_exception_rule_carrier_partial",
    "distribution_integrations.distribution_exception_rule_delivery_confirmation",
    "distribution_integrations.distribution_exception_rule_supplier_delay",
    "distribution_integrations.distribution_exception_rule_supplier_change",
    "distribution_integrations.distribution_exception_rule_ship_notice_difference",
    "distribution_integrations.distribution_exception_rule_supply_at_risk",
)


def sample_json(name):
    return json.loads((DATA / "samples" / f"{name}.json").read_text())


class MappingMixin(IntegrationMixin):
    @classmethod
    def setup_mapping(cls):
        cls.setup_integration()
        env = cls.env
        Rule = env["distribution.exception.rule"]
        # only this module's rules (and those a test creates): no demo rule interferes
        ours = Rule.browse([env.ref(xmlid).id for xmlid in MAPPING_RULES])
        (Rule.search([]) - ours).active = False
        ours.active = True
        ours.company_id = False
        companies = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.salesperson = new_test_user(
            env, "dcm_sales", groups="sales_team.group_sale_salesman", **companies
        )
        cls.warehouse_user = new_test_user(
            env, "dcm_warehouse", groups="stock.group_stock_user", **companies
        )
        cls.customer = env["res.partner"].create({"name": "DCM Customer"})
        cls.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.product = env["product.product"].create(
            {
                "name": "DCM Boxed Widget",
                "default_code": "DCM-WDG",
                "is_storable": True,
                "weight": 2.0,
                "invoice_policy": "order",
                "list_price": 10.0,
            }
        )
        env["stock.quant"]._update_available_quantity(cls.product, cls.warehouse.lot_stock_id, 1000)
        carrier_product = env["product.product"].create({"name": "DCM Freight", "type": "service"})
        cls.delivery_carrier = env["delivery.carrier"].create(
            {"name": "DCM Swift Freight", "product_id": carrier_product.id}
        )
        cls.native = cls.make_endpoint(name="DCM native carrier")
        cls.endpoints = {
            fmt: cls.make_endpoint(name=f"DCM {fmt}", payload_format=fmt, auth_scheme="url_token")
            for fmt in ("easypost", "aftership", "shippo")
        }

    @classmethod
    def make_delivery(cls, tracking_ref, qty=5, commitment=None):
        """A confirmed sales order whose delivery is validated and handed to the carrier."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": cls.customer.id,
                "user_id": cls.salesperson.id,
                "commitment_date": commitment,
                "order_line": [
                    Command.create({"product_id": cls.product.id, "product_uom_qty": qty})
                ],
            }
        )
        order.action_confirm()
        picking = order.picking_ids
        picking.move_ids.quantity = qty
        picking.move_ids.picked = True
        picking._action_done()
        picking.write({"carrier_id": cls.delivery_carrier.id, "carrier_tracking_ref": tracking_ref})
        return picking

    @staticmethod
    def native_tracking(event_id, tracking_ref, status, timestamp, **data):
        return {
            "id": event_id,
            "type": "tracking.updated",
            "timestamp": timestamp,
            "data": {"tracking_number": tracking_ref, "status": status, **data},
        }

    @classmethod
    def feed(cls, endpoint, bodies):
        """Store the bodies as the intake does (a duplicate is not stored again) and process the
        new events as one batch of the worker; return them."""
        Event = cls.env["distribution.integration.event"].sudo()
        config = {"id": endpoint.id, "company_id": endpoint.company_id.id or cls.company.id}
        ids = []
        for body in bodies:
            raw = body if isinstance(body, str) else json.dumps(body)
            normalised = normalisers.normalise(
                endpoint.payload_format, json.loads(raw), endpoint.kind, {}
            )
            event_id, duplicate = Event._insert_received(config, raw, normalised)
            if not duplicate:
                ids.append(event_id)
        events = Event.browse(ids)
        events.invalidate_recordset()
        events._process()
        return events

    def open_exceptions(self, records, rule_xmlid=None):
        domain = [
            ("res_model", "=", records._name),
            ("res_id", "in", records.ids),
            ("state", "in", ("open", "acknowledged")),
        ]
        if rule_xmlid:
            domain.append(("rule_id", "=", self.env.ref(rule_xmlid).id))
        return self.env["distribution.exception"].sudo().search(domain)

    @staticmethod
    def iso(moment):
        return fields.Datetime.to_datetime(moment).strftime("%Y-%m-%dT%H:%M:%SZ")

    @staticmethod
    def days(count):
        return fields.Datetime.now().replace(microsecond=0) + timedelta(days=count)
