# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The mapping: what a normalised carrier or supplier event changes in Odoo."""

import json

from odoo import api, models
from odoo.exceptions import AccessError

from ..tools import normalisers
from ..tools.normalisers import parse_timestamp
from .distribution_integration_event import IgnoredEvent

PURCHASE_EVENT_TYPES = (
    "purchase_order.acknowledged",
    "purchase_order.delayed",
    "purchase_order.shipped",
)
POUNDS_TO_KG = 0.45359237
OUNCES_TO_KG = 0.028349523125


class DistributionIntegrationEvent(models.Model):
    _inherit = "distribution.integration.event"

    def _dispatch_prepare(self):
        """Find the transfers and purchase orders the whole batch names: one query each."""
        context = super()._dispatch_prepare()
        tracking_refs, order_refs = set(), set()
        for event in self:
            references = (event.payload or {}).get("references") or {}
            if event.event_type == "tracking.updated":
                tracking_refs.add(references.get("tracking_number") or event.reference)
            elif event.event_type in PURCHASE_EVENT_TYPES:
                order_refs.add(references.get("purchase_order") or event.reference)
        tracking_refs.discard(None)
        order_refs.discard(None)
        pickings, orders = {}, {}
        if tracking_refs:
            found = (
                self.env["stock.picking"]
                .sudo()
                .search_fetch(
                    [
                        ("carrier_tracking_ref", "in", list(tracking_refs)),
                        ("picking_type_code", "=", "outgoing"),
                        ("state", "!=", "cancel"),
                    ],
                    [
                        "carrier_tracking_ref",
                        "carrier_id",
                        "company_id",
                        "distribution_carrier_status",
                        "distribution_carrier_event_at",
                    ],
                    order="id desc",
                )
            )
            for picking in found:
                pickings.setdefault(picking.carrier_tracking_ref, []).append(picking)
        if order_refs:
            found = (
                self.env["purchase.order"]
                .sudo()
                .search_fetch(
                    [("name", "in", list(order_refs)), ("state", "in", ("purchase", "done"))],
                    ["name", "company_id", "distribution_supplier_event_at"],
                )
            )
            for order in found:
                orders.setdefault(order.name, []).append(order)
        context.update(pickings=pickings, orders=orders)
        return context

    def _dispatch(self, normalised, context):
        event_type = normalised.get("event_type")
        if event_type == "tracking.updated":
            return self._dispatch_tracking(normalised, context)
        if event_type in PURCHASE_EVENT_TYPES:
            return self._dispatch_purchase(normalised, context)
        return super()._dispatch(normalised, context)

    def _process(self):
        """After the batch, re-run the rules of what it changed, once for all events."""
        result = super()._process()
        # an ignored event is not dead any more: a replay that ends ignored clears its exception
        ignored = self.filtered(lambda e: e.state == "ignored")
        if ignored:
            self.env["distribution.exception.rule"]._run(ignored)
        applied = self.filtered(lambda e: e.state == "done" and e.res_id)
        picking_ids = [e.res_id for e in applied if e.res_model == "stock.picking"]
        order_ids = [e.res_id for e in applied if e.res_model == "purchase.order"]
        if picking_ids:
            self.env["stock.picking"]._distribution_refresh_after_carrier(
                self.env["stock.picking"].sudo().browse(picking_ids)
            )
        if order_ids:
            self.env["purchase.order"]._distribution_refresh_supply(
                self.env["purchase.order"].sudo().browse(order_ids)
            )
        return result

    @api.model
    def ingest_and_process(self, endpoint_id, bodies):
        """Store partner payloads for an endpoint as the webhook intake does (without the
        signature check) and process them at once, in one batch: for demo scenarios, imports
        and replays of payloads kept elsewhere. Integration administrators only.

        :param bodies: the partner's JSON payloads (dicts), in the order they arrived.
        :return: the ids of the events stored (duplicates are not stored again).
        """
        if not (
            self.env.su or self.env.user.has_group("distribution_base.group_integration_admin")
        ):
            raise AccessError(self.env._("Only integration administrators may ingest payloads."))
        endpoint = self.env["distribution.integration.endpoint"].sudo().browse(endpoint_id)
        config = {"id": endpoint.id, "company_id": endpoint.company_id.id or self.env.company.id}
        ids = []
        for body in bodies:
            normalised = normalisers.normalise(endpoint.payload_format, body, endpoint.kind)
            event_id, duplicate = self.sudo()._insert_received(config, json.dumps(body), normalised)
            if not duplicate:
                ids.append(event_id)
        events = self.sudo().browse(ids)
        events.invalidate_recordset()
        events._process()
        return ids

    # ------------------------------------------------------------------ carriers

    def _match_company(self, candidates):
        if self.company_id:
            return [record for record in candidates if record.company_id == self.company_id]
        return candidates

    def _dispatch_tracking(self, normalised, context):
        references = normalised.get("references") or {}
        tracking_number = references.get("tracking_number")
        candidates = self._match_company(context["pickings"].get(tracking_number, []))
        if not candidates:
            raise IgnoredEvent(
                self.env._("No outgoing transfer has the tracking reference %s", tracking_number)
            )
        picking = self._pick_by_carrier(candidates, references.get("carrier"))
        tracking = normalised.get("tracking") or {}
        update = {
            "status": tracking.get("status") or "unknown",
            "status_detail": tracking.get("status_detail"),
            "estimated_delivery": parse_timestamp(tracking.get("estimated_delivery")),
            "location": tracking.get("location"),
            "message": tracking.get("message"),
            "occurred_at": parse_timestamp(normalised.get("occurred_at")),
            **self._carrier_quantities(normalised),
        }
        picking._distribution_apply_tracking(update, event=self)
        return picking

    def _pick_by_carrier(self, candidates, carrier):
        """Among transfers sharing a tracking reference, the one of the named carrier (else of
        the endpoint's partner), else the most recent."""
        if len(candidates) > 1:
            names = [
                name.lower()
                for name in (carrier, self.endpoint_id.partner_id.name)
                if isinstance(name, str) and name
            ]
            for name in names:
                matching = [
                    picking
                    for picking in candidates
                    if picking.carrier_id
                    and (
                        name in picking.carrier_id.name.lower()
                        or picking.carrier_id.name.lower() in name
                        or name == (picking.carrier_id.delivery_type or "").lower()
                    )
                ]
                if matching:
                    return matching[0]
        return candidates[0]

    def _carrier_quantities(self, normalised):
        """Pieces and weight (kg) the carrier counted, where the format carries them."""
        result = {}
        fmt = normalised.get("format")
        if fmt == "native":
            data = normalised.get("data") or {}
            pieces, weight, unit = data.get("pieces"), data.get("weight"), data.get("weight_unit")
        elif fmt in ("aftership", "easypost"):
            try:
                body = json.loads(self.raw_body or "null")
            except ValueError:
                return result
            if fmt == "aftership":
                msg = body.get("msg") if isinstance(body, dict) else None
                msg = msg if isinstance(msg, dict) else {}
                pieces = msg.get("shipment_package_count")
                weight, unit = msg.get("shipment_weight"), msg.get("shipment_weight_unit")
            else:
                tracker = body.get("result") if isinstance(body, dict) else None
                tracker = tracker if isinstance(tracker, dict) else {}
                pieces, weight, unit = None, tracker.get("weight"), "oz"
        else:
            return result
        if isinstance(pieces, int) and not isinstance(pieces, bool) and pieces >= 0:
            result["pieces"] = pieces
        if isinstance(weight, int | float) and not isinstance(weight, bool) and weight >= 0:
            factor = {"lb": POUNDS_TO_KG, "lbs": POUNDS_TO_KG, "oz": OUNCES_TO_KG}.get(
                (unit or "kg").lower() if isinstance(unit, str) else "kg", 1.0
            )
            result["weight"] = weight * factor
        return result

    # ------------------------------------------------------------------ suppliers

    def _dispatch_purchase(self, normalised, context):
        references = normalised.get("references") or {}
        name = references.get("purchase_order")
        candidates = self._match_company(context["orders"].get(name, []))
        if not candidates:
            raise IgnoredEvent(self.env._("No confirmed purchase order is named %s", name))
        order = candidates[0]
        data = normalised.get("data") or {}
        occurred_at = parse_timestamp(normalised.get("occurred_at"))
        event_type = normalised["event_type"]
        if event_type == "purchase_order.acknowledged":
            order._distribution_apply_acknowledgement(data, occurred_at)
        elif event_type == "purchase_order.delayed":
            order._distribution_apply_delay(data, occurred_at)
        else:
            order._distribution_apply_ship_notice(data, references)
        return order
