# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import fnmatch
import re

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError

from ..tools import standard_webhooks
from .distribution_integration_endpoint import ADMIN_GROUP

EVENT_TYPE_PATTERN = re.compile(r"^[A-Za-z0-9_.*-]+$")


def split_event_types(text):
    """The patterns of a subscription's event types: comma or space separated, ``*`` wildcards;
    none means every event."""
    return [item for item in re.split(r"[\s,]+", text or "") if item]


class DistributionIntegrationSubscription(models.Model):
    """A subscriber (n8n, a partner's system) that receives business events, signed."""

    _name = "distribution.integration.subscription"
    _description = "Integration Subscription"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        help="Watches the deliveries of this subscription.",
    )
    target_url = fields.Char(
        string="Target URL",
        required=True,
        help="Events are POSTed here as JSON, signed per Standard Webhooks.",
    )
    event_types = fields.Char(
        help="Business event types from the outbox, separated by commas, with * as a wildcard: "
        "e.g. exception.raised, approval.*. Empty: every event.",
    )
    known_event_types = fields.Char(string="Event Types Seen", compute="_compute_known_event_types")
    secret = fields.Char(
        copy=False,
        groups=ADMIN_GROUP,
        default=lambda self: standard_webhooks.generate_secret(),
        help="The subscriber verifies each delivery's webhook-signature with this secret.",
    )
    timeout = fields.Integer(
        string="Timeout (s)", default=10, help="How long to wait for the subscriber's answer."
    )
    max_attempts = fields.Integer(
        default=8, help="Attempts before a delivery is dead (then replayed by hand)."
    )
    start_event_id = fields.Integer(
        readonly=True,
        copy=False,
        help="Only outbox events after this one are delivered: a new subscription does not "
        "receive the history.",
    )
    delivery_ids = fields.One2many(
        "distribution.integration.delivery", "subscription_id", string="Deliveries"
    )
    delivery_count = fields.Integer(compute="_compute_delivery_counts")
    problem_count = fields.Integer(string="Failed or Dead", compute="_compute_delivery_counts")

    _sql_constraints = [
        (
            "limits_positive",
            "CHECK(timeout > 0 AND max_attempts > 0)",
            "Timeout and attempts must be positive.",
        ),
    ]

    # ------------------------------------------------------------------ computes

    def _compute_known_event_types(self):
        # the types of the last 30 days (an index range, not the whole outbox)
        self.env.cr.execute(
            """SELECT DISTINCT event_type FROM distribution_event
                WHERE occurred_at > now() AT TIME ZONE 'UTC' - interval '30 days'
                ORDER BY event_type LIMIT 50"""
        )
        known = ", ".join(row[0] for row in self.env.cr.fetchall())
        for subscription in self:
            subscription.known_event_types = known

    def _compute_delivery_counts(self):
        counts = {}
        for subscription, state, count in self.env["distribution.integration.delivery"]._read_group(
            [("subscription_id", "in", self.ids)], ["subscription_id", "state"], ["__count"]
        ):
            total, problems = counts.get(subscription, (0, 0))
            counts[subscription] = (
                total + count,
                problems + (count if state in ("failed", "dead") else 0),
            )
        for subscription in self:
            subscription.delivery_count, subscription.problem_count = counts.get(
                subscription, (0, 0)
            )

    # ------------------------------------------------------------------ constraints

    @api.constrains("target_url")
    def _check_target_url(self):
        for subscription in self:
            if not re.match(r"^https?://[^\s/]+", subscription.target_url or ""):
                raise ValidationError(
                    self.env._("The target URL must start with http:// or https://.")
                )

    @api.constrains("event_types")
    def _check_event_types(self):
        for subscription in self:
            for pattern in split_event_types(subscription.event_types):
                if not EVENT_TYPE_PATTERN.match(pattern):
                    raise ValidationError(
                        self.env._("“%s” is not an event type or a pattern.", pattern)
                    )

    @api.constrains("secret")
    def _check_secret(self):
        for subscription in self.sudo():
            try:
                standard_webhooks.decode_secret(subscription.secret)
            except ValueError as error:
                raise ValidationError(
                    self.env._(
                        "A signing secret is “whsec_” followed by base64 (subscription %s). Use "
                        "Rotate Secret to generate one.",
                        subscription.name,
                    )
                ) from error

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        last_event_id = self._last_event_id()
        for vals in vals_list:
            vals.setdefault("start_event_id", last_event_id)
        subscriptions = super().create(vals_list)
        self.env.registry.clear_cache()
        return subscriptions

    def write(self, vals):
        result = super().write(vals)
        if {"active", "event_types", "company_id"} & set(vals):
            self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    # ------------------------------------------------------------------ actions

    def action_rotate_secret(self):
        """A new signing secret; give it to the subscriber (deliveries use it at once)."""
        for subscription in self:
            subscription.write({"secret": standard_webhooks.generate_secret()})
        return True

    def action_send_test_event(self):
        """Queue a signed ``integration.test`` delivery to each subscription and wake the
        worker: the answer shows in the delivery log within seconds."""
        self.check_access("write")
        deliveries = self.env["distribution.integration.delivery"].sudo()._create_test(self)
        self.env.ref(
            "distribution_integrations.ir_cron_integration_delivery_worker"
        ).sudo()._trigger()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "Test event queued (webhook-id %s). Its result appears in the deliveries.",
                    ", ".join(deliveries.mapped("webhook_id")),
                ),
                "next": self.action_view_deliveries(),
            },
        }

    def action_view_deliveries(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "distribution_integrations.distribution_integration_delivery_action"
        )
        action["domain"] = [("subscription_id", "in", self.ids)]
        return action

    # ------------------------------------------------------------------ helpers

    @api.model
    def _last_event_id(self):
        self.env.cr.execute("SELECT coalesce(max(id), 0) FROM distribution_event")
        return self.env.cr.fetchone()[0]

    @api.model
    @tools.ormcache()
    def _subscribed_patterns(self):
        """The event type patterns of every active subscription (None: a subscription takes
        every event), cached until a subscription changes."""
        patterns = []
        for subscription in self.sudo().search([("active", "=", True)]):
            patterns.extend(split_event_types(subscription.event_types) or [None])
        return tuple(patterns)

    @api.model
    def _is_subscribed(self, event_type):
        return any(
            pattern is None or fnmatch.fnmatchcase(event_type, pattern)
            for pattern in self._subscribed_patterns()
        )
