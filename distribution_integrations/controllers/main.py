# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Inbound webhooks: parse the HTTP request, delegate to the endpoint model, answer JSON.

The routes use ``auth="none"``: partners send no session, and the database is the one Odoo's
``--db-filter`` (or a single database) selects for the request's host.
"""

import json
from pathlib import Path

from werkzeug.exceptions import RequestEntityTooLarge

from odoo import SUPERUSER_ID, http
from odoo.http import request

from ..models.distribution_integration_endpoint import (
    WEBHOOK_ROUTE,
    WebhookRejected,
    WebhookRequest,
)

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "data" / "openapi.json"


def _read_body(limit, too_large):
    """The raw body; ``too_large()`` is raised when it is longer than ``limit`` bytes.

    The Content-Length was checked before; a chunked body is cut by werkzeug (2.3 and later)
    at ``max_content_length``, and measured here for older versions.
    """
    httprequest = request.httprequest
    httprequest.max_content_length = limit
    try:
        # cached: when Odoo retries the transaction (a serialization failure), the handler runs
        # again on the same bytes
        body = httprequest.get_data()
    except RequestEntityTooLarge as error:
        raise too_large() from error
    if len(body) > limit:
        raise too_large()
    return body


class DistributionWebhookController(http.Controller):
    @http.route(
        f"{WEBHOOK_ROUTE}/<string:token>",
        type="http",
        auth="none",
        methods=None,  # other methods are answered 405 in JSON, not by the router
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def receive(self, token, **_params):
        httprequest = request.httprequest
        env = request.env(user=SUPERUSER_ID, su=True)
        Endpoint = env["distribution.integration.endpoint"]
        webhook_request = WebhookRequest(
            method=httprequest.method,
            mimetype=httprequest.mimetype,
            content_length=httprequest.content_length,
            headers=httprequest.headers,
            read_body=lambda limit: _read_body(
                limit, lambda: Endpoint._too_large({"max_bytes": limit})
            ),
        )
        try:
            status, body = Endpoint._webhook_receive(token, webhook_request)
        except WebhookRejected as rejection:
            return request.make_json_response(
                {"status": "error", "error": rejection.code, "message": rejection.message},
                headers=list(rejection.headers.items()),
                status=rejection.status,
            )
        return request.make_json_response(body, status=status)

    @http.route(
        f"{WEBHOOK_ROUTE}/openapi.json",
        type="http",
        auth="none",
        methods=["GET"],
        save_session=False,
        readonly=True,
    )
    def openapi(self):
        """The OpenAPI 3 description of the inbound endpoint (no secrets, no data)."""
        return request.make_json_response(json.loads(OPENAPI_PATH.read_text()))
