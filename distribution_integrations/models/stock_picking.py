# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import float_compare, format_datetime

from .distribution_carrier_status import CARRIER_STATUSES

# Carrier statuses after which a shipment is over: nothing older or newer moves it back.
FINAL_STATUSES = ("delivered",)


class StockPicking(models.Model):
    _inherit = "stock.picking"
    # Monitoring rules also watch shipped deliveries the carrier has not delivered yet (and those
    # it delivered short); a delivery confirmed by the carrier leaves the scope, which clears its
    # carrier exceptions. The transfer itself is never validated by a carrier event.
    _distribution_scopes = {
        "validate": [("state", "not in", ("draft", "done", "cancel"))],
        "monitor": [
            "|",
            ("state", "not in", ("draft", "done", "cancel")),
            "&",
            "&",
            ("state", "=", "done"),
            ("picking_type_code", "=", "outgoing"),
            "|",
            ("distribution_carrier_status", "not in", (False, "delivered", "cancelled")),
            ("distribution_carrier_partial", "=", True),
        ],
    }

    distribution_carrier_status = fields.Selection(
        CARRIER_STATUSES,
        string="Carrier Status",
        readonly=True,
        copy=False,
        index=True,
        help="The latest status the carrier reported for this shipment's tracking reference.",
    )
    distribution_carrier_status_detail = fields.Char(
        string="Carrier Status Detail", readonly=True, copy=False
    )
    distribution_carrier_status_at = fields.Datetime(
        string="Carrier Status Since", readonly=True, copy=False
    )
    distribution_carrier_estimated_delivery = fields.Datetime(
        string="Carrier Estimated Delivery", readonly=True, copy=False
    )
    distribution_carrier_event_at = fields.Datetime(
        string="Last Carrier Update",
        readonly=True,
        copy=False,
        help="When the last applied carrier update happened, according to the carrier: older "
        "updates are recorded in the history but do not change the status.",
    )
    distribution_carrier_estimate_at = fields.Datetime(
        string="Estimate Given At",
        readonly=True,
        copy=False,
        help="When the carrier gave the estimated delivery shown: only a newer estimate replaces "
        "it, whatever order the updates arrive in.",
    )
    distribution_carrier_pieces = fields.Integer(
        string="Pieces Reported by Carrier", readonly=True, copy=False
    )
    distribution_carrier_weight = fields.Float(
        string="Weight Reported by Carrier", readonly=True, copy=False, digits="Stock Weight"
    )
    distribution_carrier_partial = fields.Boolean(
        string="Delivered Short",
        readonly=True,
        copy=False,
        help="The carrier reported fewer pieces or less weight than was shipped.",
    )
    distribution_carrier_name = fields.Char(
        string="Carrier (as Reported)",
        copy=False,
        help="The carrier named by the supplier's ship notice, for incoming transfers.",
    )
    distribution_carrier_status_ids = fields.One2many(
        "distribution.carrier.status", "picking_id", string="Carrier Status History", readonly=True
    )
    distribution_salesperson_id = fields.Many2one(
        "res.users",
        string="Salesperson",
        related="sale_id.user_id",
        help="Owner of the carrier exceptions by default.",
    )

    # ------------------------------------------------------------------ carrier updates

    def _distribution_shipped_pieces(self):
        """{picking id: pieces shipped}: its packages, else the units of its moves."""
        result = {}
        for picking in self:
            packages = picking.move_line_ids.result_package_id
            result[picking.id] = len(packages) or int(
                sum(picking.move_ids.mapped("quantity") or [0])
            )
        return result

    def _distribution_apply_tracking(self, update, event=None):
        """Apply one normalised tracking update to this transfer; return whether it applied.

        ``update``: {status, status_detail, estimated_delivery, location, message, occurred_at,
        pieces, weight}. The update is always recorded in the history. It moves nothing when it
        is older than the last applied one, when the shipment is already delivered and the update
        says otherwise, or when its status is unknown.
        """
        self.ensure_one()
        occurred_at = update.get("occurred_at")
        status = update["status"]
        note = False
        if self.distribution_carrier_status in FINAL_STATUSES and status not in FINAL_STATUSES:
            note = self.env._("The shipment is already delivered.")
        elif (
            occurred_at
            and self.distribution_carrier_event_at
            and (occurred_at < self.distribution_carrier_event_at)
        ):
            note = self.env._("Older than the last applied update.")
        elif status == "unknown" and self.distribution_carrier_status:
            note = self.env._("The carrier did not say anything new.")
        # one write per update: each write() of a transfer also looks up its automation rules
        vals = {}
        estimate = update.get("estimated_delivery")
        if estimate and not (
            occurred_at
            and self.distribution_carrier_estimate_at
            and occurred_at < self.distribution_carrier_estimate_at
        ):
            vals["distribution_carrier_estimated_delivery"] = estimate
            vals["distribution_carrier_estimate_at"] = occurred_at or fields.Datetime.now()
        self.env["distribution.carrier.status"].sudo().create(
            {
                "picking_id": self.id,
                # given, not computed after the insert: that would be an UPDATE per update
                "company_id": self.company_id.id,
                "event_id": event.id if event else False,
                "status": status,
                "status_detail": (update.get("status_detail") or "")[:255] or False,
                "occurred_at": occurred_at,
                "estimated_delivery": update.get("estimated_delivery"),
                "location": (update.get("location") or "")[:255] or False,
                "message": (update.get("message") or "")[:255] or False,
                "applied": not note,
                "note": note,
            }
        )
        if not note:
            vals["distribution_carrier_event_at"] = (
                occurred_at or self.distribution_carrier_event_at
            )
            vals["distribution_carrier_status_detail"] = update.get("status_detail") or False
            if status != self.distribution_carrier_status:
                vals["distribution_carrier_status"] = status
                vals["distribution_carrier_status_at"] = occurred_at or fields.Datetime.now()
            if update.get("pieces") is not None:
                vals["distribution_carrier_pieces"] = update["pieces"]
            if update.get("weight") is not None:
                vals["distribution_carrier_weight"] = update["weight"]
            partial = self._distribution_is_partial(vals)
            if partial != self.distribution_carrier_partial:
                vals["distribution_carrier_partial"] = partial
        if vals:
            self.sudo().write(vals)
        return not note

    def _distribution_is_partial(self, vals=None):
        """Whether the carrier delivered fewer pieces or less weight than was shipped, with the
        carrier values of ``vals`` (about to be written) in place of the stored ones."""
        self.ensure_one()
        vals = vals or {}

        def value(name):
            return vals[name] if name in vals else self[name]

        if value("distribution_carrier_status") != "delivered":
            return False
        pieces = value("distribution_carrier_pieces")
        if pieces and pieces < self._distribution_shipped_pieces()[self.id]:
            return True
        shipped_weight = self.shipping_weight or self.weight
        weight = value("distribution_carrier_weight")
        return bool(weight and shipped_weight and float_compare(weight, shipped_weight, 2) < 0)

    @api.model
    def _distribution_refresh_after_carrier(self, pickings):
        """Re-run the transfers' rules, then re-check the draft invoices of their orders (and
        post those the company posts on delivery once nothing holds them)."""
        pickings = pickings.exists()
        if not pickings:
            return
        Rule = self.env["distribution.exception.rule"].sudo()
        Rule._run(pickings.sudo())
        invoices = pickings.sudo().sale_id.invoice_ids.filtered(
            lambda move: move.state == "draft" and move.move_type == "out_invoice"
        )
        if not invoices:
            return
        Rule._run(invoices, transition="post")
        delivered = pickings.filtered(lambda p: p.distribution_carrier_status == "delivered")
        invoices._distribution_post_on_delivery(delivered)

    # ------------------------------------------------------------------ exception hooks

    def _distribution_expected_delivery(self):
        """The carrier's estimate when it gave one (its delivery time once delivered)."""
        expected = super()._distribution_expected_delivery()
        for picking in self:
            if picking.distribution_carrier_status == "delivered":
                expected[picking.id] = picking.distribution_carrier_status_at
            elif picking.distribution_carrier_estimated_delivery:
                expected[picking.id] = picking.distribution_carrier_estimated_delivery
        return expected

    def _action_done(self):
        result = super()._action_done()
        # goods arriving may clear supplier delays and the sales orders they put at risk
        orders = self.filtered(lambda p: p.picking_type_code == "incoming").sudo().purchase_id
        if orders:
            self.env["purchase.order"]._distribution_refresh_supply(orders)
        return result

    # ------------------------------------------------------------------ detectors
    # Each returns {(picking id, 0): reason} for the whole recordset.

    def _distribution_carrier_reason(self, label):
        parts = [label]
        if self.distribution_carrier_status_at:
            parts.append(
                self.env._("on %s", format_datetime(self.env, self.distribution_carrier_status_at))
            )
        if self.distribution_carrier_status_detail:
            parts.append(f"({self.distribution_carrier_status_detail})")
        return " ".join(parts)

    def _distribution_detect_carrier_status(self, status, label):
        return {
            (picking.id, 0): picking._distribution_carrier_reason(label)
            for picking in self
            if picking.distribution_carrier_status == status
        }

    def _distribution_detect_carrier_failed_attempt(self, rule):
        return self._distribution_detect_carrier_status(
            "failed_attempt", self.env._("The carrier failed to deliver")
        )

    def _distribution_detect_carrier_returned(self, rule):
        return self._distribution_detect_carrier_status(
            "returned", self.env._("The carrier is returning the shipment to us")
        )

    def _distribution_detect_carrier_exception(self, rule):
        return self._distribution_detect_carrier_status(
            "exception", self.env._("The carrier reported a problem")
        )

    def _distribution_detect_carrier_partial(self, rule):
        shipped = self._distribution_shipped_pieces()
        found = {}
        for picking in self.filtered("distribution_carrier_partial"):
            found[(picking.id, 0)] = self.env._(
                "Delivered short: the carrier counted %(pieces)s pieces (%(weight)s) of "
                "%(shipped)s shipped (%(shipped_weight)s)",
                pieces=picking.distribution_carrier_pieces or "?",
                weight=picking.distribution_carrier_weight or "?",
                shipped=shipped[picking.id],
                shipped_weight=picking.shipping_weight or picking.weight,
            )
        return found

    def _distribution_detect_late_delivery(self, rule):
        # a delivery the carrier confirmed is not late any more, whatever the day is
        pending = self.filtered(lambda p: p.distribution_carrier_status != "delivered")
        return super(StockPicking, pending)._distribution_detect_late_delivery(rule)
