# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import SQL

MAX_PENDING_AGE_PARAM = "distribution_integrations.health_max_pending_seconds"
DEFAULT_MAX_PENDING_SECONDS = 900
STATS_WINDOW = timedelta(hours=24)
INBOUND_PENDING = ("received", "processing", "failed")
OUTBOUND_PENDING = ("pending", "sending", "failed")


class DistributionIntegrationMonitor(models.AbstractModel):
    """Queue statistics for the dashboard and the health route, each in a few grouped queries.

    The figures are counts, ages and durations only: no payload, no partner, no secret.
    """

    _name = "distribution.integration.monitor"
    _description = "Integration Monitoring"

    @api.model
    def _company_filter(self, company_ids):
        return SQL("TRUE") if company_ids is None else SQL("company_id IN %s", tuple(company_ids))

    @api.model
    def _queue_figures(
        self, table, pending_states, start_column, end_column, done_state, company_ids
    ):
        """Counts by state, the oldest pending row's age and, over STATS_WINDOW, the success
        rate and the lag from ``start_column`` to ``end_column`` (p50, p95, in seconds)."""
        where = self._company_filter(company_ids)
        now = self.env.cr.now()
        self.env.cr.execute(
            SQL(
                "SELECT state, count(*) FROM %s WHERE %s GROUP BY state",
                SQL.identifier(table),
                where,
            )
        )
        by_state = dict(self.env.cr.fetchall())
        self.env.cr.execute(
            SQL(
                """SELECT extract(epoch FROM %(now)s - min(%(start)s))
                     FROM %(table)s WHERE state IN %(pending)s AND %(where)s""",
                now=now,
                start=SQL.identifier(start_column),
                table=SQL.identifier(table),
                pending=pending_states,
                where=where,
            )
        )
        oldest = self.env.cr.fetchone()[0]
        self.env.cr.execute(
            SQL(
                """SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag),
                          percentile_cont(0.95) WITHIN GROUP (ORDER BY lag),
                          count(*) FILTER (WHERE state = %(done)s),
                          count(*) FILTER (WHERE state = 'dead')
                     FROM (SELECT state,
                                  extract(epoch FROM %(end)s - %(start)s) AS lag
                             FROM %(table)s
                            WHERE %(start)s >= %(since)s AND %(where)s) recent""",
                done=done_state,
                end=SQL.identifier(end_column),
                start=SQL.identifier(start_column),
                table=SQL.identifier(table),
                since=now - STATS_WINDOW,
                where=where,
            )
        )
        p50, p95, done, dead = self.env.cr.fetchone()
        finished = done + dead
        return {
            "by_state": by_state,
            "backlog": sum(by_state.get(state, 0) for state in pending_states),
            "dead": by_state.get("dead", 0),
            "failed": by_state.get("failed", 0),
            "oldest_pending_seconds": round(float(oldest), 1) if oldest is not None else None,
            "lag_p50_seconds": round(p50, 3) if p50 is not None else None,
            "lag_p95_seconds": round(p95, 3) if p95 is not None else None,
            "success_rate": round(100.0 * done / finished, 1) if finished else None,
        }

    @api.model
    def _last_run(self, xmlid):
        cron = self.env.ref(xmlid, raise_if_not_found=False)
        return cron.sudo().lastcall if cron else None

    @api.model
    def _statistics(self, company_ids=None):
        self.env["distribution.integration.event"].flush_model()
        self.env["distribution.integration.delivery"].flush_model()
        inbound = self._queue_figures(
            "distribution_integration_event",
            INBOUND_PENDING,
            "received_at",
            "processed_at",
            "done",
            company_ids,
        )
        outbound = self._queue_figures(
            "distribution_integration_delivery",
            OUTBOUND_PENDING,
            "create_date",
            "delivered_at",
            "delivered",
            company_ids,
        )
        inbound["last_worker_run"] = self._last_run(
            "distribution_integrations.ir_cron_integration_event_worker"
        )
        outbound["last_worker_run"] = self._last_run(
            "distribution_integrations.ir_cron_integration_delivery_worker"
        )
        return {"inbound": inbound, "outbound": outbound}

    @api.model
    def _health(self):
        """The JSON of the health route: ok, or degraded with the reasons (codes only)."""
        max_pending = int(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(MAX_PENDING_AGE_PARAM, DEFAULT_MAX_PENDING_SECONDS)
        )
        stats = self._statistics()
        reasons = []
        for direction, figures in stats.items():
            if figures["dead"]:
                reasons.append(f"{direction}_dead_letters")
            if (figures["oldest_pending_seconds"] or 0) > max_pending:
                reasons.append(f"{direction}_backlog_stale")
        body = {
            "status": "degraded" if reasons else "ok",
            "reasons": reasons,
            "checked_at": _iso(self.env.cr.now()),
            "max_pending_seconds": max_pending,
        }
        for direction, figures in stats.items():
            body[direction] = {
                "backlog": figures["backlog"],
                "by_state": figures["by_state"],
                "oldest_pending_seconds": figures["oldest_pending_seconds"],
                "dead": figures["dead"],
                "failed": figures["failed"],
                "lag_p50_seconds": figures["lag_p50_seconds"],
                "lag_p95_seconds": figures["lag_p95_seconds"],
                "last_worker_run": _iso(figures["last_worker_run"]),
            }
        return body


def _iso(value):
    return value.replace(tzinfo=None).isoformat(timespec="seconds") + "Z" if value else None


class DistributionIntegrationDashboard(models.TransientModel):
    """Integration Dashboard: the figures of the monitor for the user's companies."""

    _name = "distribution.integration.dashboard"
    _description = "Integration Dashboard"

    name = fields.Char(default="Integration Dashboard")
    event_backlog = fields.Integer(string="Inbound Backlog", compute="_compute_figures")
    event_oldest_pending = fields.Float(
        string="Oldest Pending Event (min)", compute="_compute_figures", digits=(16, 1)
    )
    event_lag_p50 = fields.Float(
        string="Processing Lag p50 (s)", compute="_compute_figures", digits=(16, 3)
    )
    event_lag_p95 = fields.Float(
        string="Processing Lag p95 (s)", compute="_compute_figures", digits=(16, 3)
    )
    event_success_rate = fields.Float(
        string="Inbound Success Rate (%)", compute="_compute_figures", digits=(16, 1)
    )
    event_failed = fields.Integer(string="Failed Events", compute="_compute_figures")
    event_dead = fields.Integer(string="Dead Events", compute="_compute_figures")
    delivery_backlog = fields.Integer(string="Outbound Backlog", compute="_compute_figures")
    delivery_oldest_pending = fields.Float(
        string="Oldest Pending Delivery (min)", compute="_compute_figures", digits=(16, 1)
    )
    delivery_lag_p50 = fields.Float(
        string="Delivery Lag p50 (s)", compute="_compute_figures", digits=(16, 3)
    )
    delivery_lag_p95 = fields.Float(
        string="Delivery Lag p95 (s)", compute="_compute_figures", digits=(16, 3)
    )
    delivery_success_rate = fields.Float(
        string="Delivery Success Rate (%)", compute="_compute_figures", digits=(16, 1)
    )
    delivery_failed = fields.Integer(string="Failed Deliveries", compute="_compute_figures")
    delivery_dead = fields.Integer(string="Dead Deliveries", compute="_compute_figures")
    event_worker_last_run = fields.Datetime(string="Inbound Worker Ran", compute="_compute_figures")
    delivery_worker_last_run = fields.Datetime(
        string="Outbound Worker Ran", compute="_compute_figures"
    )
    endpoint_table = fields.Html(
        string="Events by Endpoint and State", compute="_compute_figures", sanitize=False
    )

    def _compute_figures(self):
        # ACL on the queues first: the figures are read in SQL
        self.env["distribution.integration.event"].check_access("read")
        self.env["distribution.integration.delivery"].check_access("read")
        stats = self.env["distribution.integration.monitor"]._statistics(self.env.companies.ids)
        table = self._endpoint_table()
        for dashboard in self:
            for prefix, figures in (("event", stats["inbound"]), ("delivery", stats["outbound"])):
                dashboard[f"{prefix}_backlog"] = figures["backlog"]
                oldest = figures["oldest_pending_seconds"] or 0
                dashboard[f"{prefix}_oldest_pending"] = oldest / 60
                dashboard[f"{prefix}_lag_p50"] = figures["lag_p50_seconds"] or 0
                dashboard[f"{prefix}_lag_p95"] = figures["lag_p95_seconds"] or 0
                dashboard[f"{prefix}_success_rate"] = figures["success_rate"] or 0
                dashboard[f"{prefix}_failed"] = figures["failed"]
                dashboard[f"{prefix}_dead"] = figures["dead"]
                dashboard[f"{prefix}_worker_last_run"] = figures["last_worker_run"]
            dashboard.endpoint_table = table

    def _endpoint_table(self):
        states = self.env["distribution.integration.event"]._fields["state"].selection
        rows = self.env["distribution.integration.event"]._read_group(
            [("company_id", "in", self.env.companies.ids)], ["endpoint_id", "state"], ["__count"]
        )
        counts = {}
        for endpoint, state, count in rows:
            counts.setdefault(endpoint, {})[state] = count
        head = "".join(f"<th class='text-end'>{escape(label)}</th>" for _key, label in states)
        lines = [
            Markup("<tr><td>{}</td>{}</tr>").format(
                endpoint.display_name,
                Markup("").join(
                    Markup("<td class='text-end'>{}</td>").format(values.get(key, 0))
                    for key, _label in states
                ),
            )
            for endpoint, values in sorted(counts.items(), key=lambda item: item[0].display_name)
        ]
        return Markup(
            "<table class='table table-sm o_integration_dashboard'><thead><tr><th>{}</th>{}"
            "</tr></thead><tbody>{}</tbody></table>"
        ).format(self.env._("Endpoint"), Markup(head), Markup("").join(lines))

    @api.model
    def action_open(self):
        dashboard = self.create({})
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Integration Dashboard"),
            "res_model": self._name,
            "res_id": dashboard.id,
            "view_mode": "form",
            "target": "current",
        }

    def action_refresh(self):
        return self.action_open()
