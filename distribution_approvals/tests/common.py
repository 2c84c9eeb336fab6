# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import Command
from odoo.addons.distribution_base.tests.common import capture_queries
from odoo.tests import TransactionCase, new_test_user

SALESMAN_GROUPS = "sales_team.group_sale_salesman,distribution_base.group_distribution_user"
APPROVER_GROUPS = "base.group_user,distribution_base.group_distribution_user"
MANAGER_GROUPS = "sales_team.group_sale_manager,distribution_base.group_distribution_manager"
BUYER_GROUPS = "purchase.group_purchase_user,distribution_base.group_distribution_user"
STOCK_GROUPS = "stock.group_stock_user,distribution_base.group_distribution_user"


class ApprovalCase(TransactionCase):
    """Users, customers in tiers, categorised products and a warehouse built for the test.

    Matrices and exception rules found in the database (demo data, other tests) are archived so
    that only those a test creates apply.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["distribution.approval.matrix"].search([]).action_archive()
        cls.env["distribution.exception.rule"].search([]).action_archive()
        cls.Request = cls.env["distribution.approval.request"]
        cls.Decision = cls.env["distribution.approval.decision"]
        cls.company = cls.env.company
        companies = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}

        def user(login, groups, name):
            return new_test_user(cls.env, login, groups=groups, name=name, **companies)

        cls.salesman = user("dap_salesman", SALESMAN_GROUPS, "Sam Seller")
        cls.salesman_2 = user("dap_salesman_2", SALESMAN_GROUPS, "Sue Seller")
        cls.approver_1 = user("dap_approver_1", APPROVER_GROUPS, "Ann Approver")
        cls.approver_2 = user("dap_approver_2", APPROVER_GROUPS, "Bob Approver")
        cls.approver_3 = user("dap_approver_3", APPROVER_GROUPS, "Cid Approver")
        cls.finance = user("dap_finance", APPROVER_GROUPS, "Fay Finance")
        cls.boss = user("dap_boss", f"{APPROVER_GROUPS},sales_team.group_sale_manager", "Ben Boss")
        cls.manager = user("dap_manager", MANAGER_GROUPS, "Mia Manager")
        cls.buyer = user("dap_buyer", BUYER_GROUPS, "Bea Buyer")
        cls.stock_user = user("dap_stock", STOCK_GROUPS, "Stu Stock")

        cls.warehouse = cls.env["stock.warehouse"].create(
            {"name": "DAP Warehouse", "code": "DAPW", "company_id": cls.company.id}
        )
        cls.other_warehouse = cls.env["stock.warehouse"].create(
            {"name": "DAP Other Warehouse", "code": "DAPO", "company_id": cls.company.id}
        )
        cls.pricelist = cls.env["product.pricelist"].create(
            {
                "name": "DAP Pricelist",
                "currency_id": cls.company.currency_id.id,
                "company_id": cls.company.id,
            }
        )
        cls.customer_a = cls.env["res.partner"].create(
            {"name": "DAP Tier A Customer", "customer_tier": "a", "email": "a@dap.example"}
        )
        cls.customer_c = cls.env["res.partner"].create(
            {"name": "DAP Tier C Customer", "customer_tier": "c", "email": "c@dap.example"}
        )
        cls.supplier = cls.env["res.partner"].create({"name": "DAP Supplier"})
        Category = cls.env["product.category"]
        cls.category_goods = Category.create({"name": "DAP Goods"})
        cls.category_electronics = Category.create(
            {"name": "DAP Electronics", "parent_id": cls.category_goods.id}
        )
        cls.category_other = Category.create({"name": "DAP Other"})
        product_vals = {
            "type": "consu",
            "is_storable": True,
            "taxes_id": [Command.clear()],
            "supplier_taxes_id": [Command.clear()],
            "invoice_policy": "order",
        }
        cls.radio = cls.env["product.product"].create(
            {
                "name": "DAP Radio",
                "categ_id": cls.category_electronics.id,
                "list_price": 100.0,
                "standard_price": 60.0,
                **product_vals,
            }
        )
        cls.bolt = cls.env["product.product"].create(
            {
                "name": "DAP Bolt",
                "categ_id": cls.category_other.id,
                "list_price": 10.0,
                "standard_price": 5.0,
                **product_vals,
            }
        )
        for product in (cls.radio, cls.bolt):
            cls.env["stock.quant"]._update_available_quantity(
                product, cls.warehouse.lot_stock_id, 10000.0
            )

    # ------------------------------------------------------------------ builders

    @classmethod
    def make_matrix(cls, document_type, levels, name=None, **vals):
        """A matrix with ``levels``: dicts of level values (approvers as recordsets allowed)."""
        level_commands = []
        for sequence, level in enumerate(levels):
            values = {"name": f"Level {sequence + 1}", "sequence": (sequence + 1) * 10, **level}
            for key in ("user_ids", "product_category_ids", "warehouse_ids", "exception_rule_ids"):
                if key in values and not isinstance(values[key], list):
                    values[key] = [Command.set(values[key].ids)]
            for key in ("group_id", "escalation_user_id", "user_field_id"):
                if key in values and not isinstance(values[key], int | bool):
                    values[key] = values[key].id
            level_commands.append(Command.create(values))
        return (
            cls.env["distribution.approval.matrix"]
            .with_user(cls.manager)
            .create(
                {
                    "name": name or f"DAP {document_type} matrix",
                    "document_type": document_type,
                    "company_id": cls.company.id,
                    "level_ids": level_commands,
                    **vals,
                }
            )
            .sudo(False)
        )

    @classmethod
    def make_order(cls, lines, partner=None, user=None, **vals):
        """A draft sales order created by ``user`` (the salesman by default); lines are
        (product, quantity, price) or (product, quantity, price, discount)."""
        user = user or cls.salesman
        return (
            cls.env["sale.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": (partner or cls.customer_a).id,
                    "pricelist_id": cls.pricelist.id,
                    "warehouse_id": cls.warehouse.id,
                    "user_id": vals.pop("user_id", user.id),
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": quantity,
                                "price_unit": price,
                                "discount": rest[0] if rest else 0.0,
                            }
                        )
                        for product, quantity, price, *rest in lines
                    ],
                    **vals,
                }
            )
        )

    @classmethod
    def make_purchase(cls, amount, user=None, **vals):
        user = user or cls.buyer
        return (
            cls.env["purchase.order"]
            .with_user(user)
            .create(
                {
                    "partner_id": cls.supplier.id,
                    "user_id": user.id,
                    "order_line": [
                        Command.create(
                            {"product_id": cls.bolt.id, "product_qty": 1, "price_unit": amount}
                        )
                    ],
                    **vals,
                }
            )
        )

    def request_of(self, document, states=None):
        domain = [("res_model", "=", document._name), ("res_id", "=", document.id)]
        if states:
            domain.append(("state", "in", states))
        return self.Request.sudo().search(domain, order="id desc", limit=1)

    def requests_of(self, document):
        return self.Request.sudo().search(
            [("res_model", "=", document._name), ("res_id", "=", document.id)], order="id"
        )

    def decide(self, request, user, approve=True, comment=None):
        return request.with_user(user)._decide(approve, comment)

    def events(self, request, event_type=None):
        domain = [("res_model", "=", request._name), ("res_id", "in", request.ids)]
        if event_type:
            domain.append(("event_type", "=", event_type))
        return self.env["distribution.event"].sudo().search(domain, order="id")

    capture_queries = staticmethod(capture_queries)
