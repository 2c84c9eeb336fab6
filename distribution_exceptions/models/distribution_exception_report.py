# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import fields, models, tools
from odoo.tools import SQL

from .distribution_exception_rule import OPEN_STATES


class DistributionExceptionReport(models.Model):
    """Exceptions Dashboard: one read-only row per exception, with its age, aging bucket, SLA
    outcome and time to close, computed by a PostgreSQL view.

    Averages in a pivot or graph give the figures managers follow: the average of
    ``breach_rate`` is the SLA breach rate in %, the average of ``hours_to_close`` the mean time
    to resolve, the average of ``age_days`` the mean age of what is still open.
    """

    _name = "distribution.exception.report"
    _description = "Exceptions Analysis"
    _auto = False
    _rec_name = "res_name"
    _order = "opened_at desc, id desc"

    exception_id = fields.Many2one("distribution.exception", readonly=True)
    rule_id = fields.Many2one("distribution.exception.rule", readonly=True)
    severity = fields.Selection(
        [("info", "Info"), ("warning", "Warning"), ("blocking", "Blocking")], readonly=True
    )
    state = fields.Selection(
        [
            ("open", "Open"),
            ("acknowledged", "Acknowledged"),
            ("resolved", "Resolved"),
            ("waived", "Waived"),
            ("cleared", "Auto-cleared"),
        ],
        readonly=True,
    )
    is_open = fields.Boolean(string="Open", readonly=True)
    category = fields.Selection(
        [("business", "Business"), ("technical", "Technical")], readonly=True
    )
    owner_id = fields.Many2one("res.users", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    res_model = fields.Char(string="Document Model", readonly=True)
    res_name = fields.Char(string="Document", readonly=True)
    opened_at = fields.Datetime(string="Opened", readonly=True)
    closed_at = fields.Datetime(string="Closed", readonly=True)
    deadline = fields.Datetime(readonly=True)
    age_days = fields.Float(
        string="Age (days)",
        digits=(16, 1),
        aggregator="avg",
        readonly=True,
        help="Days since the exception was opened, for open exceptions only.",
    )
    aging_bucket = fields.Selection(
        [
            ("0-1", "< 1 day"),
            ("1-3", "1-3 days"),
            ("3-7", "3-7 days"),
            ("7+", "> 7 days"),
            ("closed", "Closed"),
        ],
        string="Aging",
        readonly=True,
    )
    is_breached = fields.Boolean(
        string="SLA Breached",
        readonly=True,
        help="Marked by the SLA check, or still open past its deadline, or closed after it.",
    )
    breach_rate = fields.Float(
        string="SLA Breach Rate (%)",
        digits=(16, 1),
        aggregator="avg",
        readonly=True,
        help="100 for a breached exception, 0 otherwise: its average is the breach rate.",
    )
    hours_to_close = fields.Float(
        string="Hours to Resolve",
        digits=(16, 1),
        aggregator="avg",
        readonly=True,
        help="Hours from opening to closing (resolved, waived or auto-cleared), for closed "
        "exceptions only: its average is the mean time to resolve.",
    )
    open_count = fields.Integer(string="# Open", readonly=True)
    breached_count = fields.Integer(string="# Breached", readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL("CREATE OR REPLACE VIEW %s AS (%s)", SQL.identifier(self._table), self._query())
        )

    def _query(self):
        # Datetimes are stored as UTC without time zone; now() is the transaction's start.
        now = SQL("(now() AT TIME ZONE 'UTC')")
        is_open = SQL("(e.state IN %s)", OPEN_STATES)
        breached = SQL(
            "(COALESCE(e.is_breached, FALSE) OR COALESCE(e.deadline < "
            "CASE WHEN %(is_open)s THEN %(now)s ELSE e.closed_at END, FALSE))",
            is_open=is_open,
            now=now,
        )
        age_days = SQL(
            "CASE WHEN %(is_open)s THEN EXTRACT(EPOCH FROM %(now)s - e.opened_at) / 86400.0 END",
            is_open=is_open,
            now=now,
        )
        return SQL(
            """
            SELECT e.id AS id,
                   e.id AS exception_id,
                   e.rule_id,
                   e.severity,
                   e.state,
                   %(is_open)s AS is_open,
                   e.category,
                   e.owner_id,
                   e.company_id,
                   e.res_model,
                   e.res_name,
                   e.opened_at,
                   e.closed_at,
                   e.deadline,
                   %(age_days)s AS age_days,
                   CASE WHEN NOT %(is_open)s THEN 'closed'
                        WHEN e.opened_at IS NULL THEN NULL
                        WHEN %(age_days)s < 1 THEN '0-1'
                        WHEN %(age_days)s < 3 THEN '1-3'
                        WHEN %(age_days)s < 7 THEN '3-7'
                        ELSE '7+'
                   END AS aging_bucket,
                   %(breached)s AS is_breached,
                   CASE WHEN %(breached)s THEN 100.0 ELSE 0.0 END AS breach_rate,
                   CASE WHEN NOT %(is_open)s AND e.closed_at IS NOT NULL
                        THEN EXTRACT(EPOCH FROM e.closed_at - e.opened_at) / 3600.0
                   END AS hours_to_close,
                   CASE WHEN %(is_open)s THEN 1 ELSE 0 END AS open_count,
                   CASE WHEN %(breached)s THEN 1 ELSE 0 END AS breached_count
              FROM distribution_exception e
            """,
            is_open=is_open,
            age_days=age_days,
            breached=breached,
        )

    def action_open_exception(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "distribution.exception",
            "res_id": self.exception_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }
