# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2.errors import SerializationFailure

from odoo import fields
from odoo.addons.distribution_base.tests.common import capture_queries
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..models import distribution_integration_event as event_module
from ..models.distribution_integration_event import PermanentEventError, retry_delay
from ..models.distribution_integration_queue import LEASE
from .common import IntegrationCase, sample


@tagged("post_install", "-at_install")
class TestWorker(IntegrationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.EventClass = type(cls.Event)
        cls.rule = cls.env.ref("distribution_integrations.distribution_exception_rule_event_dead")
        # events an existing database holds must not be claimed by these tests
        cls.Event.search([("state", "in", ("received", "failed", "processing"))]).write(
            {"state": "done"}
        )

    def setUp(self):
        super().setUp()
        # These tests are about the worker: they use the dispatch point as it is without the
        # mapping (which has its own tests, test_mapping_*.py); a test may patch it again.
        for method in ("_dispatch_prepare", "_dispatch"):
            original = getattr(event_module.DistributionIntegrationEvent, method)
            patcher = patch.object(self.EventClass, method, original)
            patcher.start()
            self.addCleanup(patcher.stop)

    def receive_events(self, count, endpoint=None, prefix="evt"):
        events = self.Event
        for number in range(count):
            body = self.tracking_body(
                f"{prefix}_{number}", tracking_number=f"TRK-{prefix}-{number}"
            )
            status, answer = self.receive_signed(endpoint or self.endpoint, body)
            self.assertEqual(status, 202, answer)
            events |= self.Event.browse(answer["id"])
        return events

    def dispatch_with(self, function):
        return patch.object(self.EventClass, "_dispatch", function, create=False)

    def open_exceptions(self, events):
        return self.env["distribution.exception"].search(
            [
                ("res_model", "=", events._name),
                ("res_id", "in", events.ids),
                ("state", "in", ("open", "acknowledged")),
            ]
        )

    # ------------------------------------------------------------------ the happy path

    def test_received_events_are_processed_in_one_batch_and_marked_done(self):
        events = self.receive_events(3)
        processed = self.Event._cron_process()
        self.assertEqual(processed, events)
        for event in events:
            self.assertEqual(event.state, "done")
            self.assertEqual(event.attempts, 1)
            self.assertFalse(event.next_attempt_at)
            self.assertTrue(event.processed_at)
            self.assertEqual(event.payload["event_type"], "tracking.updated")
        self.assertFalse(self.Event._cron_process(), "nothing is processed twice")
        self.assertEqual(events.mapped("attempts"), [1, 1, 1])

    def test_dispatch_receives_the_normalised_event_and_records_what_it_applied_to(self):
        seen = []
        partner = self.carrier

        def dispatch(event, normalised, context):
            seen.append((event.id, normalised["references"]["tracking_number"], context))
            return partner

        with self.dispatch_with(dispatch):
            events = self.receive_events(2)
            self.Event._cron_process()
        self.assertEqual(seen, [(events[0].id, "TRK-evt-0", {}), (events[1].id, "TRK-evt-1", {})])
        self.assertEqual(events.mapped("res_model"), ["res.partner"] * 2)
        self.assertEqual(events.mapped("res_id"), [partner.id] * 2)
        self.assertEqual(events[0].action_open_document()["res_id"], partner.id)

    def test_scheduled_action_runs_the_worker(self):
        events = self.receive_events(2)
        cron = self.env.ref("distribution_integrations.ir_cron_integration_event_worker")
        self.assertTrue(cron.active)
        cron.method_direct_trigger()
        self.assertEqual(set(events.mapped("state")), {"done"})

    def test_a_batch_reports_what_remains_so_the_cron_runs_again(self):
        events = self.receive_events(3)
        cron = self.env.ref("distribution_integrations.ir_cron_integration_event_worker")
        cron, progress = cron._add_progress()
        Event = self.Event.with_context(ir_cron_progress_id=progress.id)
        self.assertEqual(Event._cron_process(batch_size=2), events[:2])
        self.assertEqual((progress.done, progress.remaining), (2, 1))
        self.assertEqual(Event._cron_process(batch_size=2), events[2])
        self.assertEqual((progress.done, progress.remaining), (1, 0))

    def test_a_run_that_leaves_work_wakes_the_cron_workers_again(self):
        self.receive_events(3)
        notified = []
        CronClass = type(self.env["ir.cron"])
        with patch.object(CronClass, "_notifydb", lambda cron: notified.append(cron)):
            self.Event._cron_process(batch_size=2)
            self.env.cr.postcommit.run()
            self.assertEqual(len(notified), 1, "one event is left: the cron worker must not sleep")
            self.Event._cron_process(batch_size=2)
            self.env.cr.postcommit.run()
            self.assertEqual(len(notified), 1, "nothing left: no wake-up")

    def test_ignored_events_keep_their_reason(self):
        endpoint = self.make_endpoint(
            name="DCI EasyPost", payload_format="easypost", auth_scheme="url_token"
        )
        status, answer = self.receive(
            endpoint, b'{"id": "evt_batch", "description": "batch.updated", "result": {}}'
        )
        self.assertEqual(status, 202, answer)
        event = self.Event.browse(answer["id"])
        self.Event._cron_process()
        self.assertEqual(event.state, "ignored")
        self.assertEqual(event.ignored_reason, "EasyPost batch.updated events are not used")
        tracked = self.receive(endpoint, sample("easypost_tracker_updated"))[1]
        self.Event._cron_process()
        self.assertEqual(self.Event.browse(tracked["id"]).state, "done")

    # ------------------------------------------------------------------ failures

    def test_a_failure_mid_batch_rolls_back_only_that_event(self):
        def dispatch(event, normalised, context):
            reference = normalised["references"]["tracking_number"]
            self.env["res.partner"].create({"name": f"applied {reference}"})
            if reference == "TRK-evt-1":
                raise RuntimeError("carrier reference unknown")
            return None

        events = self.receive_events(3)
        with self.dispatch_with(dispatch):
            self.Event._cron_process()
        self.assertEqual(events.mapped("state"), ["done", "failed", "done"])
        applied = self.env["res.partner"].search([("name", "=like", "applied TRK-evt-%")])
        self.assertEqual(sorted(applied.mapped("name")), ["applied TRK-evt-0", "applied TRK-evt-2"])
        self.assertEqual(events[1].last_error, "RuntimeError: carrier reference unknown")
        self.assertFalse(events[0].last_error)

    def test_a_batch_of_failures_reads_the_stored_bodies_once(self):
        def dispatch(event, normalised, context):
            self.assertTrue(event.company_id)  # a field of the event, read after each rollback
            raise RuntimeError("carrier down")

        events = self.receive_events(8)
        self.env.invalidate_all()
        with self.dispatch_with(dispatch), capture_queries() as queries:
            self.Event._cron_process()
        self.assertEqual(set(events.mapped("state")), {"failed"})
        reading_bodies = [query for query in queries if "raw_body" in query]
        # one read for the batch, however many savepoints were rolled back
        self.assertEqual(len(reading_bodies), 1, "bodies read again after a rollback")

    def test_a_conflict_with_another_transaction_is_retried_soon_without_an_attempt(self):
        def dispatch(event, normalised, context):
            if normalised["references"]["tracking_number"] == "TRK-evt-1":
                raise SerializationFailure("could not serialize access due to concurrent update")
            return None

        events = self.receive_events(3)
        with self.dispatch_with(dispatch):
            self.Event._cron_process()
        self.assertEqual(events.mapped("state"), ["done", "received", "done"])
        conflicted = events[1]
        self.assertEqual(conflicted.attempts, 0, "a conflict is not the event's failure")
        self.assertFalse(conflicted.last_error)
        wait = conflicted.next_attempt_at - fields.Datetime.now()
        self.assertLessEqual(wait, timedelta(seconds=5), "again in a moment, not after a backoff")
        worker = self.env.ref("distribution_integrations.ir_cron_integration_event_worker")
        self.assertTrue(
            self.env["ir.cron.trigger"].search_count(
                [("cron_id", "=", worker.id), ("call_at", ">=", fields.Datetime.now())]
            ),
            "the worker comes back for it",
        )
        with freeze_time(fields.Datetime.now() + timedelta(seconds=5)):
            self.Event._cron_process()
        self.assertEqual((conflicted.state, conflicted.attempts), ("done", 1))

    def test_retries_back_off_with_jitter(self):
        with patch.object(event_module.random, "uniform", lambda low, high: high):
            self.assertEqual(
                [retry_delay(n) for n in range(1, 8)], [60, 240, 960, 3840, 15360, 21600, 21600]
            )
        with patch.object(event_module.random, "uniform", lambda low, high: low):
            self.assertEqual(retry_delay(1), 30)
            self.assertEqual(retry_delay(3), 480)

        def fail(event, normalised, context):
            raise ConnectionError("carrier API down")

        [event] = self.receive_events(1)
        now = fields.Datetime.now().replace(microsecond=0)
        with self.dispatch_with(fail), freeze_time(now):
            self.Event._cron_process()
        self.assertEqual((event.state, event.attempts), ("failed", 1))
        self.assertGreaterEqual(event.next_attempt_at, now + timedelta(seconds=30))
        self.assertLessEqual(event.next_attempt_at, now + timedelta(seconds=60))
        # not due yet: left alone; due: claimed again
        with self.dispatch_with(fail), freeze_time(now + timedelta(seconds=29)):
            self.assertFalse(self.Event._cron_process())
        with freeze_time(event.next_attempt_at):
            self.assertEqual(self.Event._cron_process(), event)
        self.assertEqual((event.state, event.attempts), ("done", 2))

    def test_dead_letter_opens_a_technical_exception_and_replay_clears_it(self):
        endpoint = self.make_endpoint(name="DCI flaky carrier", max_attempts=2)
        [event] = self.receive_events(1, endpoint=endpoint)

        def fail(event, normalised, context):
            raise ConnectionError("carrier API down")

        start = fields.Datetime.now()
        with self.dispatch_with(fail):
            with freeze_time(start):
                self.Event._cron_process()
            self.assertEqual(event.state, "failed")
            self.assertFalse(self.open_exceptions(event))
            with freeze_time(start + timedelta(hours=1)):
                self.Event._cron_process()
        self.assertEqual((event.state, event.attempts), ("dead", 2))
        self.assertFalse(event.next_attempt_at)
        exception = self.open_exceptions(event)
        self.assertEqual(exception.rule_id, self.rule)
        self.assertEqual(exception.category, "technical")
        self.assertEqual(exception.owner_id, self.integration_admin, "the endpoint's responsible")
        self.assertEqual(event.distribution_open_exception_count, 1)
        raised = self.env["distribution.event"].search(
            [
                ("event_type", "=", "exception.raised"),
                ("res_model", "=", "distribution.exception"),
                ("res_id", "=", exception.id),
            ]
        )
        self.assertEqual(raised.payload["document_id"], event.id, "in the business-event outbox")
        # a later run keeps one occurrence
        self.env["distribution.exception.rule"]._run(event)
        self.assertEqual(self.open_exceptions(event), exception)

        # only integration administrators replay, and only failed or dead events
        with self.assertRaises(AccessError):
            event.with_user(self.dist_manager).action_replay()
        event.with_user(self.integration_admin).action_replay()
        self.assertEqual((event.state, event.attempts), ("received", 0))
        self.assertEqual(self.open_exceptions(event), exception, "open until the replay succeeds")
        with freeze_time(start + timedelta(hours=2)):
            self.Event._cron_process()
        self.assertEqual((event.state, event.attempts), ("done", 1))
        self.assertEqual(exception.state, "cleared")
        self.assertFalse(event.last_error)
        with self.assertRaises(UserError):
            event.with_user(self.integration_admin).action_replay()

    def test_a_permanent_error_goes_dead_at_once(self):
        def refuse(event, normalised, context):
            raise PermanentEventError("no transfer has this tracking number")

        [event] = self.receive_events(1)
        with self.dispatch_with(refuse):
            self.Event._cron_process()
        self.assertEqual((event.state, event.attempts), ("dead", 1))
        self.assertIn("no transfer has this tracking number", event.last_error)
        self.assertTrue(self.open_exceptions(event))

    def test_an_abandoned_claim_is_taken_again_when_its_lease_ends(self):
        events = self.receive_events(2)
        token, claimed = self.Event._queue_claim(10)
        self.assertEqual(claimed, events)
        self.assertEqual(set(events.mapped("state")), {"processing"})
        # the worker died here: its events are not taken while the lease runs...
        self.assertFalse(self.Event._queue_claim(10)[1])
        # ...and are taken again after, the lost attempt counted
        with freeze_time(fields.Datetime.now() + LEASE + timedelta(seconds=1)):
            self.assertEqual(self.Event._cron_process(), events)
        self.assertEqual(events.mapped("state"), ["done", "done"])
        self.assertEqual(events.mapped("attempts"), [2, 2])
        # the first worker's claim is not valid any more
        self.assertFalse(events._queue_lock_claimed(token))
