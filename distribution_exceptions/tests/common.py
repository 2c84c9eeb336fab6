# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command, fields
from odoo.addons.distribution_base.tests.common import capture_queries
from odoo.addons.distribution_exceptions.models.distribution_exception_rule import (
    BUILTIN_DETECTORS,
    OPEN_STATES,
)
from odoo.tests import TransactionCase, new_test_user

SALESMAN_GROUPS = "sales_team.group_sale_salesman,distribution_base.group_distribution_user"
MANAGER_GROUPS = "sales_team.group_sale_manager,distribution_base.group_distribution_manager"


class ExceptionCase(TransactionCase):
    """Users, a warehouse with stock, a pricelist, products and a customer built for the test.

    Rules found in the database (demo data, other tests) are archived so that only the rules a
    test creates are evaluated.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["distribution.exception.rule"]
        cls.Exception = cls.env["distribution.exception"]
        cls.Rule.search([]).action_archive()
        cls.company = cls.env.company
        companies = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.salesman = new_test_user(cls.env, "dx_salesman", groups=SALESMAN_GROUPS, **companies)
        cls.salesman_2 = new_test_user(
            cls.env, "dx_salesman_2", groups=SALESMAN_GROUPS, **companies
        )
        cls.manager = new_test_user(cls.env, "dx_manager", groups=MANAGER_GROUPS, **companies)
        cls.admin = new_test_user(
            cls.env, "dx_admin", groups=f"base.group_system,{MANAGER_GROUPS}", **companies
        )
        cls.warehouse = cls.env["stock.warehouse"].create(
            {"name": "DX Main Warehouse", "code": "DXW", "company_id": cls.company.id}
        )
        cls.other_warehouse = cls.env["stock.warehouse"].create(
            {"name": "DX Far Warehouse", "code": "DXF", "company_id": cls.company.id}
        )
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "DX Pricelist",
                "currency_id": cls.company.currency_id.id,
                "company_id": cls.company.id,
            }
        )
        cls.customer = cls.env["res.partner"].create({"name": "DX Customer", "email": "c@dx.ex"})
        cls.other_customer = cls.env["res.partner"].create({"name": "DX Other Customer"})
        product_vals = {
            "type": "consu",
            "is_storable": True,
            "list_price": 100.0,
            "standard_price": 60.0,
            "taxes_id": [Command.clear()],
            "invoice_policy": "order",
        }
        cls.widget = cls.env["product.product"].create({"name": "DX Widget", **product_vals})
        cls.gadget = cls.env["product.product"].create({"name": "DX Gadget", **product_vals})
        cls.service = cls.env["product.product"].create(
            {
                "name": "DX Service",
                "type": "service",
                "list_price": 100.0,
                "taxes_id": [Command.clear()],
                "invoice_policy": "order",
            }
        )
        cls.set_stock(cls.widget, 5.0)
        cls.set_stock(cls.gadget, 1000.0)
        cls.set_stock(cls.widget, 500.0, warehouse=cls.other_warehouse)
        cls.user_id_field = cls.env["ir.model.fields"]._get("sale.order", "user_id")

    @classmethod
    def set_stock(cls, product, quantity, warehouse=None):
        location = (warehouse or cls.warehouse).lot_stock_id
        cls.env["stock.quant"]._update_available_quantity(product, location, quantity)

    # ------------------------------------------------------------------ builders

    @classmethod
    def make_rule(cls, detector, user=None, **vals):
        spec = BUILTIN_DETECTORS.get(detector)
        values = {
            "name": f"DX {detector} rule",
            "detector": detector,
            "target_model": spec.model if spec else "sale.order",
            "transition": spec.transition if spec else "confirm",
            "level": spec.level if spec else "header",
            "severity": "blocking",
            "owner_type": "field",
            "owner_field_id": cls.user_id_field.id,
            "sla_hours": 8.0,
            **vals,
        }
        return cls.Rule.with_user(user or cls.manager).create(values).sudo(False)

    @classmethod
    def order_vals(cls, lines, **vals):
        return {
            "partner_id": cls.customer.id,
            "pricelist_id": cls.pricelist.id,
            "warehouse_id": cls.warehouse.id,
            "user_id": cls.salesman.id,
            "order_line": [
                Command.create({"product_id": product.id, "product_uom_qty": qty, **extra})
                for product, qty, *rest in lines
                for extra in [rest[0] if rest else {}]
            ],
            **vals,
        }

    @classmethod
    def make_order(cls, lines, user=None, **vals):
        """A draft order created by ``user`` (the salesman by default)."""
        SaleOrder = cls.env["sale.order"].with_user(user or cls.salesman)
        return SaleOrder.create(cls.order_vals(lines, **vals))

    def make_invoice(self, partner, amount, invoice_date=None, due_date=None, user=None):
        invoice_date = invoice_date or fields.Date.context_today(self.env.user)
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_date": invoice_date,
                "invoice_date_due": due_date or invoice_date,
                "invoice_payment_term_id": False,
                "invoice_user_id": (user or self.manager).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "product_id": self.service.id,
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        move.action_post()
        return move

    # ------------------------------------------------------------------ inspection

    def open_exceptions(self, orders, rule=None):
        domain = [
            ("res_model", "=", orders._name),
            ("res_id", "in", orders.ids),
            ("state", "in", OPEN_STATES),
        ]
        if rule:
            domain.append(("rule_id", "=", rule.id))
        return self.Exception.sudo().search(domain, order="id")

    def findings(self, rule, orders, user=None):
        """What ``rule`` finds on ``orders``, evaluated as ``user`` (the salesman by default)."""
        user = user or self.salesman
        return rule.with_user(user)._detect(orders.with_user(user))

    capture_queries = staticmethod(capture_queries)
