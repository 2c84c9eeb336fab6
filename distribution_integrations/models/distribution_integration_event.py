# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import logging
import random
import threading
from datetime import timedelta

from psycopg2 import errors as pg_errors
from psycopg2.extras import Json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import normalisers

_logger = logging.getLogger(__name__)

RETENTION_PARAM = "distribution_integrations.event_retention_days"
DEFAULT_RETENTION_DAYS = 90
BATCH_SIZE = 100
RETRY_BASE_SECONDS = 60
RETRY_FACTOR = 4
RETRY_MAX_SECONDS = 6 * 3600
QUEUED_STATES = ("received", "failed", "processing")
# advisory lock namespace of the references a worker is applying (with hashtext(reference))
REFERENCE_LOCK = 862451
REFERENCE_BUSY_DELAY = timedelta(seconds=2)
CONFLICTS = (pg_errors.SerializationFailure, pg_errors.DeadlockDetected)
STATES = [
    ("received", "Received"),
    ("processing", "Processing"),
    ("done", "Done"),
    ("failed", "Failed"),
    ("dead", "Dead Letter"),
    ("ignored", "Ignored"),
]


class IgnoredEvent(Exception):
    """Raised while dispatching: the event is valid but not for us; the message says why."""


class PermanentEventError(Exception):
    """Raised while dispatching: retrying cannot help, the event goes dead at once."""


def retry_delay(attempts):
    """Seconds to wait after the ``attempts``-th failed attempt: exponential, with jitter.

    The delay grows RETRY_FACTOR times per attempt up to RETRY_MAX_SECONDS, and a random share
    (between half and all of it) is used so that events failing together do not retry together.
    """
    ceiling = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * RETRY_FACTOR ** max(attempts - 1, 0))
    return ceiling * random.uniform(0.5, 1.0)


class DistributionIntegrationEvent(models.Model):
    """One event a partner posted, stored once, then processed by the worker.

    Rows are inserted by the webhook intake (one INSERT ... ON CONFLICT DO NOTHING on the
    unique (endpoint, external id) index), claimed in batches by the worker with
    ``FOR UPDATE SKIP LOCKED``, and purged by the retention scheduled action.
    """

    _name = "distribution.integration.event"
    _description = "Integration Event"
    _inherit = ["distribution.exception.mixin", "distribution.integration.queue.mixin"]
    _distribution_line_field = None
    # Rules watch dead events; the worker runs them on the events it finished, so that an
    # occurrence opens when an event dies and clears when its replay succeeds.
    _distribution_scopes = {"monitor": [("state", "=", "dead")]}
    _queue_states = QUEUED_STATES
    _queue_working_state = "processing"
    _order = "received_at desc, id desc"
    _rec_name = "external_id"

    # no index of its own: the unique (endpoint, external id) index starts with it
    endpoint_id = fields.Many2one(
        "distribution.integration.endpoint",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    partner_id = fields.Many2one(related="endpoint_id.partner_id")
    kind = fields.Selection(related="endpoint_id.kind")
    payload_format = fields.Selection(related="endpoint_id.payload_format")
    responsible_id = fields.Many2one(
        "res.users", related="endpoint_id.user_id", string="Responsible"
    )
    external_id = fields.Char(
        string="External ID",
        required=True,
        readonly=True,
        help="The partner's id of the event; for formats without one, a key derived from the "
        "payload. Unique per endpoint: a second delivery is answered as a duplicate.",
    )
    event_type = fields.Char(readonly=True, index=True)
    reference = fields.Char(
        readonly=True,
        index=True,
        help="Tracking number or purchase order the event names.",
    )
    occurred_at = fields.Datetime(readonly=True, help="When it happened, according to the partner.")
    received_at = fields.Datetime(required=True, readonly=True, index=True)
    # not prefetched: reading another field of a batch of events does not load their bodies
    raw_body = fields.Text(readonly=True, prefetch=False, help="The body exactly as received.")
    payload = fields.Json(string="Normalised Payload", readonly=True, prefetch=False)
    payload_text = fields.Text(string="Normalised Payload (JSON)", compute="_compute_payload_text")
    state = fields.Selection(STATES, required=True, default="received", readonly=True, index=True)
    ignored_reason = fields.Char(readonly=True)
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    claim_token = fields.Char(readonly=True, copy=False)
    processed_at = fields.Datetime(readonly=True)
    last_error = fields.Text(readonly=True)
    res_model = fields.Char(string="Applied To Model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Applied To ID", model_field="res_model", readonly=True
    )
    res_name = fields.Char(string="Applied To", readonly=True)

    _sql_constraints = [
        (
            "endpoint_external_id_unique",
            "UNIQUE(endpoint_id, external_id)",
            "This endpoint already stored an event with this external id.",
        ),
    ]

    def init(self):
        # the worker's queue: only unfinished rows, in the order they are claimed
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS distribution_integration_event_queue_idx
                   ON distribution_integration_event (next_attempt_at, id)
                   WHERE state IN %s""",
                QUEUED_STATES,
            )
        )
        # the rate limit: what an endpoint received lately
        self.env.cr.execute(
            """CREATE INDEX IF NOT EXISTS distribution_integration_event_endpoint_received_idx
               ON distribution_integration_event (endpoint_id, received_at)"""
        )

    @api.depends("endpoint_id.name", "external_id")
    def _compute_display_name(self):
        for event in self:
            event.display_name = f"{event.endpoint_id.name} / {event.external_id}"

    @api.depends("payload")
    def _compute_payload_text(self):
        for event in self:
            event.payload_text = (
                json.dumps(event.payload, indent=2, sort_keys=True, ensure_ascii=False)
                if event.payload
                else ""
            )

    # ------------------------------------------------------------------ exception host hooks

    def _distribution_default_owner(self):
        return self.responsible_id

    # ------------------------------------------------------------------ intake

    @api.model
    def _insert_received(self, config, raw_body, normalised):
        """Store one received event unless the endpoint has it already.

        One INSERT ... ON CONFLICT DO NOTHING on the unique (endpoint, external id) index, so
        concurrent deliveries of the same event store it once.

        :return: (event id, duplicate)
        """
        references = normalised.get("references") or {}
        # the transaction's time, as cr.now() gives it, without a query
        now = SQL("(now() AT TIME ZONE 'UTC')")
        self.env.cr.execute(
            SQL(
                """INSERT INTO distribution_integration_event
                       (endpoint_id, company_id, external_id, event_type, reference, occurred_at,
                        received_at, raw_body, payload, state, attempts, next_attempt_at,
                        create_uid, write_uid, create_date, write_date)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'received', 0, %s, %s, %s, %s, %s)
                   ON CONFLICT (endpoint_id, external_id) DO NOTHING
                   RETURNING id""",
                config["id"],
                config["company_id"],
                normalised["external_id"],
                normalised["event_type"],
                references.get("tracking_number") or references.get("purchase_order"),
                normalisers.parse_timestamp(normalised.get("occurred_at")),
                now,
                raw_body,
                Json(normalised),
                now,
                self.env.uid,
                self.env.uid,
                now,
                now,
            )
        )
        row = self.env.cr.fetchone()
        if row:
            return row[0], False
        self.env.cr.execute(
            SQL(
                """SELECT id FROM distribution_integration_event
                    WHERE endpoint_id = %s AND external_id = %s""",
                config["id"],
                normalised["external_id"],
            )
        )
        return self.env.cr.fetchone()[0], True

    # ------------------------------------------------------------------ worker

    @api.model
    def _cron_process(self, batch_size=BATCH_SIZE, auto_commit=None):
        """Claim a batch of due events, process each in its own savepoint, record the outcome.

        The claim is committed before processing (outside tests), so the attempt counts even if
        this worker dies; the claimed rows are then locked again for the processing
        transaction, so no other worker can take them while they are processed.
        """
        if auto_commit is None:
            auto_commit = not getattr(threading.current_thread(), "testing", False)
        token, events = self._queue_claim(batch_size, own_transaction=auto_commit)
        if auto_commit and events:
            # the claim must survive a crash
            self.env.cr.commit()  # pylint: disable=invalid-commit
        events = events._queue_lock_claimed(token)._hold_references()
        events._process()
        self._queue_report_progress(len(events), self._queue_count_due(batch_size))
        return events

    def _hold_references(self):
        """The events of ``self`` whose reference (tracking number, purchase order) no other
        worker is applying now; the others go back to the queue for a moment, their attempt not
        counted.

        Two workers applying updates of one transfer at once conflict: under repeatable read
        the second fails at its first write, or they deadlock. So each worker holds the
        references of its batch with a transaction-level advisory lock until the batch commits.
        """
        if not self:
            return self
        self.env.cr.execute(
            SQL(
                """SELECT id FROM distribution_integration_event
                    WHERE id IN %s
                      AND (reference IS NULL
                           OR pg_try_advisory_xact_lock(%s, hashtext(reference)))""",
                tuple(self.ids),
                REFERENCE_LOCK,
            )
        )
        held = self.browse(sorted(row[0] for row in self.env.cr.fetchall()))
        (self - held)._requeue_soon()
        return held

    def _requeue_soon(self):
        """Back to the queue for a moment, the attempt not counted: another worker is applying
        what these events change."""
        if not self:
            return
        later = self._queue_now() + REFERENCE_BUSY_DELAY
        self.env.cr.execute(
            SQL(
                """UPDATE distribution_integration_event
                      SET attempts = attempts - 1, claim_token = NULL, next_attempt_at = %s,
                          state = CASE WHEN attempts > 1 THEN 'failed' ELSE 'received' END
                    WHERE id IN %s""",
                later,
                tuple(self.ids),
            )
        )
        self.invalidate_recordset()
        self.env.ref("distribution_integrations.ir_cron_integration_event_worker").sudo()._trigger(
            later
        )

    def _process(self):
        """Process claimed events one by one, each in a savepoint: a failure rolls back only
        that event's work."""
        context = self._dispatch_prepare()
        # read once, as plain values: the rollback of a failed event's savepoint empties the
        # cache, and the next event must not read the whole batch's bodies again
        stored = self._stored_bodies()
        failures = {}
        for event in self:
            try:
                with self.env.cr.savepoint():
                    event._process_one(context, stored[event.id])
            except IgnoredEvent as reason:
                failures[event] = ("ignored", str(reason))
            except PermanentEventError as error:
                failures[event] = ("permanent", error)
            except CONFLICTS:
                # what it changes was changed by another transaction meanwhile: again soon
                failures[event] = ("conflict", None)
            except Exception as error:
                failures[event] = ("retry", error)
        conflicts = [
            event.id for event, (outcome, _detail) in failures.items() if outcome == "conflict"
        ]
        self.browse(conflicts)._requeue_soon()
        for event, (outcome, detail) in failures.items():
            if outcome != "conflict":
                event._record_failure(outcome, detail)
        dead = self.filtered(lambda e: e.state == "dead")
        if dead:
            _logger.warning("%s integration event(s) dead-lettered: %s", len(dead), dead.ids)
        self.env["distribution.exception.rule"]._run(
            self.filtered(lambda e: e.state in ("dead", "done"))
        )
        return self

    def _process_one(self, context, stored):
        self.ensure_one()
        try:
            normalised = self._normalise(*stored)
        except (ValueError, normalisers.MalformedPayload) as error:
            raise PermanentEventError(f"the stored body cannot be normalised: {error}") from error
        if normalised.get("ignored"):
            raise IgnoredEvent(normalised["ignored"])
        record = self._dispatch(normalised, context) or None
        self.write(
            {
                "state": "done",
                "payload": normalised,
                "processed_at": fields.Datetime.now(),
                "next_attempt_at": False,
                "claim_token": False,
                "last_error": False,
                "ignored_reason": False,
                "res_model": record._name if record else False,
                "res_id": record.id if record else False,
                "res_name": record.display_name if record else False,
            }
        )

    def _stored_bodies(self):
        """{event id: (payload format, kind, raw body, external id)} for the batch, one query."""
        if not self:
            return {}
        self.flush_model(["endpoint_id", "raw_body", "external_id"])
        self.env["distribution.integration.endpoint"].flush_model(["payload_format", "kind"])
        self.env.cr.execute(
            SQL(
                """SELECT event.id, endpoint.payload_format, endpoint.kind, event.raw_body,
                          event.external_id
                     FROM distribution_integration_event event
                     JOIN distribution_integration_endpoint endpoint
                       ON endpoint.id = event.endpoint_id
                    WHERE event.id IN %s""",
                tuple(self.ids),
            )
        )
        return {row[0]: row[1:] for row in self.env.cr.fetchall()}

    @api.model
    def _normalise(self, payload_format, kind, raw_body, external_id):
        """Normalise the stored body again: a replay benefits from a corrected normaliser."""
        return normalisers.normalise(
            payload_format, json.loads(raw_body or "null"), kind, {"webhook-id": external_id}
        ) | {"external_id": external_id}

    def _dispatch_prepare(self):
        """Hook: read what dispatching the whole batch needs, in a fixed number of queries.

        :return: a dict handed to every :meth:`_dispatch` call of the batch.
        """
        return {}

    def _dispatch(self, normalised, context):
        """Apply one normalised event to the document it names: the mapping's entry point.

        Return the record the event was applied to (or None), raise :class:`IgnoredEvent` when
        it is not for us, :class:`PermanentEventError` when retrying cannot help, any other
        exception to retry later. This version applies nothing: the event is marked done.
        """
        return None

    def _record_failure(self, outcome, detail):
        self.ensure_one()
        now = fields.Datetime.now()
        if outcome == "ignored":
            vals = {"state": "ignored", "ignored_reason": detail[:255], "next_attempt_at": False}
        else:
            message = f"{type(detail).__name__}: {detail}"[:2000]
            if outcome == "permanent" or self.attempts >= self.endpoint_id.max_attempts:
                vals = {"state": "dead", "next_attempt_at": False}
            else:
                vals = {
                    "state": "failed",
                    "next_attempt_at": now + timedelta(seconds=retry_delay(self.attempts)),
                }
            vals["last_error"] = message
            _logger.info(
                "Integration event %s failed (attempt %s): %s", self.id, self.attempts, message
            )
        self.write(dict(vals, processed_at=now, claim_token=False))

    # ------------------------------------------------------------------ actions

    def action_replay(self):
        """Queue failed or dead events again, with a fresh count of attempts."""
        replayable = self.filtered(lambda e: e.state in ("failed", "dead"))
        if not replayable:
            raise UserError(self.env._("Only failed or dead events can be replayed."))
        replayable.write(
            {
                "state": "received",
                "attempts": 0,
                "next_attempt_at": fields.Datetime.now(),
                "claim_token": False,
            }
        )
        self.env.ref("distribution_integrations.ir_cron_integration_event_worker").sudo()._trigger()
        return True

    def action_open_document(self):
        self.ensure_one()
        if not (self.res_model and self.res_id and self.res_model in self.env):
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------ scheduled actions

    @api.model
    def _cron_purge(self, batch_size=10000):
        """Delete done and ignored events older than the retention period, a batch per run.

        Failed and dead events stay until they are replayed or deleted by an administrator.
        """
        days = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(RETENTION_PARAM, DEFAULT_RETENTION_DAYS)
            or 0
        )
        if days <= 0:
            return 0
        cutoff = fields.Datetime.now() - timedelta(days=days)
        purgeable = SQL(
            "state IN ('done', 'ignored') AND received_at < %s",
            cutoff,
        )
        self.env.cr.execute(
            SQL(
                """DELETE FROM distribution_integration_event WHERE id IN (
                       SELECT id FROM distribution_integration_event WHERE %s
                       ORDER BY received_at LIMIT %s)""",
                purgeable,
                batch_size,
            )
        )
        deleted = self.env.cr.rowcount
        remaining = 0
        if deleted == batch_size:
            self.env.cr.execute(
                SQL("SELECT count(*) FROM distribution_integration_event WHERE %s", purgeable)
            )
            remaining = self.env.cr.fetchone()[0]
        self.invalidate_model()
        self.env["ir.cron"]._notify_progress(done=deleted, remaining=remaining)
        return deleted
