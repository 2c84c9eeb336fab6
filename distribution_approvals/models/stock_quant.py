# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class StockQuant(models.Model):
    _name = "stock.quant"
    _inherit = ["stock.quant", "distribution.approval.mixin"]
    _approval_types = {"inventory_adjustment": ("Inventory adjustment", "apply")}
    _approval_single_use = True

    def action_apply_inventory(self):
        # the requests are marked used where the counts are really applied, below
        return self._approval_pass(
            "apply",
            lambda quants: super(StockQuant, quants).action_apply_inventory(),
            mark_passed=False,
        )

    def _apply_inventory(self):
        # marked used before the count is cleared, so that clearing it invalidates nothing
        self._approval_check("apply")._mark_passed()
        return super()._apply_inventory()

    def _approval_split(self, transition):
        counted = self.filtered("inventory_quantity_set") if transition == "apply" else self
        return {"inventory_adjustment": counted} if counted else {}

    def _approval_facts(self):
        """The counted difference valued at cost, in the company's currency."""
        categories = self._approval_categories(self.product_id)
        facts = {}
        for quant in self:
            company = quant.company_id or self.env.company
            cost = quant.product_id.with_company(company).standard_price
            difference = quant.inventory_diff_quantity if quant.inventory_quantity_set else 0.0
            value = company.currency_id.round(abs(difference) * cost)
            facts[quant.id] = {
                "company": company,
                "amount": value,
                "document_amount": value,
                "currency_id": company.currency_id.id,
                "currency_name": company.currency_id.name,
                "categories": categories[quant.product_id.id],
                "warehouse_id": quant.location_id.warehouse_id.id,
                "lines": [
                    {
                        "product_id": quant.product_id.id,
                        "quantity": quant.inventory_quantity,
                        "uom_id": quant.product_uom_id.id,
                        "on_hand": quant.quantity,
                        "location_id": quant.location_id.id,
                        "lot_id": quant.lot_id.id,
                    }
                ],
            }
        return facts
