# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import datetime, time

from odoo import api, fields, models
from odoo.tools import float_compare, format_date

from ..tools.normalisers import parse_timestamp

ACK_LINE_STATUSES = ("accepted", "quantity_changed", "date_changed", "rejected")


def to_datetime(value):
    """A date ("2025-03-12", noon UTC so it shows on that day everywhere) or a date-time."""
    if not value:
        return None
    if isinstance(value, str) and len(value.strip()) == 10:
        try:
            return datetime.combine(fields.Date.to_date(value.strip()), time(12))
        except ValueError:
            return None
    return parse_timestamp(value)


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    distribution_supplier_event_at = fields.Datetime(
        string="Last Supplier Update",
        readonly=True,
        copy=False,
        help="When the last applied acknowledgement or delay happened, according to the "
        "supplier: older ones are not applied over it.",
    )
    distribution_delay_reason = fields.Char(string="Supplier Delay Reason", readonly=True)
    distribution_ship_tracking_ref = fields.Char(
        string="Shipment Tracking Reference", readonly=True, copy=False
    )

    # ------------------------------------------------------------------ supplier updates

    def _distribution_match_lines(self, line_data):
        """The order lines a supplier's line names: our line id, else a product code, which is
        the supplier's own (the vendor product code on the product's vendor pricelist) or our
        internal reference."""
        self.ensure_one()
        line_id = line_data.get("line_id") or line_data.get("line")
        if line_id:
            return self.order_line.filtered(lambda line: str(line.id) == str(line_id))
        code = line_data.get("product_code") or line_data.get("sku")
        if not code:
            return self.env["purchase.order.line"]
        supplier = self.partner_id.commercial_partner_id
        by_supplier_code = self.order_line.filtered(
            lambda line: any(
                seller.product_code == code and seller.partner_id.commercial_partner_id == supplier
                for seller in line.product_id.seller_ids
            )
        )
        return by_supplier_code or self.order_line.filtered(
            lambda line: line.product_id.default_code == code
        )

    def _distribution_is_newer(self, occurred_at):
        self.ensure_one()
        return not (
            occurred_at
            and self.distribution_supplier_event_at
            and occurred_at < self.distribution_supplier_event_at
        )

    def _distribution_promise(self, lines, promised):
        """Record a promised arrival on ``lines`` and move their planned date to it."""
        for line in lines:
            if not line.distribution_needed_date:
                line.distribution_needed_date = line.date_planned
            if line.distribution_promised_date != promised:
                line.write({"distribution_promised_date": promised, "date_planned": promised})

    def _distribution_apply_acknowledgement(self, data, occurred_at):
        """Apply a supplier acknowledgement: per line accepted, quantity or date changed,
        rejected. Quantities follow the company's policy; prices are never touched."""
        self.ensure_one()
        newer = self._distribution_is_newer(occurred_at)
        vals = {}
        if not self.distribution_acknowledged_at:
            vals["distribution_acknowledged_at"] = occurred_at or fields.Datetime.now()
        if data.get("supplier_reference") and not self.partner_ref:
            vals["partner_ref"] = data["supplier_reference"]
        if newer:
            vals["distribution_supplier_event_at"] = occurred_at or fields.Datetime.now()
        if vals:
            self.write(vals)
        if not newer:
            return
        order_accepted = data.get("accepted") is not False
        order_promise = to_datetime(data.get("promised_date"))
        lines_data = data.get("lines") or []
        named = self.env["purchase.order.line"]
        apply_quantities = self.company_id.distribution_supplier_change_policy == "apply"
        for line_data in lines_data:
            lines = self._distribution_match_lines(line_data)
            named |= lines
            for line in lines:
                self._distribution_acknowledge_line(
                    line, line_data, order_accepted, order_promise, apply_quantities
                )
        for line in self.order_line - named:
            if line.display_type:
                continue
            self._distribution_acknowledge_line(
                line, {}, order_accepted, order_promise, apply_quantities
            )

    def _distribution_acknowledge_line(self, line, data, accepted, promise, apply_quantities):
        rounding = line.product_uom.rounding
        quantity = data.get("quantity")
        quantity = float(quantity) if isinstance(quantity, int | float) else None
        promise = to_datetime(data.get("promised_date")) or promise
        status = data.get("status")
        if status not in ACK_LINE_STATUSES:
            if data.get("accepted") is False or (not accepted and not data):
                status = "rejected"
            elif quantity is not None and float_compare(
                quantity, line.product_qty, precision_rounding=rounding
            ):
                status = "quantity_changed"
            elif promise and line.date_planned and promise.date() != line.date_planned.date():
                status = "date_changed"
            else:
                status = "accepted"
        if status == "rejected":
            quantity = 0.0
        confirmed = line.product_qty if quantity is None else quantity
        line.write({"distribution_ack_status": status, "distribution_ack_qty": confirmed})
        if promise and status != "rejected":
            self._distribution_promise(line, promise)
        if (
            apply_quantities
            and float_compare(confirmed, line.product_qty, precision_rounding=rounding)
            and float_compare(confirmed, line.qty_received, precision_rounding=rounding) >= 0
        ):
            # the approved price and the planned date stay as they are
            line.write(
                {
                    "product_qty": confirmed,
                    "price_unit": line.price_unit,
                    "date_planned": line.date_planned,
                }
            )

    def _distribution_apply_delay(self, data, occurred_at):
        """A supplier's new promised date, for the lines it names or all open lines."""
        self.ensure_one()
        if not self._distribution_is_newer(occurred_at):
            return
        self.write(
            {
                "distribution_supplier_event_at": occurred_at or fields.Datetime.now(),
                "distribution_delay_reason": (data.get("reason") or "")[:255] or False,
            }
        )
        promise = to_datetime(data.get("promised_date"))
        lines_data = data.get("lines") or []
        if lines_data:
            for line_data in lines_data:
                line_promise = to_datetime(line_data.get("promised_date")) or promise
                if line_promise:
                    self._distribution_promise(
                        self._distribution_match_lines(line_data), line_promise
                    )
        elif promise:
            self._distribution_promise(
                self.order_line.filtered(
                    lambda line: not line.display_type and line.qty_received < line.product_qty
                ),
                promise,
            )

    def _distribution_apply_ship_notice(self, data, references):
        """An advance ship notice: expected arrival, carrier and tracking on the incoming
        transfers, shipped quantities on the lines (differences are flagged by a rule)."""
        self.ensure_one()
        tracking = references.get("tracking_number")
        carrier = references.get("carrier")
        expected = to_datetime(data.get("expected_arrival") or data.get("expected_date"))
        if tracking:
            self.distribution_ship_tracking_ref = tracking
        for line_data in data.get("lines") or []:
            quantity = line_data.get("quantity")
            if isinstance(quantity, int | float):
                self._distribution_match_lines(line_data).write(
                    {"distribution_shipped_qty": float(quantity)}
                )
        receipts = self.picking_ids.filtered(
            lambda p: p.picking_type_code == "incoming" and p.state not in ("done", "cancel")
        )
        vals = {}
        if expected:
            vals["scheduled_date"] = expected
        if tracking:
            vals["carrier_tracking_ref"] = tracking
        if carrier:
            vals["distribution_carrier_name"] = carrier
        if receipts and vals:
            receipts.write(vals)
        return receipts[:1]

    @api.model
    def _distribution_refresh_supply(self, orders):
        """Re-run the rules of these purchase orders and of the sales orders they feed."""
        orders = orders.sudo().exists()
        if not orders:
            return
        Rule = self.env["distribution.exception.rule"].sudo()
        Rule._run(orders)
        fed = orders.order_line._distribution_fed_sale_lines()
        sale_orders = self.env["sale.order.line"].sudo().union(*fed.values()).order_id
        if sale_orders:
            Rule._run(sale_orders)

    # ------------------------------------------------------------------ detectors
    # Each returns {(order id, line id): reason} for the whole recordset.

    def _distribution_detect_supplier_delay(self, rule):
        found = {}
        for line in self.order_line:
            if line._distribution_is_delayed():
                found[(line.order_id.id, line.id)] = self.env._(
                    "%(product)s: %(supplier)s now promises %(promised)s, needed by %(needed)s "
                    "(%(late)s days late)",
                    product=line.product_id.display_name,
                    supplier=line.partner_id.display_name,
                    promised=format_date(self.env, line.distribution_promised_date),
                    needed=format_date(self.env, line.distribution_needed_date),
                    late=(
                        line.distribution_promised_date.date()
                        - line.distribution_needed_date.date()
                    ).days,
                )
        return found

    def _distribution_detect_supplier_change(self, rule):
        found = {}
        for line in self.order_line:
            status = line.distribution_ack_status
            if status not in ("quantity_changed", "rejected"):
                continue
            rounding = line.product_uom.rounding
            if not float_compare(
                line.distribution_ack_qty, line.product_qty, precision_rounding=rounding
            ):
                continue
            if status == "rejected":
                reason = self.env._(
                    "%(product)s: rejected by the supplier", product=line.product_id.display_name
                )
            else:
                # numbers formatted outside the translated call, which extraction cannot read
                confirmed, ordered = f"{line.distribution_ack_qty:g}", f"{line.product_qty:g}"
                reason = self.env._(
                    "%(product)s: the supplier confirms %(confirmed)s of %(ordered)s %(uom)s",
                    product=line.product_id.display_name,
                    confirmed=confirmed,
                    ordered=ordered,
                    uom=line.product_uom.name,
                )
            found[(line.order_id.id, line.id)] = reason
        return found

    def _distribution_detect_ship_notice_difference(self, rule):
        found = {}
        for line in self.order_line:
            expected = line.product_qty - line.qty_received
            if expected <= 0 or not line.order_id.distribution_ship_tracking_ref:
                continue
            if float_compare(
                line.distribution_shipped_qty,
                expected,
                precision_rounding=line.product_uom.rounding,
            ):
                shipped, expected_text = f"{line.distribution_shipped_qty:g}", f"{expected:g}"
                found[(line.order_id.id, line.id)] = self.env._(
                    "%(product)s: the ship notice announces %(shipped)s %(uom)s, %(expected)s "
                    "expected",
                    product=line.product_id.display_name,
                    shipped=shipped,
                    expected=expected_text,
                    uom=line.product_uom.name,
                )
        return found
