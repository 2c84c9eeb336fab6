# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import uuid
from datetime import datetime, timedelta

from psycopg2 import errors as pg_errors

from odoo import api, models
from odoo.tools import SQL

# A claimed row is leased to its worker; if the worker dies, the row is claimable again once the
# lease ends (and the attempt counts, so a row that kills workers ends dead).
LEASE = timedelta(minutes=10)
CLAIM_TRIES = 3


class DistributionIntegrationQueueMixin(models.AbstractModel):
    """A table worked as a queue: rows due by ``next_attempt_at`` are claimed in batches with
    ``FOR UPDATE SKIP LOCKED``, leased to their worker, then locked again for the work.

    The host model has the columns ``state``, ``attempts``, ``next_attempt_at`` and
    ``claim_token``, and says which states wait in the queue and which one a claimed row takes.
    The inbound events and the outbound deliveries are both worked this way.
    """

    _name = "distribution.integration.queue.mixin"
    _description = "Integration Queue (claim with SKIP LOCKED)"

    _queue_states = ()
    _queue_working_state = None

    @api.model
    def _queue_now(self):
        """The moment rows are due by: the later of this server's clock (to the microsecond,
        unlike fields.Datetime.now()) and the database's, which may have stamped the rows; a
        row queued a moment ago is due for the worker it wakes even if the clocks differ."""
        return max(datetime.now(), self.env.cr.now())

    @api.model
    def _queue_claim(self, limit, own_transaction=False):
        """Mark up to ``limit`` due rows as worked for a new claim token, in one query; rows
        another worker holds locked are skipped, not waited for.

        :param own_transaction: the caller has nothing uncommitted (a scheduled action that
            commits): when another worker claimed or put back rows after this transaction's
            snapshot was taken, locking them is a serialization failure under repeatable read,
            and the claim is made again in a new transaction.
        :return: (claim token, claimed records in id order)
        """
        for _try in range(CLAIM_TRIES - 1 if own_transaction else 0):
            try:
                return self._queue_claim_once(limit)
            except pg_errors.SerializationFailure:
                self.env.cr.rollback()
        return self._queue_claim_once(limit)

    @api.model
    def _queue_claim_once(self, limit):
        self.flush_model()
        token = uuid.uuid4().hex
        now = self._queue_now()
        table = SQL.identifier(self._table)
        self.env.cr.execute(
            SQL(
                """WITH due AS MATERIALIZED (
                       SELECT id FROM %(table)s
                        WHERE state IN %(queued)s AND next_attempt_at <= %(now)s
                        ORDER BY next_attempt_at, id
                        LIMIT %(limit)s
                          FOR UPDATE SKIP LOCKED)
                   UPDATE %(table)s queued
                      SET state = %(working)s, attempts = queued.attempts + 1,
                          claim_token = %(token)s, next_attempt_at = %(lease_end)s,
                          write_uid = %(uid)s, write_date = %(now)s
                     FROM due
                    WHERE queued.id = due.id
                RETURNING queued.id""",
                table=table,
                queued=tuple(self._queue_states),
                working=self._queue_working_state,
                token=token,
                lease_end=now + LEASE,
                uid=self.env.uid,
                now=now,
                limit=limit,
            )
        )
        ids = sorted(row[0] for row in self.env.cr.fetchall())
        self.invalidate_model()
        return token, self.browse(ids)

    def _queue_lock_claimed(self, token):
        """The records of ``self`` still held by claim ``token``, locked for this transaction."""
        if not self:
            return self
        self.env.cr.execute(
            SQL(
                """SELECT id FROM %s
                    WHERE id IN %s AND claim_token = %s AND state = %s
                    ORDER BY id
                      FOR UPDATE SKIP LOCKED""",
                SQL.identifier(self._table),
                tuple(self.ids),
                token,
                self._queue_working_state,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _queue_report_progress(self, done, remaining):
        """Tell the running scheduled action how far it got. A cron worker that ends a run with
        work left sleeps until its next poll (a minute or more) unless notified, and the trigger
        that woke it is still there: so notify the cron workers again after the commit."""
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if remaining:
            self.env.cr.postcommit.add(self.env["ir.cron"]._notifydb)

    @api.model
    def _queue_count_due(self, limit):
        self.env.cr.execute(
            SQL(
                """SELECT count(*) FROM (
                       SELECT 1 FROM %s
                        WHERE state IN %s AND next_attempt_at <= %s LIMIT %s) due""",
                SQL.identifier(self._table),
                tuple(self._queue_states),
                self._queue_now(),
                limit,
            )
        )
        return self.env.cr.fetchone()[0]
