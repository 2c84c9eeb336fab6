# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.tests import tagged

from .common import DistributionCase


@tagged("post_install", "-at_install")
class TestDistributionEventEmit(DistributionCase):
    def _make_partners(self, count, company=None):
        return self.env["res.partner"].create(
            [
                {"name": f"Customer {i:04d}", "company_id": (company or self.company_a).id}
                for i in range(count)
            ]
        )

    def _emit_cold(self, partners):
        """Emit from a cold cache, as after a new request, and return (events, queries)."""
        self.env.invalidate_all()
        with self.capture_queries() as queries:
            events = self.Event._emit(
                "partner.reviewed", partners, payload=lambda p: {"name": p.name}
            )
        return events, queries

    def test_emit_uses_one_insert_for_any_number_of_records(self):
        self._emit_cold(self._make_partners(1))  # fill the registry caches (modules may add some)
        small, small_queries = self._emit_cold(self._make_partners(3))
        large, large_queries = self._emit_cold(self._make_partners(120))

        self.assertEqual((len(small), len(large)), (3, 120))
        for queries in (small_queries, large_queries):
            inserts = [q for q in queries if q.lstrip().upper().startswith("INSERT")]
            self.assertEqual(len(inserts), 1, "\n".join(inserts))
            self.assertIn("distribution_event", inserts[0])
        self.assertEqual(
            len(small_queries),
            len(large_queries),
            "emitting for 120 records must cost the same queries as for 3:\n"
            + "\n".join(large_queries),
        )

    def test_emit_records_document_company_user_and_payload(self):
        partners = self._make_partners(2) | self._make_partners(1, company=self.company_b)
        events = self.Event.with_user(self.dist_user)._emit(
            "partner.reviewed", partners, payload=lambda p: {"name": p.name, "lines": [1, 2]}
        )
        events = events.sudo()  # one event belongs to a company the user cannot see
        self.assertEqual(events.mapped("res_id"), partners.ids, "events follow record order")
        self.assertEqual(set(events.mapped("res_model")), {"res.partner"})
        self.assertEqual(events.model_id.model, "res.partner")
        self.assertEqual(events.mapped("res_name"), partners.mapped("display_name"))
        self.assertEqual(
            events.mapped("company_id"),
            self.company_a | self.company_b,
            "each event carries its document's company",
        )
        self.assertEqual(events[2].company_id, self.company_b)
        self.assertEqual(events.user_id, self.dist_user)
        self.assertEqual(events[0].payload, {"name": partners[0].name, "lines": [1, 2]})
        self.assertTrue(all(events.mapped("occurred_at")))
        self.assertIn('"lines"', events[0].payload_text)

    def test_emit_shared_payload_and_company_fallback(self):
        # res.users has a company; ir.model has none and falls back to the current company.
        models = self.env["ir.model"].search([("model", "in", ("res.partner", "res.users"))])
        events = self.Event.with_company(self.company_b)._emit(
            "model.audited", models, payload={"by": "test"}
        )
        self.assertEqual(len(events), 2)
        self.assertEqual(events.company_id, self.company_b)
        self.assertEqual(events.mapped("payload"), [{"by": "test"}] * 2)

    def test_emit_nothing_for_an_empty_recordset(self):
        with self.capture_queries() as queries:
            events = self.Event._emit("partner.reviewed", self.env["res.partner"])
        self.assertFalse(events)
        self.assertEqual(queries, [])

    def test_open_document_action(self):
        partner = self._make_partners(1)
        event = self.Event._emit("partner.reviewed", partner)
        action = event.action_open_document()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", partner.id))
