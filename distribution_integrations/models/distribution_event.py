# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, models


class DistributionEvent(models.Model):
    _inherit = "distribution.event"

    @api.model
    def _emit(self, event_type, records, payload=None, occurred_at=None):
        """Wake the delivery worker when a subscription wants ``event_type``.

        The wake-up is an ``ir.cron.trigger`` row written in the business transaction, unless one
        is already waiting: when the transaction rolls back, its trigger and outbox rows go with
        it; when it commits, the worker runs after the commit and delivers from the outbox.
        Nothing is sent from here.
        """
        events = super()._emit(event_type, records, payload=payload, occurred_at=occurred_at)
        if events and self.env["distribution.integration.subscription"]._is_subscribed(event_type):
            self.env["ir.cron"]._distribution_wake(
                "distribution_integrations.ir_cron_integration_delivery_worker"
            )
        return events
