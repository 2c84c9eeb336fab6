# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "distribution.approval.mixin"]
    _approval_types = {
        "return": ("Return", "validate"),
        "rush_shipment": ("Rush shipment", "validate"),
    }

    distribution_rush = fields.Boolean(
        string="Rush Shipment",
        copy=False,
        tracking=True,
        help="Ship faster than the usual service: the rush shipment approval matrix decides "
        "who approves it before the delivery is validated.",
    )

    def button_validate(self):
        return self._approval_pass(
            "validate", lambda pickings: super(StockPicking, pickings).button_validate()
        )

    def _approval_split(self, transition):
        if transition != "validate":
            return {}
        returns = self.filtered(
            lambda picking: picking.return_id or picking.move_ids.origin_returned_move_id
        )
        rush = (self - returns).filtered(
            lambda picking: picking.distribution_rush and picking.picking_type_code == "outgoing"
        )
        return {
            code: pickings
            for code, pickings in (("return", returns), ("rush_shipment", rush))
            if pickings
        }

    def _approval_facts(self):
        """Goods valued at cost (company currency); a rush shipment also at its sales order's
        amount, with the carrier's price as its logistics cost."""
        categories = self._approval_categories(self.move_ids.product_id)
        sale_amounts = self._approval_company_amounts(
            [
                (picking.sale_id.currency_id, picking.company_id, picking.sale_id.amount_untaxed)
                for picking in self
            ]
        )
        facts = {}
        for picking, sale_amount in zip(self, sale_amounts, strict=True):
            moves = picking.move_ids.filtered(lambda move: move.state != "cancel")
            value = sum(
                move.product_qty * move.product_id.with_company(picking.company_id).standard_price
                for move in moves
            )
            amount = picking.company_id.currency_id.round(value)
            if picking.distribution_rush and picking.sale_id:
                amount = sale_amount
            facts[picking.id] = {
                "company": picking.company_id,
                "amount": amount,
                "document_amount": amount,
                "currency_id": picking.company_id.currency_id.id,
                "currency_name": picking.company_id.currency_id.name,
                "partner_id": picking.partner_id.id,
                "tier": picking.partner_id.commercial_partner_id.customer_tier,
                "categories": set().union(*(categories[p.id] for p in moves.product_id)),
                "warehouse_id": picking.picking_type_id.warehouse_id.id,
                "logistics_cost": picking.carrier_price if picking.carrier_id else 0.0,
                "lines": [
                    {
                        "product_id": move.product_id.id,
                        "quantity": move.product_uom_qty,
                        "uom_id": move.product_uom.id,
                    }
                    for move in moves
                ],
                "material": {"rush": picking.distribution_rush, "carrier": picking.carrier_id.id},
            }
        return facts
