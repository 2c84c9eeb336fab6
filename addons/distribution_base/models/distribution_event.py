# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
from datetime import timedelta

from psycopg2.extras import Json

from odoo import api, fields, models
from odoo.tools import SQL

RETENTION_PARAM = "distribution_base.event_retention_days"
DEFAULT_RETENTION_DAYS = 365


class DistributionEvent(models.Model):
    """Business-event outbox: one append-only row per thing that happened to a document.

    Rows are written by :meth:`_emit` in one INSERT per call, read by dashboards and by the
    outbound delivery worker, and purged by the retention scheduled action.
    """

    _name = "distribution.event"
    _description = "Business Event"
    _order = "occurred_at desc, id desc"
    _rec_name = "event_type"
    _log_access = True

    event_type = fields.Char(
        required=True,
        readonly=True,
        index=True,
        help="What happened, as <subject>.<verb>: exception.raised, approval.granted, ...",
    )
    model_id = fields.Many2one(
        "ir.model",
        string="Document Type",
        readonly=True,
        index=True,
        ondelete="set null",
    )
    res_model = fields.Char(string="Document Model", readonly=True, index=True)
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model", readonly=True)
    res_name = fields.Char(string="Document", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    user_id = fields.Many2one(
        "res.users",
        string="Triggered By",
        readonly=True,
        help="The user whose action produced the event.",
    )
    occurred_at = fields.Datetime(required=True, readonly=True, default=fields.Datetime.now)
    payload = fields.Json(readonly=True)
    payload_text = fields.Text(string="Payload (JSON)", compute="_compute_payload_text")

    def init(self):
        # The dashboards read a time window filtered by type or company, and the outbound
        # worker reads "events of these types after id N"; the document lookup serves the chatter
        # side (all events of one record).
        for name, columns in (
            ("type_occurred", "event_type, occurred_at"),
            ("company_occurred", "company_id, occurred_at"),
            ("occurred", "occurred_at"),
            ("document", "res_model, res_id"),
            ("type_id", "event_type, id"),
        ):
            self.env.cr.execute(
                SQL(
                    "CREATE INDEX IF NOT EXISTS %s ON distribution_event (%s)",
                    SQL.identifier(f"distribution_event_{name}_idx"),
                    SQL(columns),
                )
            )

    @api.depends("payload")
    def _compute_payload_text(self):
        for event in self:
            event.payload_text = (
                json.dumps(event.payload, indent=2, sort_keys=True, default=str)
                if event.payload
                else ""
            )

    # ------------------------------------------------------------------ actions

    def action_open_document(self):
        self.ensure_one()
        if not (self.res_model and self.res_id and self.res_model in self.env):
            return False
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------------ API

    @api.model
    def _emit(self, event_type, records, payload=None, occurred_at=None):
        """Append one ``event_type`` event per record of ``records`` with a single INSERT.

        :param records: any recordset; its company comes from ``company_id`` when the model
            has one, else from the current company.
        :param payload: ``None``, a dict shared by every event, or a callable
            ``record -> dict`` (it must not query per record).
        :param occurred_at: when it happened (default: now).
        :return: the new events, in the order of ``records``.
        """
        if not records:
            return self.browse()
        occurred_at = occurred_at or fields.Datetime.now()
        model_id = self.env["ir.model"]._get_id(records._name)
        has_company = "company_id" in records._fields
        default_company_id = self.env.company.id
        uid, now = self.env.uid, self.env.cr.now()
        params = []
        for record in records:
            data = payload(record) if callable(payload) else payload
            params.extend(
                (
                    event_type,
                    model_id,
                    records._name,
                    record.id,
                    record.display_name,
                    record.company_id.id or None if has_company else default_company_id,
                    uid,
                    occurred_at,
                    None if data is None else Json(data),
                    uid,
                    uid,
                    now,
                    now,
                )
            )
        row = "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        # Plain placeholders rather than one SQL object per row: psycopg2 binds them in C, which
        # keeps a 10,000-record call in one statement without Python-side composition cost.
        self.env.cr.execute(
            f"""INSERT INTO distribution_event (event_type, model_id, res_model, res_id,
                    res_name, company_id, user_id, occurred_at, payload,
                    create_uid, write_uid, create_date, write_date)
                VALUES {", ".join([row] * len(records))} RETURNING id""",
            params,
        )
        return self.browse(row[0] for row in self.env.cr.fetchall())

    # ------------------------------------------------------------------ scheduled actions

    @api.model
    def _cron_purge_expired(self, batch_size=10000):
        """Delete events older than the retention period, a batch per run.

        When more remain, the cron reports progress so Odoo runs it again at once, in a new
        transaction: a large backlog is purged in committed chunks and can be interrupted.
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
        self.env.cr.execute(
            SQL(
                """DELETE FROM distribution_event WHERE id IN (
                       SELECT id FROM distribution_event WHERE occurred_at < %s
                       ORDER BY occurred_at LIMIT %s)""",
                cutoff,
                batch_size,
            )
        )
        deleted = self.env.cr.rowcount
        remaining = 0
        if deleted == batch_size:
            self.env.cr.execute(
                SQL("SELECT count(*) FROM distribution_event WHERE occurred_at < %s", cutoff)
            )
            remaining = self.env.cr.fetchone()[0]
        self.invalidate_model()
        self.env["ir.cron"]._notify_progress(done=deleted, remaining=remaining)
        return deleted
