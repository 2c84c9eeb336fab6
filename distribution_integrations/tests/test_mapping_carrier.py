# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, tagged

from ..tools import normalisers
from .mapping_common import MappingMixin, sample_json

FAILED = "distribution_integrations.distribution_exception_rule_carrier_failed_attempt"
RETURNED = "distribution_integrations.distribution_exception_rule_carrier_returned"
CARRIER_EXCEPTION = "distribution_integrations.distribution_exception_rule_carrier_exception"
PARTIAL = "distribution_integrations.distribution_exception_rule_carrier_partial"


@tagged("post_install", "-at_install")
class TestCarrierMapping(MappingMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_mapping()

    def test_native_update_sets_status_estimate_and_history(self):
        picking = self.make_delivery("DCM-NAT-1")
        events = self.feed(
            self.native,
            [
                self.native_tracking(
                    "n1",
                    "DCM-NAT-1",
                    "in_transit",
                    "2025-03-04T10:00:00Z",
                    status_detail="arrived_at_hub",
                    estimated_delivery="2025-03-06T17:00:00Z",
                    location="Denver, CO",
                )
            ],
        )
        self.assertEqual(events.state, "done")
        self.assertEqual((events.res_model, events.res_id), ("stock.picking", picking.id))
        self.assertEqual(picking.distribution_carrier_status, "in_transit")
        self.assertEqual(str(picking.distribution_carrier_status_at), "2025-03-04 10:00:00")
        self.assertEqual(
            str(picking.distribution_carrier_estimated_delivery), "2025-03-06 17:00:00"
        )
        self.assertEqual(picking.distribution_carrier_status_detail, "arrived_at_hub")
        history = picking.distribution_carrier_status_ids
        self.assertEqual(len(history), 1)
        self.assertTrue(history.applied)
        self.assertEqual(history.location, "Denver, CO")
        self.assertEqual(history.event_id, events)
        # the warehouse user reads it all
        as_warehouse = picking.with_user(self.warehouse_user)
        self.assertEqual(as_warehouse.distribution_carrier_status_ids.status, "in_transit")

    def test_each_partner_format_maps_onto_its_transfer(self):
        # format: (sample, path to the tracking number, expected status)
        cases = {
            "easypost": (
                "easypost_tracker_updated",
                ("result", "tracking_code"),
                "out_for_delivery",
            ),
            "aftership": (
                "aftership_tracking_update",
                ("msg", "tracking_number"),
                "failed_attempt",
            ),
            "shippo": ("shippo_track_updated", ("data", "tracking_number"), "in_transit"),
        }
        for fmt, (name, path, status) in cases.items():
            with self.subTest(fmt=fmt):
                picking = self.make_delivery(f"DCM-{fmt.upper()}-1")
                body = sample_json(name)
                body[path[0]][path[1]] = picking.carrier_tracking_ref
                events = self.feed(self.endpoints[fmt], [json.dumps(body)])
                self.assertEqual(events.state, "done", events.last_error or events.ignored_reason)
                self.assertEqual(events.res_id, picking.id)
                self.assertEqual(picking.distribution_carrier_status, status)
                self.assertTrue(picking.distribution_carrier_status_at)
                self.assertTrue(picking.distribution_carrier_estimated_delivery)
                self.assertEqual(len(picking.distribution_carrier_status_ids), 1)
        aftership = self.env["stock.picking"].search(
            [("carrier_tracking_ref", "=", "DCM-AFTERSHIP-1")]
        )
        self.assertTrue(self.open_exceptions(aftership, FAILED))

    def _story(self, ref):
        return [
            self.native_tracking(f"{ref}-1", ref, "pre_transit", "2025-03-01T08:00:00Z"),
            self.native_tracking(
                f"{ref}-2",
                ref,
                "in_transit",
                "2025-03-02T08:00:00Z",
                estimated_delivery="2025-03-04T12:00:00Z",
            ),
            self.native_tracking(
                f"{ref}-3",
                ref,
                "failed_attempt",
                "2025-03-03T08:00:00Z",
                estimated_delivery="2025-03-05T12:00:00Z",
            ),
            self.native_tracking(f"{ref}-4", ref, "out_for_delivery", "2025-03-04T08:00:00Z"),
            self.native_tracking(f"{ref}-5", ref, "delivered", "2025-03-05T09:30:00Z"),
        ]

    def _final_state(self, picking):
        return (
            picking.distribution_carrier_status,
            picking.distribution_carrier_status_at,
            picking.distribution_carrier_event_at,
            picking.distribution_carrier_estimated_delivery,
            bool(self.open_exceptions(picking)),
            sorted(picking.distribution_carrier_status_ids.mapped("status")),
        )

    def test_out_of_order_and_duplicates_end_like_in_order(self):
        in_order = self.make_delivery("DCM-ORD-A")
        for body in self._story("DCM-ORD-A"):
            self.feed(self.native, [body])
        shuffled = self.make_delivery("DCM-ORD-B")
        story = self._story("DCM-ORD-B")
        # the delivered update first, then the rest backwards, each sent twice
        first = self.feed(self.native, [story[4], story[1], story[1], story[3]])
        self.assertEqual(len(first), 3, "a duplicate is stored once")
        self.feed(self.native, [story[2], story[0], story[4], story[2]])
        self.assertEqual(self._final_state(shuffled), self._final_state(in_order))
        self.assertEqual(shuffled.distribution_carrier_status, "delivered")
        self.assertEqual(str(shuffled.distribution_carrier_status_at), "2025-03-05 09:30:00")
        self.assertEqual(
            str(shuffled.distribution_carrier_estimated_delivery), "2025-03-05 12:00:00"
        )
        applied = shuffled.distribution_carrier_status_ids.filtered("applied")
        self.assertEqual(applied.mapped("status"), ["delivered"])
        self.assertFalse(self.open_exceptions(shuffled), "the failed attempt was never raised")
        self.assertEqual(len(shuffled.distribution_carrier_status_ids), 5)

    def test_out_of_order_before_delivery_ends_like_in_order(self):
        in_order = self.make_delivery("DCM-ORD-C")
        for body in self._story("DCM-ORD-C")[:4]:
            self.feed(self.native, [body])
        shuffled = self.make_delivery("DCM-ORD-D")
        story = self._story("DCM-ORD-D")
        self.feed(self.native, [story[3], story[1]])
        self.feed(self.native, [story[2], story[0]])
        self.assertEqual(self._final_state(shuffled), self._final_state(in_order))
        self.assertEqual(shuffled.distribution_carrier_status, "out_for_delivery")
        self.assertEqual(
            str(shuffled.distribution_carrier_estimated_delivery), "2025-03-05 12:00:00"
        )
        older = shuffled.distribution_carrier_status_ids.filtered(lambda h: not h.applied)
        self.assertEqual(
            sorted(older.mapped("status")), ["failed_attempt", "in_transit", "pre_transit"]
        )
        self.assertEqual(set(older.mapped("note")), {"Older than the last applied update."})

    def test_delivered_never_regresses(self):
        picking = self.make_delivery("DCM-REG-1")
        self.feed(
            self.native,
            [self.native_tracking("r1", "DCM-REG-1", "delivered", "2025-03-05T10:00:00Z")],
        )
        # a newer update that says otherwise does not undo the delivery
        self.feed(
            self.native,
            [self.native_tracking("r2", "DCM-REG-1", "exception", "2025-03-06T10:00:00Z")],
        )
        self.assertEqual(picking.distribution_carrier_status, "delivered")
        self.assertEqual(str(picking.distribution_carrier_event_at), "2025-03-05 10:00:00")
        late = picking.distribution_carrier_status_ids.filtered(lambda h: h.status == "exception")
        self.assertFalse(late.applied)
        self.assertEqual(late.note, "The shipment is already delivered.")
        self.assertFalse(self.open_exceptions(picking))

    def test_unknown_tracking_reference_is_ignored_with_reason(self):
        events = self.feed(
            self.native,
            [self.native_tracking("u1", "NO-SUCH-REF", "in_transit", "2025-03-05T10:00:00Z")],
        )
        self.assertEqual(events.state, "ignored")
        self.assertIn("NO-SUCH-REF", events.ignored_reason)
        seen = (
            self.env["distribution.integration.event"]
            .with_user(self.integration_admin)
            .search([("state", "=", "ignored"), ("reference", "=", "NO-SUCH-REF")])
        )
        self.assertEqual(seen, events)
        self.assertIn("No outgoing transfer", seen.ignored_reason)

    def test_a_dead_event_replayed_into_ignored_clears_its_exception(self):
        self.env.ref(
            "distribution_integrations.distribution_exception_rule_event_dead"
        ).active = True
        endpoint = self.make_endpoint(name="DCM dead then ignored")
        body = self.native_tracking("d1", "NO-SUCH-REF-2", "in_transit", "2025-03-05T10:00:00Z")
        endpoint.kind = "supplier_ack"  # the stored tracking event cannot be read any more
        Event = self.env["distribution.integration.event"].sudo()
        normalised = normalisers.normalise("native", body, "carrier_tracking")
        config = {"id": endpoint.id, "company_id": self.company.id}
        events = Event.browse(Event._insert_received(config, json.dumps(body), normalised)[0])
        events._process()
        self.assertEqual(events.state, "dead")
        dead_letter = self.open_exceptions(events)
        self.assertEqual(len(dead_letter), 1)
        endpoint.kind = "carrier_tracking"
        events.action_replay()
        events._process()
        self.assertEqual(events.state, "ignored")
        self.assertEqual(dead_letter.state, "cleared")

    def test_carrier_exceptions_raise_with_owner_and_clear_on_delivery(self):
        statuses = {"failed_attempt": FAILED, "returned": RETURNED, "exception": CARRIER_EXCEPTION}
        for index, (status, rule) in enumerate(statuses.items()):
            with self.subTest(status=status):
                ref = f"DCM-EXC-{index}"
                picking = self.make_delivery(ref)
                self.feed(
                    self.native,
                    [self.native_tracking(f"{ref}-1", ref, status, "2025-03-05T10:00:00Z")],
                )
                exception = self.open_exceptions(picking, rule)
                self.assertEqual(len(exception), 1)
                self.assertEqual(exception.owner_id, self.salesperson)
                self.assertEqual(exception.activity_ids.user_id, self.salesperson)
                self.assertEqual(len(self.open_exceptions(picking)), 1, "only its own rule")
                # seen by the warehouse user on the transfer
                self.assertEqual(
                    picking.with_user(self.warehouse_user).distribution_open_exception_count, 1
                )
                self.feed(
                    self.native,
                    [self.native_tracking(f"{ref}-2", ref, "delivered", "2025-03-06T10:00:00Z")],
                )
                self.assertFalse(self.open_exceptions(picking))
                self.assertEqual(exception.state, "cleared")
                self.assertEqual(picking.state, "done")

    def test_carrier_estimate_later_than_commitment_is_a_late_delivery(self):
        rule = self.env.ref("distribution_integrations.distribution_exception_rule_carrier_late")
        self.assertTrue(rule.active, "shipped with the module, not only in the demo")
        picking = self.make_delivery("DCM-LATE-1", commitment=self.days(2))
        self.feed(
            self.native,
            [
                self.native_tracking(
                    "l1",
                    "DCM-LATE-1",
                    "in_transit",
                    self.iso(self.days(-1)),
                    estimated_delivery=self.iso(self.days(1)),
                )
            ],
        )
        self.assertFalse(self.open_exceptions(picking), "on time by the carrier's estimate")
        self.feed(
            self.native,
            [
                self.native_tracking(
                    "l2",
                    "DCM-LATE-1",
                    "in_transit",
                    self.iso(self.days(0)),
                    estimated_delivery=self.iso(self.days(5)),
                )
            ],
        )
        late = self.open_exceptions(picking).filtered(lambda e: e.rule_id == rule)
        self.assertEqual(len(late), 1)
        self.assertIn("3 days late", late.reason)
        self.assertEqual(late.owner_id, self.salesperson)
        self.feed(
            self.native,
            [self.native_tracking("l3", "DCM-LATE-1", "delivered", self.iso(self.days(0)))],
        )
        self.assertEqual(late.state, "cleared")

    def test_partial_delivery_raises_its_own_exception(self):
        picking = self.make_delivery("DCM-PART-1", qty=5)
        self.feed(
            self.native,
            [
                self.native_tracking(
                    "p1", "DCM-PART-1", "delivered", "2025-03-05T10:00:00Z", pieces=3
                )
            ],
        )
        self.assertTrue(picking.distribution_carrier_partial)
        exception = self.open_exceptions(picking, PARTIAL)
        self.assertEqual(len(exception), 1)
        self.assertIn("3 pieces", exception.reason)
        self.assertEqual(self.open_exceptions(picking), exception)
        # a full count delivered as expected raises nothing
        full = self.make_delivery("DCM-PART-2", qty=5)
        self.feed(
            self.native,
            [
                self.native_tracking(
                    "p2", "DCM-PART-2", "delivered", "2025-03-05T10:00:00Z", pieces=5, weight=10
                )
            ],
        )
        self.assertFalse(full.distribution_carrier_partial)
        self.assertFalse(self.open_exceptions(full))
        # weight below what was shipped (5 x 2 kg), no piece count
        light = self.make_delivery("DCM-PART-3", qty=5)
        self.feed(
            self.native,
            [
                self.native_tracking(
                    "p3", "DCM-PART-3", "delivered", "2025-03-05T10:00:00Z", weight=6
                )
            ],
        )
        self.assertTrue(self.open_exceptions(light, PARTIAL))

    def test_ingest_and_process_is_for_integration_administrators(self):
        picking = self.make_delivery("DCM-ING-1")
        body = self.native_tracking("ing-1", "DCM-ING-1", "in_transit", "2025-03-05T10:00:00Z")
        Event = self.env["distribution.integration.event"]
        with self.assertRaises(AccessError):
            Event.with_user(self.warehouse_user).ingest_and_process(self.native.id, [body])
        self.assertFalse(picking.distribution_carrier_status)
        ids = Event.with_user(self.integration_admin).ingest_and_process(self.native.id, [body])
        self.assertEqual(Event.browse(ids).state, "done")
        self.assertEqual(picking.distribution_carrier_status, "in_transit")

    def test_one_query_per_batch_finds_the_transfers(self):
        pickings = [self.make_delivery(f"DCM-Q-{index}") for index in range(3)]
        Event = self.env["distribution.integration.event"].sudo()
        config = {"id": self.native.id, "company_id": self.company.id}
        ids = []
        for index, picking in enumerate(pickings):
            body = self.native_tracking(
                f"q{index}", picking.carrier_tracking_ref, "in_transit", "2025-03-05T10:00:00Z"
            )
            normalised = normalisers.normalise("native", body, "carrier_tracking")
            ids.append(Event._insert_received(config, json.dumps(body), normalised)[0])
        events = Event.browse(ids)
        context = events._dispatch_prepare()
        self.assertEqual(
            sorted(context["pickings"]), sorted(p.carrier_tracking_ref for p in pickings)
        )
