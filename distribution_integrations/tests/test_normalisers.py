# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json

from odoo.tests import BaseCase, tagged

from ..tools.normalisers import TRACKING_STATUSES, MalformedPayload, normalise
from .common import sample


def load(name):
    return json.loads(sample(name))


@tagged("post_install", "-at_install")
class TestNormalisers(BaseCase):
    # ------------------------------------------------------------------ our format

    def test_native_tracking(self):
        event = normalise("native", load("native_tracking_updated"), "carrier_tracking")
        self.assertEqual(event["format"], "native")
        self.assertEqual(event["event_type"], "tracking.updated")
        self.assertEqual(event["external_id"], "evt_01JNMQ4W7ZP3K8V2D5RB6XYT9C")
        self.assertEqual(event["occurred_at"], "2025-03-04T16:05:00Z")
        self.assertEqual(
            event["references"],
            {
                "tracking_number": "JD014600006281230785",
                "carrier": "dhl",
                "picking": "HWS/OUT/00021",
            },
        )
        self.assertEqual(event["tracking"]["status"], "delivered")
        self.assertEqual(event["tracking"]["location"], "Portland, OR, 97205, US")

    def test_native_supplier_events(self):
        ack = normalise("native", load("native_purchase_order_acknowledged"), "supplier_ack")
        self.assertEqual(ack["event_type"], "purchase_order.acknowledged")
        self.assertEqual(ack["references"]["purchase_order"], "P00031")
        self.assertEqual(len(ack["data"]["lines"]), 2)
        asn = normalise("native", load("native_purchase_order_shipped"), "ship_notice")
        self.assertEqual(asn["references"]["tracking_number"], "1Z999AA10123456784")
        delay = normalise("native", load("native_purchase_order_delayed"), "supplier_delay")
        self.assertEqual(delay["data"]["promised_date"], "2025-03-20")

    def test_native_required_fields_and_kinds(self):
        body = load("native_tracking_updated")
        cases = {
            "no type": {k: v for k, v in body.items() if k != "type"},
            "bad type": dict(body, type="Tracking Updated!"),
            "type of another kind": dict(body, type="purchase_order.acknowledged"),
            "no tracking number": dict(body, data={"status": "delivered"}),
            "unknown status": dict(body, data=dict(body["data"], status="lost_in_space")),
            "data not an object": dict(body, data=["delivered"]),
            "bad timestamp": dict(body, timestamp="yesterday"),
            "id too long": dict(body, id="x" * 256),
            "id not a string": dict(body, id={"nested": 1}),
        }
        for label, payload in cases.items():
            with self.subTest(label), self.assertRaises(MalformedPayload):
                normalise("native", payload, "carrier_tracking")
        delay = load("native_purchase_order_delayed")
        for promised in (None, "soon", 12.5):
            with self.subTest(promised=promised), self.assertRaises(MalformedPayload):
                normalise(
                    "native",
                    dict(delay, data=dict(delay["data"], promised_date=promised)),
                    "supplier_delay",
                )

    def test_generic_endpoint_accepts_any_well_formed_type(self):
        event = normalise("native", {"type": "pallet.weighed", "data": {"kg": 412}}, "generic")
        self.assertEqual(event["event_type"], "pallet.weighed")
        # known types keep their required fields on a generic endpoint too
        with self.assertRaises(MalformedPayload):
            normalise("native", {"type": "tracking.updated", "data": {}}, "generic")

    def test_native_id_falls_back_to_the_header_then_to_a_derived_key(self):
        body = {
            "type": "tracking.updated",
            "data": {"tracking_number": "T1", "status": "in_transit"},
        }
        from_header = normalise("native", body, "carrier_tracking", {"webhook-id": "msg_9"})
        self.assertEqual(from_header["external_id"], "msg_9")
        derived = normalise("native", body, "carrier_tracking")["external_id"]
        self.assertTrue(derived.startswith("sha256:"))
        # the same event, serialised differently, has the same key; another event another key
        reordered = json.loads(json.dumps(body, sort_keys=True, indent=4))
        self.assertEqual(normalise("native", reordered, "carrier_tracking")["external_id"], derived)
        other = {
            "type": "tracking.updated",
            "data": {"tracking_number": "T1", "status": "delivered"},
        }
        self.assertNotEqual(normalise("native", other, "carrier_tracking")["external_id"], derived)

    # ------------------------------------------------------------------ carriers

    def test_easypost(self):
        event = normalise("easypost", load("easypost_tracker_updated"), "carrier_tracking")
        self.assertEqual(event["external_id"], "evt_2f6c3f0a1b2c4d5e8f9a0b1c2d3e4f50")
        self.assertEqual(event["event_type"], "tracking.updated")
        self.assertEqual(event["references"]["tracking_number"], "9400110898825022579493")
        self.assertEqual(event["references"]["carrier"], "USPS")
        self.assertEqual(event["tracking"]["status"], "out_for_delivery")
        self.assertEqual(event["tracking"]["estimated_delivery"], "2025-03-04T20:00:00Z")
        self.assertEqual(event["tracking"]["location"], "Denver, CO, 80202, US")
        # when it happened is the carrier's last scan, not when EasyPost sent it
        self.assertEqual(event["occurred_at"], "2025-03-04T15:20:00Z")
        self.assertNotIn("ignored", event)

    def test_easypost_events_other_than_trackers_are_ignored_with_a_reason(self):
        event = normalise(
            "easypost",
            {"id": "evt_9", "description": "batch.updated", "result": {"object": "Batch"}},
            "carrier_tracking",
        )
        self.assertEqual(event["ignored"], "EasyPost batch.updated events are not used")
        for body in (
            {"description": "tracker.updated"},
            {"id": "evt_9"},
            {"id": "evt_9", "description": "tracker.updated", "result": {}},
        ):
            with self.subTest(body=body), self.assertRaises(MalformedPayload):
                normalise("easypost", body, "carrier_tracking")

    def test_aftership(self):
        event = normalise("aftership", load("aftership_tracking_update"), "carrier_tracking")
        self.assertEqual(event["external_id"], "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f")
        self.assertEqual(event["tracking"]["status"], "failed_attempt")
        self.assertEqual(event["tracking"]["status_detail"], "AttemptFail_001")
        self.assertEqual(event["references"]["carrier"], "ups")
        self.assertEqual(event["references"]["order"], "HWS/SO/00042")
        self.assertEqual(event["occurred_at"], "2025-03-05T17:45:12Z")
        self.assertEqual(event["tracking"]["location"], "Columbus, OH, 43215, USA")
        without_id = load("aftership_tracking_update")
        del without_id["event_id"]
        key = normalise("aftership", without_id, "carrier_tracking")["external_id"]
        self.assertTrue(key.startswith("sha256:"))
        with self.assertRaises(MalformedPayload):
            normalise(
                "aftership",
                {"event": "tracking_update", "msg": {"slug": "ups"}},
                "carrier_tracking",
            )

    def test_shippo_key_is_derived_from_the_status(self):
        body = load("shippo_track_updated")
        event = normalise("shippo", body, "carrier_tracking")
        self.assertEqual(event["event_type"], "tracking.updated")
        self.assertEqual(event["tracking"]["status"], "in_transit")
        self.assertEqual(event["tracking"]["estimated_delivery"], "2025-03-07T23:59:00Z")
        self.assertEqual(event["references"]["metadata"], "HWS/OUT/00017")
        self.assertTrue(event["external_id"].startswith("sha256:"))
        # Shippo sends the same update twice: same key; a new status: another key
        again = json.loads(json.dumps(body))
        again["data"]["tracking_history"] = []
        self.assertEqual(
            normalise("shippo", again, "carrier_tracking")["external_id"], event["external_id"]
        )
        moved = json.loads(json.dumps(body))
        moved["data"]["tracking_status"].update(
            status="DELIVERED", status_date="2025-03-06T10:00:00Z", substatus=None
        )
        delivered = normalise("shippo", moved, "carrier_tracking")
        self.assertNotEqual(delivered["external_id"], event["external_id"])
        self.assertEqual(delivered["tracking"]["status"], "delivered")
        # a substatus refines the status
        moved["data"]["tracking_status"].update(
            status="TRANSIT", substatus={"code": "delivery_attempted"}
        )
        self.assertEqual(
            normalise("shippo", moved, "carrier_tracking")["tracking"]["status"], "failed_attempt"
        )
        ignored = normalise(
            "shippo", {"event": "transaction_created", "data": {}}, "carrier_tracking"
        )
        self.assertIn("ignored", ignored)

    def test_every_status_mapping_lands_in_our_statuses(self):
        from ..tools import normalisers

        for mapping in (
            normalisers.EASYPOST_STATUSES,
            normalisers.AFTERSHIP_TAGS,
            normalisers.SHIPPO_STATUSES,
            normalisers.SHIPPO_SUBSTATUSES,
        ):
            self.assertLessEqual(set(mapping.values()), set(TRACKING_STATUSES))

    # ------------------------------------------------------------------ hostile input

    def test_any_json_gives_a_result_or_malformed_never_a_crash(self):
        shapes = [
            None,
            0,
            -1,
            1.5,
            True,
            "text",
            [],
            [1, 2],
            {},
            {"": None},
            {"type": None},
            {"type": 5},
            {"type": ["x"]},
            {"type": "x", "data": None},
            {"id": True, "type": "generic.thing"},
            {"id": 1.5, "type": "a.b"},
            {"id": "e", "description": 5},
            {"id": "e", "description": "tracker.updated", "result": []},
            {"id": "e", "description": "tracker.updated", "result": {"tracking_code": ["x"]}},
            {
                "id": "e",
                "description": "tracker.updated",
                "result": {
                    "tracking_code": "T",
                    "tracking_details": [None, 5, {"datetime": {"x": 1}}],
                    "status": 7,
                    "est_delivery_date": [1],
                },
            },
            {"msg": None},
            {"msg": {"tracking_number": "T", "checkpoints": "x", "tag": 5}, "ts": "x"},
            {"msg": {"tracking_number": "T", "checkpoints": [{"location": 5}]}, "ts": 10**20},
            {"event": "track_updated", "data": {"tracking_number": "T", "tracking_status": []}},
            {
                "event": "track_updated",
                "data": {
                    "tracking_number": "T",
                    "tracking_status": {"substatus": "x", "location": [], "status_date": 1e300},
                },
            },
            {"event": ["track_updated"], "data": {}},
        ]
        for fmt in ("native", "easypost", "aftership", "shippo"):
            for kind in ("carrier_tracking", "generic"):
                for shape in shapes:
                    with self.subTest(fmt=fmt, kind=kind, shape=shape):
                        try:
                            result = normalise(fmt, shape, kind)
                        except MalformedPayload:
                            continue
                        json.dumps(result)  # what is stored must be JSON
                        self.assertTrue(result["external_id"])
                        self.assertTrue(result["event_type"])
