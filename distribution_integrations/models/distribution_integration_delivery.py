# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import logging
import threading
import time
import uuid
from datetime import timedelta

import requests

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import standard_webhooks
from .distribution_integration_event import retry_delay

_logger = logging.getLogger(__name__)

CURSOR_PARAM = "distribution_integrations.outbox_cursor"
# Outbox rows are numbered when inserted but become visible when their transaction commits, so
# a row can appear behind the cursor; events this recent are looked at again (once delivered,
# the unique (subscription, event) index makes a second look a no-op).
LOOKBACK = timedelta(minutes=10)
FAN_OUT_BATCH = 1000
SEND_BATCH = 20
RESPONSE_MAX = 2000
TEST_EVENT_TYPE = "integration.test"
USER_AGENT = "DistributionControl-Webhooks/1.0"
STATES = [
    ("pending", "Pending"),
    ("sending", "Sending"),
    ("delivered", "Delivered"),
    ("failed", "Failed"),
    ("dead", "Dead"),
]
QUEUED_STATES = ("pending", "failed", "sending")


class DistributionIntegrationDelivery(models.Model):
    """One business event to deliver to one subscription, with the log of its attempts.

    Created in batches from the outbox by the delivery worker, after the business transaction
    committed; sent signed per Standard Webhooks with the same ``webhook-id`` on every attempt,
    so the subscriber can drop a delivery it already has.
    """

    _name = "distribution.integration.delivery"
    _description = "Integration Delivery"
    _inherit = ["distribution.integration.queue.mixin"]
    _order = "id desc"
    _rec_name = "webhook_id"
    _queue_states = QUEUED_STATES
    _queue_working_state = "sending"

    subscription_id = fields.Many2one(
        "distribution.integration.subscription",
        required=True,
        readonly=True,
        index=True,
        ondelete="cascade",
    )
    event_id = fields.Many2one(
        "distribution.event",
        string="Business Event",
        readonly=True,
        index="btree_not_null",
        ondelete="cascade",
    )
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    event_type = fields.Char(readonly=True, index=True)
    webhook_id = fields.Char(
        string="Webhook ID",
        required=True,
        readonly=True,
        copy=False,
        help="Sent as webhook-id, the same on every attempt: the subscriber's idempotency key.",
    )
    body = fields.Text(readonly=True, help="The JSON sent, built at the first attempt.")
    state = fields.Selection(STATES, required=True, default="pending", readonly=True, index=True)
    attempts = fields.Integer(readonly=True)
    next_attempt_at = fields.Datetime(readonly=True)
    claim_token = fields.Char(readonly=True, copy=False)
    delivered_at = fields.Datetime(readonly=True)
    last_status_code = fields.Integer(string="Last HTTP Status", readonly=True)
    last_error = fields.Text(readonly=True)
    attempt_ids = fields.One2many(
        "distribution.integration.delivery.attempt", "delivery_id", string="Attempts Log"
    )

    _sql_constraints = [
        (
            "subscription_event_unique",
            "UNIQUE(subscription_id, event_id)",
            "This event is already queued for this subscription.",
        ),
    ]

    def init(self):
        self.env.cr.execute(
            SQL(
                """CREATE INDEX IF NOT EXISTS distribution_integration_delivery_queue_idx
                   ON distribution_integration_delivery (next_attempt_at, id)
                   WHERE state IN %s""",
                QUEUED_STATES,
            )
        )

    # ------------------------------------------------------------------ creation

    @api.model
    def _create_test(self, subscriptions):
        return self.create(
            [
                {
                    "subscription_id": subscription.id,
                    "company_id": subscription.company_id.id,
                    "event_type": TEST_EVENT_TYPE,
                    "webhook_id": self._new_webhook_id(),
                    "next_attempt_at": fields.Datetime.now(),
                }
                for subscription in subscriptions
            ]
        )

    @staticmethod
    def _new_webhook_id():
        return f"msg_{uuid.uuid4().hex}"

    @api.model
    def _fan_out(self, limit=FAN_OUT_BATCH):
        """Queue a delivery for each new outbox event and each active subscription it matches,
        in one INSERT ... SELECT; move the cursor past the batch.

        :return: (deliveries created, outbox events left after the batch)
        """
        params = self.env["ir.config_parameter"].sudo()
        self.env.cr.execute(
            "SELECT coalesce(min(start_event_id), -1) FROM distribution_integration_subscription "
            "WHERE active"
        )
        first_start = self.env.cr.fetchone()[0]
        if first_start < 0:
            # no subscriber: nothing to queue, and nothing to catch up on later
            last = self.env["distribution.integration.subscription"]._last_event_id()
            params.set_param(CURSOR_PARAM, str(last))
            return 0, 0
        cursor = int(params.get_param(CURSOR_PARAM, "0") or 0)
        cursor = max(cursor, first_start) if cursor == 0 else cursor
        self.env.cr.execute(
            SQL(
                """SELECT max(id) FROM (
                       SELECT id FROM distribution_event
                        WHERE id > %s ORDER BY id LIMIT %s) batch""",
                cursor,
                limit,
            )
        )
        upto = self.env.cr.fetchone()[0] or cursor
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                """INSERT INTO distribution_integration_delivery
                       (subscription_id, event_id, company_id, event_type, webhook_id, state,
                        attempts, next_attempt_at, create_uid, write_uid, create_date, write_date)
                   SELECT sub.id, event.id, sub.company_id, event.event_type,
                          'msg_' || replace(gen_random_uuid()::text, '-', ''), 'pending', 0,
                          %(now)s, %(uid)s, %(uid)s, %(now)s, %(now)s
                     FROM distribution_event event
                     JOIN distribution_integration_subscription sub
                       ON sub.active
                      AND event.id > sub.start_event_id
                      AND (event.company_id IS NULL OR event.company_id = sub.company_id)
                      AND (coalesce(btrim(sub.event_types), '') = ''
                           OR event.event_type LIKE ANY (
                               SELECT replace(replace(pattern, '_', %(escaped_underscore)s),
                                              '*', %(any)s)
                                 FROM regexp_split_to_table(btrim(sub.event_types, ' ,'),
                                                            '[\\s,]+') pattern))
                    WHERE (event.id > %(cursor)s AND event.id <= %(upto)s)
                       OR (event.id <= %(cursor)s AND event.occurred_at >= %(lookback)s)
                   ON CONFLICT (subscription_id, event_id) DO NOTHING""",
                now=now,
                uid=self.env.uid,
                cursor=cursor,
                upto=upto,
                lookback=now - LOOKBACK,
                # event types are letters, digits, dots, dashes and underscores (checked on
                # the subscription): * is the only wildcard, _ is literal
                escaped_underscore="\\_",
                any="%",
            )
        )
        created = self.env.cr.rowcount
        if upto != cursor:
            params.set_param(CURSOR_PARAM, str(upto))
        self.env.cr.execute(
            SQL(
                """SELECT count(*) FROM (
                       SELECT 1 FROM distribution_event WHERE id > %s LIMIT %s) rest""",
                upto,
                limit,
            )
        )
        return created, self.env.cr.fetchone()[0]

    # ------------------------------------------------------------------ worker

    @api.model
    def _cron_deliver(self, batch_size=SEND_BATCH, auto_commit=None):
        """Queue deliveries for new outbox events, then send a batch of due deliveries.

        Runs after the business transactions committed (a scheduled action, woken by
        ``distribution.event._emit`` when a subscription wants the event): a rolled-back
        transaction left no outbox row, so nothing is sent for it.
        """
        if auto_commit is None:
            auto_commit = not getattr(threading.current_thread(), "testing", False)
        _created, outbox_left = self._fan_out()
        if auto_commit:
            # keep the queued deliveries even if the claim has to start a new transaction
            self.env.cr.commit()  # pylint: disable=invalid-commit
        token, deliveries = self._queue_claim(batch_size, own_transaction=auto_commit)
        if auto_commit:
            # the claim must survive a crash
            self.env.cr.commit()  # pylint: disable=invalid-commit
        deliveries = deliveries._queue_lock_claimed(token)
        deliveries._send()
        self._queue_report_progress(
            len(deliveries), outbox_left + self._queue_count_due(batch_size)
        )
        return deliveries

    def _send(self):
        """Send each claimed delivery and record the attempt."""
        attempts = []
        for delivery in self:
            attempts.append(delivery._send_one())
        self.env["distribution.integration.delivery.attempt"].create(attempts)
        return self

    def _build_body(self):
        self.ensure_one()
        event = self.event_id
        if event:
            data = {
                "event_id": event.id,
                "company_id": event.company_id.id or None,
                "document": {
                    "model": event.res_model,
                    "id": event.res_id or None,
                    "name": event.res_name,
                },
                "payload": event.payload,
            }
            occurred_at = event.occurred_at
        else:
            data = {"test": True, "subscription": self.subscription_id.name}
            occurred_at = self.create_date
        return json.dumps(
            {
                "type": self.event_type,
                "timestamp": occurred_at.isoformat(timespec="seconds") + "Z",
                "data": data,
            },
            separators=(",", ":"),
            default=str,
        )

    def _send_one(self):
        """POST this delivery once; return the values of its attempt log line."""
        self.ensure_one()
        subscription = self.subscription_id.sudo()
        if not self.body:
            self.body = self._build_body()
        body = self.body.encode()
        headers = standard_webhooks.sign_headers(subscription.secret, self.webhook_id, body)
        headers.update({"Content-Type": "application/json", "User-Agent": USER_AGENT})
        status, response_text, error = 0, "", ""
        started = time.perf_counter()
        try:
            response = requests.post(
                subscription.target_url,
                data=body,
                headers=headers,
                timeout=subscription.timeout,
                allow_redirects=False,
            )
            status, response_text = response.status_code, response.text[:RESPONSE_MAX]
            if not 200 <= status < 300:
                error = f"HTTP {status}"
        except requests.Timeout:
            error = f"Timeout: no answer within {subscription.timeout} s"
        except requests.RequestException as exception:
            error = f"{type(exception).__name__}: {exception}"[:RESPONSE_MAX]
        duration_ms = int((time.perf_counter() - started) * 1000)
        now = fields.Datetime.now()
        if not error:
            vals = {"state": "delivered", "delivered_at": now, "next_attempt_at": False}
        elif self.attempts >= subscription.max_attempts:
            vals = {"state": "dead", "next_attempt_at": False}
            _logger.warning(
                "Delivery %s to subscription %s is dead after %s attempts: %s",
                self.id,
                subscription.id,
                self.attempts,
                error,
            )
        else:
            vals = {
                "state": "failed",
                "next_attempt_at": now + timedelta(seconds=retry_delay(self.attempts)),
            }
        self.write(
            dict(vals, last_status_code=status, last_error=error or False, claim_token=False)
        )
        return {
            "delivery_id": self.id,
            "attempt": self.attempts,
            "sent_at": now,
            "status_code": status,
            "duration_ms": duration_ms,
            "response": response_text,
            "error": error or False,
        }

    # ------------------------------------------------------------------ actions

    def action_replay(self):
        """Queue failed or dead deliveries again (same webhook-id, attempts from zero)."""
        replayable = self.filtered(lambda d: d.state in ("failed", "dead"))
        if not replayable:
            raise UserError(self.env._("Only failed or dead deliveries can be replayed."))
        replayable.write(
            {
                "state": "pending",
                "attempts": 0,
                "next_attempt_at": fields.Datetime.now(),
                "claim_token": False,
            }
        )
        self.env.ref(
            "distribution_integrations.ir_cron_integration_delivery_worker"
        ).sudo()._trigger()
        return True


class DistributionIntegrationDeliveryAttempt(models.Model):
    """One HTTP attempt of a delivery: when, the answer's status, how long, what came back."""

    _name = "distribution.integration.delivery.attempt"
    _description = "Integration Delivery Attempt"
    _order = "id desc"

    delivery_id = fields.Many2one(
        "distribution.integration.delivery", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="delivery_id.company_id", store=True)
    attempt = fields.Integer(readonly=True)
    sent_at = fields.Datetime(readonly=True)
    status_code = fields.Integer(string="HTTP Status", readonly=True)
    duration_ms = fields.Integer(string="Duration (ms)", readonly=True)
    response = fields.Text(readonly=True, help=f"The answer's first {RESPONSE_MAX} characters.")
    error = fields.Text(readonly=True)
