# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Health of the integration queues for monitoring tools: counts, ages and lags, as JSON.

``auth="none"``: a probe sends no session. The answer holds no secret, no payload and no
partner or endpoint name; the database is the one Odoo's ``--db-filter`` selects.
"""

from odoo import SUPERUSER_ID, http
from odoo.http import request

HEALTH_ROUTE = "/distribution/integrations/health"


class DistributionIntegrationHealthController(http.Controller):
    @http.route(
        HEALTH_ROUTE,
        type="http",
        auth="none",
        methods=["GET"],
        save_session=False,
        readonly=True,
    )
    def health(self):
        if not request.db:
            return request.make_json_response(
                {"status": "unavailable", "reasons": ["no_database"]}, status=503
            )
        env = request.env(user=SUPERUSER_ID, su=True)
        body = env["distribution.integration.monitor"]._health()
        return request.make_json_response(body, headers=[("Cache-Control", "no-store")], status=200)
