# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Two workers on two database connections, as two cron threads or two Odoo servers are.

These tests commit: they create their endpoint and events on their own connections and delete
them at the end, whatever happens.
"""

import json
from contextlib import ExitStack
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api, sql_db
from odoo.tests import TransactionCase, tagged

from ..models.distribution_integration_queue import LEASE

EVENTS = 10


@tagged("post_install", "-at_install")
class TestConcurrentWorkers(TransactionCase):
    def setUp(self):
        super().setUp()
        self.dispatched = []
        dispatched = self.dispatched

        def dispatch(event, normalised, context):
            dispatched.append(event.id)

        EventClass = type(self.env["distribution.integration.event"])
        self.startPatcher(patch.object(EventClass, "_dispatch", dispatch))
        # Events the database already queues (demo data, an existing database) are set aside
        # the way workers set aside each other's: a third connection holds them locked, and
        # SKIP LOCKED passes over them.
        holder = self.cursor()
        self.addCleanup(holder.close)
        self.addCleanup(holder.rollback)
        holder.execute(
            """SELECT id FROM distribution_integration_event
                WHERE state IN ('received', 'failed', 'processing') FOR UPDATE"""
        )
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            endpoint = env["distribution.integration.endpoint"].create(
                {"name": "DCI concurrency", "auth_scheme": "url_token"}
            )
            self.endpoint_id = endpoint.id
            self.addCleanup(self.delete_committed)
            config = {"id": endpoint.id, "company_id": endpoint.company_id.id}
            Event = env["distribution.integration.event"]
            body = json.dumps(
                {
                    "type": "tracking.updated",
                    "data": {"tracking_number": "T", "status": "delivered"},
                }
            )
            self.event_ids = sorted(
                Event._insert_received(
                    config,
                    body,
                    {"external_id": f"concurrent-{n}", "event_type": "tracking.updated"},
                )[0]
                for n in range(EVENTS)
            )
            # the other connections must see them
            cr.commit()  # pylint: disable=invalid-commit

    def cursor(self):
        cr = self.registry.cursor()
        self.assertNotIsInstance(cr, sql_db.TestCursor, "a connection of its own")
        return cr

    def delete_committed(self):
        with self.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            events = env["distribution.integration.event"].search(
                [("endpoint_id", "=", self.endpoint_id)]
            )
            exceptions = env["distribution.exception"].search(
                [("res_model", "=", events._name), ("res_id", "in", events.ids)]
            )
            env["distribution.event"].search(
                [("res_model", "=", exceptions._name), ("res_id", "in", exceptions.ids)]
            ).unlink()
            exceptions.unlink()
            env["distribution.integration.endpoint"].browse(self.endpoint_id).unlink()
            # clean up what setUp committed
            cr.commit()  # pylint: disable=invalid-commit
        self.env.registry.clear_cache()

    def worker(self, stack):
        cr = stack.enter_context(self.cursor())
        # a regression that waits on the other worker's locks fails instead of hanging
        cr.execute("SET lock_timeout = '10s'")
        return api.Environment(cr, SUPERUSER_ID, {})["distribution.integration.event"]

    def states(self):
        with self.cursor() as cr:
            cr.execute(
                """SELECT state, attempts, count(*) FROM distribution_integration_event
                    WHERE endpoint_id = %s GROUP BY state, attempts""",
                [self.endpoint_id],
            )
            return cr.fetchall()

    def test_two_workers_claim_disjoint_batches_without_waiting(self):
        with ExitStack() as stack:
            worker_a, worker_b = self.worker(stack), self.worker(stack)
            token_a, claimed_a = worker_a._queue_claim(6)
            # A's claim is not committed: its rows are locked, and B skips them
            token_b, claimed_b = worker_b._queue_claim(6)
            self.assertEqual(len(claimed_a), 6)
            self.assertEqual(len(claimed_b), EVENTS - 6)
            self.assertFalse(set(claimed_a.ids) & set(claimed_b.ids))
            self.assertEqual(sorted(claimed_a.ids + claimed_b.ids), self.event_ids)
            for worker, token, claimed in (
                (worker_a, token_a, claimed_a),
                (worker_b, token_b, claimed_b),
            ):
                claimed._queue_lock_claimed(token)._process()
                # as the cron does
                worker.env.cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(sorted(self.dispatched), self.event_ids, "each event exactly once")
        self.assertEqual(self.states(), [("done", 1, EVENTS)])

    def test_a_committed_claim_is_not_taken_by_the_next_worker(self):
        with ExitStack() as stack:
            worker_a, worker_b = self.worker(stack), self.worker(stack)
            token_a, claimed_a = worker_a._queue_claim(6)
            # phase one, as the cron does
            worker_a.env.cr.commit()  # pylint: disable=invalid-commit
            # B runs a whole cron pass while A has not started processing
            processed_b = worker_b._cron_process(batch_size=EVENTS, auto_commit=True)
            # as the cron does
            worker_b.env.cr.commit()  # pylint: disable=invalid-commit
            self.assertEqual(len(processed_b), EVENTS - 6)
            self.assertFalse(set(processed_b.ids) & set(claimed_a.ids))
            # A processes its claim
            locked_a = claimed_a._queue_lock_claimed(token_a)
            self.assertEqual(locked_a, claimed_a)
            # while A works, even a worker that thinks A's lease expired cannot take them
            with freeze_time(datetime.now() + LEASE * 2):
                worker_c = self.worker(stack)
                self.assertFalse(worker_c._queue_claim(EVENTS)[1])
                worker_c.env.cr.rollback()
            locked_a._process()
            # as the cron does
            worker_a.env.cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(sorted(self.dispatched), self.event_ids, "each event exactly once")
        self.assertEqual(self.states(), [("done", 1, EVENTS)])

    def test_a_reference_another_worker_applies_waits_without_counting_an_attempt(self):
        # the first four events are updates of one shipment, the others of a shipment each
        with self.cursor() as cr:
            cr.execute(
                """UPDATE distribution_integration_event
                      SET reference = CASE WHEN id = ANY(%s) THEN 'SHARED-REF'
                                           ELSE 'OWN-REF-' || id END
                    WHERE id IN %s""",
                [self.event_ids[:4], tuple(self.event_ids)],
            )
            cr.commit()  # pylint: disable=invalid-commit
        with ExitStack() as stack:
            worker_a, worker_b = self.worker(stack), self.worker(stack)
            # A claims two updates of the shared shipment and is applying them
            token_a, claimed_a = worker_a._queue_claim(2)
            worker_a.env.cr.commit()  # pylint: disable=invalid-commit
            held_a = claimed_a._queue_lock_claimed(token_a)._hold_references()
            self.assertEqual(held_a.ids, self.event_ids[:2])
            # B's whole pass: the other updates of that shipment wait, the rest is applied
            processed_b = worker_b._cron_process(batch_size=EVENTS, auto_commit=True)
            worker_b.env.cr.commit()  # pylint: disable=invalid-commit
            self.assertEqual(processed_b.ids, self.event_ids[4:])
            held_a._process()
            worker_a.env.cr.commit()  # pylint: disable=invalid-commit
            deferred = worker_b.browse(self.event_ids[2:4])
            self.assertEqual(deferred.mapped("state"), ["received", "received"])
            self.assertEqual(deferred.mapped("attempts"), [0, 0], "waiting is not an attempt")
            self.assertTrue(
                worker_b.env["ir.cron.trigger"].search_count(
                    [
                        (
                            "call_at",
                            ">=",
                            min(deferred.mapped("next_attempt_at")).replace(microsecond=0),
                        )
                    ]
                ),
                "the worker comes back for them",
            )
            # once A committed, they are applied
            with freeze_time(datetime.now() + timedelta(seconds=5)):
                worker_b._cron_process(batch_size=EVENTS, auto_commit=True)
                worker_b.env.cr.commit()  # pylint: disable=invalid-commit
        self.assertEqual(sorted(self.dispatched), self.event_ids, "each event exactly once")
        self.assertEqual(self.states(), [("done", 1, EVENTS)])

    def test_a_claim_older_than_another_workers_commit_claims_again(self):
        with ExitStack() as stack:
            worker_a, worker_b = self.worker(stack), self.worker(stack)
            # B's transaction took its snapshot before A's claim was committed
            worker_b.env.cr.execute("SELECT 1 FROM distribution_integration_event LIMIT 1")
            claimed_a = worker_a._queue_claim(6)[1]
            worker_a.env.cr.commit()  # pylint: disable=invalid-commit
            # locking A's rows from the old snapshot is a serialization failure: B claims anew
            claimed_b = worker_b._queue_claim(EVENTS, own_transaction=True)[1]
            self.assertEqual(sorted(claimed_a.ids + claimed_b.ids), self.event_ids)
            worker_b.env.cr.rollback()
            worker_a.env.cr.rollback()
