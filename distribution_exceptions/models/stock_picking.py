# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from odoo import fields, models
from odoo.tools import format_date


class StockPicking(models.Model):
    _name = "stock.picking"
    _inherit = ["stock.picking", "distribution.exception.mixin"]
    _distribution_line_field = "move_ids"
    _distribution_scopes = {
        "validate": [("state", "not in", ("draft", "done", "cancel"))],
        "monitor": [("state", "not in", ("draft", "done", "cancel"))],
    }

    def button_validate(self):
        self._distribution_guard("validate")
        return super().button_validate()

    def _distribution_default_owner(self):
        return self.user_id or self.sale_id.user_id

    def action_distribution_recheck(self):
        """Also re-check the draft invoices these deliveries may hold (or release).

        The warehouse user who validates a delivery usually cannot read invoices; releasing the
        hold is the engine's job, so the invoices are re-checked with elevated rights.
        """
        result = super().action_distribution_recheck()
        if not self.env["distribution.exception.rule"]._rule_index("account.move", None):
            return result  # no invoice rule: nothing to hold or release
        invoices_sudo = self.sudo().sale_id.invoice_ids.filtered(lambda move: move.state == "draft")
        if invoices_sudo:
            invoices_sudo.action_distribution_recheck()
        return result

    def _distribution_expected_delivery(self):
        """{picking id: when the goods are expected at the customer}.

        The scheduled date here; a carrier integration may know better (its estimated delivery).
        """
        return {picking.id: picking.scheduled_date for picking in self}

    # ------------------------------------------------------------------ detectors
    # Each returns {(picking id, move id or 0): reason} for the whole recordset.

    def _distribution_detect_backorder_age(self, rule):
        cutoff = fields.Datetime.now() - timedelta(days=rule.days)
        return {
            (picking.id, 0): self.env._(
                "Backorder of %(origin)s, open for %(age)s days",
                origin=picking.backorder_id.name,
                age=(fields.Datetime.now() - picking.create_date).days,
            )
            for picking in self
            if picking.backorder_id and picking.create_date < cutoff
        }

    def _distribution_detect_late_delivery(self, rule):
        outgoing = self.filtered(lambda picking: picking.picking_type_code == "outgoing")
        expected = outgoing._distribution_expected_delivery()
        now = fields.Datetime.now()
        found = {}
        for picking in outgoing:
            promised = picking.date_deadline or picking.sale_id.commitment_date
            if not promised:
                continue
            when = max(expected.get(picking.id) or now, now)
            if when.date() > promised.date():
                found[(picking.id, 0)] = self.env._(
                    "Expected on %(expected)s, promised to the customer for %(promised)s "
                    "(%(late)s days late)",
                    expected=format_date(self.env, when),
                    promised=format_date(self.env, promised),
                    late=(when.date() - promised.date()).days,
                )
        return found
