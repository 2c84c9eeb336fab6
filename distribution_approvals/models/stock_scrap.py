# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models


class StockScrap(models.Model):
    _name = "stock.scrap"
    _inherit = ["stock.scrap", "distribution.approval.mixin"]
    _approval_types = {"scrap": ("Scrap", "validate")}

    def action_validate(self):
        return self._approval_pass(
            "validate", lambda scraps: super(StockScrap, scraps).action_validate()
        )

    def do_scrap(self):
        self._approval_check("validate")
        return super().do_scrap()

    def _approval_facts(self):
        """The scrapped goods valued at cost, in the company's currency."""
        categories = self._approval_categories(self.product_id)
        facts = {}
        for scrap in self:
            company = scrap.company_id
            quantity = scrap.product_uom_id._compute_quantity(
                scrap.scrap_qty, scrap.product_id.uom_id
            )
            cost = scrap.product_id.with_company(company).standard_price
            value = company.currency_id.round(quantity * cost)
            facts[scrap.id] = {
                "company": company,
                "amount": value,
                "document_amount": value,
                "currency_id": company.currency_id.id,
                "currency_name": company.currency_id.name,
                "categories": categories[scrap.product_id.id],
                "warehouse_id": scrap.location_id.warehouse_id.id,
                "lines": [
                    {
                        "product_id": scrap.product_id.id,
                        "quantity": scrap.scrap_qty,
                        "uom_id": scrap.product_uom_id.id,
                        "location_id": scrap.location_id.id,
                    }
                ],
            }
        return facts
