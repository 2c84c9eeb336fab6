# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import logging
import math
import secrets
from datetime import timedelta

from odoo import api, fields, models, tools
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from ..tools import normalisers, signatures, standard_webhooks

_logger = logging.getLogger(__name__)

ADMIN_GROUP = "distribution_base.group_integration_admin"
WEBHOOK_ROUTE = "/distribution/webhooks"
JSON_MIMETYPES = ("application/json",)
KINDS = [
    ("carrier_tracking", "Carrier tracking"),
    ("supplier_ack", "Supplier acknowledgement"),
    ("ship_notice", "Advance ship notice"),
    ("supplier_delay", "Supplier delay"),
    ("generic", "Generic"),
]
PAYLOAD_FORMATS = [
    ("native", "Distribution Control JSON"),
    ("easypost", "EasyPost"),
    ("aftership", "AfterShip"),
    ("shippo", "Shippo"),
]
AUTH_SCHEMES = [
    ("standard_webhooks", "Standard Webhooks (HMAC-SHA256)"),
    ("easypost_hmac", "EasyPost X-Hmac-Signature"),
    ("aftership_hmac", "AfterShip aftership-hmac-sha256"),
    ("bearer", "Bearer token"),
    ("url_token", "URL token only"),
]
CARRIER_FORMATS = ("easypost", "aftership", "shippo")
# The secret we generate for each scheme; None: the partner gives it (AfterShip) or none is used.
SECRET_FACTORIES = {
    "standard_webhooks": standard_webhooks.generate_secret,
    "easypost_hmac": lambda: secrets.token_urlsafe(32),
    "bearer": lambda: secrets.token_urlsafe(32),
    "aftership_hmac": None,
    "url_token": None,
}


class WebhookRejected(Exception):
    """A webhook request refused with an HTTP status; ``code`` and ``message`` go in the body.

    Messages are written for the sender: they never hold a secret, a signature or the body.
    """

    def __init__(self, status, code, message, headers=None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.headers = headers or {}


class WebhookRequest:
    """What the intake needs from an HTTP request, independent of werkzeug.

    :param read_body: ``callable(limit) -> bytes`` that raises :class:`WebhookRejected` (413)
        when the body is longer than ``limit`` bytes.
    """

    def __init__(self, method, mimetype, content_length, headers, read_body):
        self.method = method
        self.mimetype = (mimetype or "").lower()
        self.content_length = content_length
        self.headers = headers
        self.read_body = read_body


def _reject_constant(token):
    raise ValueError(f"{token} is not a JSON number")


def _finite_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("numbers must be finite")
    return value


def _has_nul(value):
    """PostgreSQL refuses U+0000 in text and jsonb: such payloads are malformed for us."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class DistributionIntegrationEndpoint(models.Model):
    """An address a partner posts its events to, with how to authenticate and read them."""

    _name = "distribution.integration.endpoint"
    _description = "Integration Endpoint"
    _order = "name, id"

    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    partner_id = fields.Many2one(
        "res.partner", help="The carrier or supplier that posts to this endpoint."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        help="Owns the technical exceptions of this endpoint's dead-lettered events.",
    )
    kind = fields.Selection(KINDS, required=True, default="carrier_tracking")
    payload_format = fields.Selection(PAYLOAD_FORMATS, required=True, default="native")
    auth_scheme = fields.Selection(
        AUTH_SCHEMES,
        string="Authentication",
        required=True,
        default="standard_webhooks",
        help="Standard Webhooks: HMAC over id, timestamp and body, with a timestamp window "
        "against replays. EasyPost and AfterShip: their HMAC of the body. Bearer: a shared "
        "token in the Authorization header. URL token only: for partners that cannot sign "
        "(e.g. Shippo); the unguessable address is then the only credential.",
    )
    token = fields.Char(
        string="URL Token",
        required=True,
        readonly=True,
        copy=False,
        groups=ADMIN_GROUP,
        default=lambda self: secrets.token_urlsafe(32),
    )
    webhook_url = fields.Char(
        string="URL for the Partner", compute="_compute_webhook_url", groups=ADMIN_GROUP
    )
    secret = fields.Char(
        copy=False,
        groups=ADMIN_GROUP,
        help="Shared with the partner. For Standard Webhooks a whsec_ secret is generated; for "
        "AfterShip paste the secret AfterShip shows. Changing it keeps the old one valid for the "
        "rotation window.",
    )
    previous_secret = fields.Char(copy=False, readonly=True, groups=ADMIN_GROUP)
    previous_secret_expires_at = fields.Datetime(
        string="Previous Secret Valid Until", copy=False, readonly=True, groups=ADMIN_GROUP
    )
    rotation_window_hours = fields.Integer(
        string="Rotation Window (hours)",
        default=24,
        help="How long the previous secret is still accepted after a rotation.",
    )
    timestamp_tolerance = fields.Integer(
        string="Timestamp Tolerance (s)",
        default=standard_webhooks.DEFAULT_TOLERANCE,
        help="Standard Webhooks messages signed further than this from our clock are refused "
        "(replays).",
    )
    max_body_kb = fields.Integer(string="Maximum Body (KiB)", default=256)
    rate_limit = fields.Integer(
        string="Rate Limit (events/minute)",
        default=600,
        help="Events accepted per minute on this endpoint, counted over all workers; 0 for no "
        "limit. Over it, the partner is answered 429 and retries later.",
    )
    max_attempts = fields.Integer(
        default=6,
        help="Processing attempts before an event is dead-lettered and raises a technical "
        "exception.",
    )
    event_ids = fields.One2many("distribution.integration.event", "endpoint_id", string="Events")
    event_count = fields.Integer(compute="_compute_event_counts")
    problem_count = fields.Integer(string="Failed or Dead", compute="_compute_event_counts")

    _sql_constraints = [
        ("token_unique", "UNIQUE(token)", "Two endpoints cannot share a URL token."),
        (
            "limits_positive",
            "CHECK(max_body_kb > 0 AND max_attempts > 0 AND rate_limit >= 0 "
            "AND timestamp_tolerance > 0 AND rotation_window_hours >= 0)",
            "Body size, attempts and tolerance must be positive; rate limit and rotation window "
            "cannot be negative.",
        ),
    ]

    # ------------------------------------------------------------------ computes

    @api.depends("token")
    def _compute_webhook_url(self):
        base_url = self.env["ir.config_parameter"].sudo().get_param("web.base.url", "")
        for endpoint in self:
            endpoint.webhook_url = f"{base_url.rstrip('/')}{WEBHOOK_ROUTE}/{endpoint.token}"

    def _compute_event_counts(self):
        Event = self.env["distribution.integration.event"]
        counts = {}
        for endpoint, state, count in Event._read_group(
            [("endpoint_id", "in", self.ids)], ["endpoint_id", "state"], ["__count"]
        ):
            total, problems = counts.get(endpoint, (0, 0))
            counts[endpoint] = (
                total + count,
                problems + (count if state in ("failed", "dead") else 0),
            )
        for endpoint in self:
            endpoint.event_count, endpoint.problem_count = counts.get(endpoint, (0, 0))

    # ------------------------------------------------------------------ constraints

    @api.constrains("kind", "payload_format")
    def _check_format_kind(self):
        for endpoint in self:
            if endpoint.payload_format in CARRIER_FORMATS and endpoint.kind not in (
                "carrier_tracking",
                "generic",
            ):
                raise ValidationError(
                    self.env._(
                        "%(format)s sends tracking events: use it on a carrier tracking endpoint.",
                        format=dict(PAYLOAD_FORMATS)[endpoint.payload_format],
                    )
                )

    @api.constrains("auth_scheme", "secret")
    def _check_secret(self):
        for endpoint in self.sudo():
            if endpoint.auth_scheme == "standard_webhooks" and endpoint.secret:
                try:
                    standard_webhooks.decode_secret(endpoint.secret)
                except ValueError as error:
                    raise ValidationError(
                        self.env._(
                            "A Standard Webhooks secret is “whsec_” followed by base64 (endpoint "
                            "%s). Use Rotate Secret to generate one.",
                            endpoint.name,
                        )
                    ) from error

    # ------------------------------------------------------------------ CRUD

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            factory = SECRET_FACTORIES.get(vals.get("auth_scheme", "standard_webhooks"))
            if factory and not vals.get("secret"):
                vals["secret"] = factory()
        endpoints = super().create(vals_list)
        self.env.registry.clear_cache()
        return endpoints

    def write(self, vals):
        if vals.get("secret") and not self.env.context.get("distribution_no_rotation"):
            # keep the secret being replaced valid for the rotation window (after the same
            # checks the write itself makes: only integration administrators touch secrets)
            self.check_access("write")
            self.check_field_access_rights("write", ["secret"])
            now = fields.Datetime.now()
            for endpoint in self.sudo().filtered(lambda e: e.secret and e.secret != vals["secret"]):
                super(DistributionIntegrationEndpoint, endpoint).write(
                    {
                        "previous_secret": endpoint.secret,
                        "previous_secret_expires_at": now
                        + timedelta(hours=endpoint.rotation_window_hours),
                    }
                )
        result = super().write(vals)
        self.env.registry.clear_cache()
        return result

    def unlink(self):
        result = super().unlink()
        self.env.registry.clear_cache()
        return result

    # ------------------------------------------------------------------ actions

    def action_rotate_secret(self):
        """Generate a new secret; the current one stays valid for the rotation window."""
        for endpoint in self:
            factory = SECRET_FACTORIES.get(endpoint.auth_scheme)
            if not factory:
                raise ValidationError(
                    self.env._(
                        "%s: this partner issues the secret itself. Paste the new one in the "
                        "Secret field; the old one stays valid for the rotation window.",
                        endpoint.name,
                    )
                )
            endpoint.write({"secret": factory()})
        return True

    def action_view_events(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "distribution_integrations.distribution_integration_event_action"
        )
        action["domain"] = [("endpoint_id", "=", self.id)]
        action["context"] = {"default_endpoint_id": self.id}
        return action

    # ------------------------------------------------------------------ intake

    @api.model
    @tools.ormcache("token")
    def _webhook_config(self, token):
        """What the intake needs about the active endpoint at ``token``, or None.

        Cached per token until an endpoint changes, so a request does not read the endpoint.
        """
        endpoint = (
            self.sudo()
            .with_context(active_test=True)
            .search([("token", "=", token or "")], limit=1)
        )
        if not endpoint:
            return None
        return {
            "id": endpoint.id,
            "name": endpoint.name,
            "company_id": endpoint.company_id.id,
            "kind": endpoint.kind,
            "payload_format": endpoint.payload_format,
            "auth_scheme": endpoint.auth_scheme,
            "secret": endpoint.secret or "",
            "previous_secret": endpoint.previous_secret or "",
            "previous_secret_expires_at": endpoint.previous_secret_expires_at,
            "timestamp_tolerance": endpoint.timestamp_tolerance,
            "max_bytes": endpoint.max_body_kb * 1024,
            "rate_limit": endpoint.rate_limit,
        }

    @api.model
    def _webhook_receive(self, token, request):
        """Authenticate, check and store one webhook request; wake the worker.

        :param request: a :class:`WebhookRequest`.
        :return: ``(status, body dict)``.
        :raises WebhookRejected: with the status and reason to answer.
        """
        if request.method != "POST":
            raise WebhookRejected(
                405, "method_not_allowed", "Only POST is accepted.", {"Allow": "POST"}
            )
        config = self._webhook_config(token)
        if not config:
            raise WebhookRejected(404, "unknown_endpoint", "No active endpoint at this address.")
        if request.content_length is not None and request.content_length > config["max_bytes"]:
            raise self._too_large(config)
        if request.mimetype not in JSON_MIMETYPES and not request.mimetype.endswith("+json"):
            raise WebhookRejected(
                415, "unsupported_media_type", "Send the event as Content-Type: application/json."
            )
        if config["rate_limit"] and self._webhook_rate_exceeded(config):
            raise WebhookRejected(
                429,
                "rate_limited",
                f"More than {config['rate_limit']} events in the last minute: retry later.",
                {"Retry-After": "60"},
            )
        body = request.read_body(config["max_bytes"])
        self._webhook_authenticate(config, request.headers, body)
        normalised, text = self._webhook_parse(config, request.headers, body)
        event_id, duplicate = self.env["distribution.integration.event"]._insert_received(
            config, text, normalised
        )
        if duplicate:
            return 200, {
                "status": "duplicate",
                "duplicate": True,
                "id": event_id,
                "external_id": normalised["external_id"],
            }
        self.env["ir.cron"]._distribution_wake(
            "distribution_integrations.ir_cron_integration_event_worker"
        )
        return 202, {
            "status": "accepted",
            "duplicate": False,
            "id": event_id,
            "external_id": normalised["external_id"],
        }

    @api.model
    def _too_large(self, config):
        return WebhookRejected(
            413,
            "payload_too_large",
            f"The body is larger than this endpoint accepts ({config['max_bytes'] // 1024} KiB).",
        )

    @api.model
    def _webhook_rate_exceeded(self, config):
        """Count what this endpoint stored in the last minute, on every worker and node."""
        self.env.cr.execute(
            SQL(
                """SELECT count(*) FROM (
                       SELECT 1 FROM distribution_integration_event
                        WHERE endpoint_id = %s AND received_at > %s
                        LIMIT %s) recent""",
                config["id"],
                self.env.cr.now() - timedelta(minutes=1),
                config["rate_limit"],
            )
        )
        return self.env.cr.fetchone()[0] >= config["rate_limit"]

    @api.model
    def _webhook_secrets(self, config):
        accepted = [config["secret"]]
        expires_at = config["previous_secret_expires_at"]
        if config["previous_secret"] and expires_at and expires_at > fields.Datetime.now():
            accepted.append(config["previous_secret"])
        return [secret for secret in accepted if secret]

    @api.model
    def _webhook_authenticate(self, config, headers, body):
        scheme = config["auth_scheme"]
        if scheme == "url_token":
            return
        accepted = self._webhook_secrets(config)
        try:
            if scheme == "standard_webhooks":
                standard_webhooks.verify(
                    accepted, headers, body, tolerance=config["timestamp_tolerance"]
                )
            elif scheme == "easypost_hmac":
                signatures.verify_easypost(accepted, headers, body)
            elif scheme == "aftership_hmac":
                signatures.verify_aftership(accepted, headers, body)
            elif scheme == "bearer":
                signatures.verify_bearer(accepted, headers, body)
        except (standard_webhooks.WebhookVerificationError, signatures.SignatureError) as error:
            _logger.info(
                "Webhook refused on endpoint %s (id %s): %s",
                config["name"],
                config["id"],
                error.code,
            )
            raise WebhookRejected(401, error.code, str(error)) from error

    @api.model
    def _webhook_parse(self, config, headers, body):
        """Decode and normalise the body; return (normalised event, body text)."""
        try:
            text = body.decode("utf-8")
            data = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise WebhookRejected(
                400, "malformed", f"The body is not valid UTF-8 JSON: {error}"[:300]
            ) from error
        if "\x00" in text or _has_nul(data):
            raise WebhookRejected(400, "malformed", "NUL characters are not accepted.")
        try:
            normalised = normalisers.normalise(
                config["payload_format"], data, config["kind"], headers
            )
        except normalisers.MalformedPayload as error:
            raise WebhookRejected(400, "malformed", str(error)) from error
        return normalised, text
