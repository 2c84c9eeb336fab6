# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.tools import SQL


class IrCron(models.Model):
    _inherit = "ir.cron"

    @api.model
    def _distribution_wake(self, xmlid):
        """Run the scheduled action ``xmlid`` as soon as possible, once for any number of callers.

        ``_trigger()`` writes a trigger row and, after the commit, a NOTIFY to the cron workers
        on every call: under a stream of webhooks or business events that doubles the cost of
        each. A trigger already due says the same thing, so a new one is written only when none
        is waiting. A run consumes the triggers due when it ends and goes on while it reports
        work remaining, so what arrives meanwhile is taken by that run, or at the latest by the
        action's own interval.
        """
        # an ormcached lookup: env.ref() would also read the cron to check it exists
        cron = self.browse(
            self.env["ir.model.data"]._xmlid_to_res_id(xmlid, raise_if_not_found=True)
        )
        self.env.cr.execute(
            SQL(
                """SELECT 1 FROM ir_cron_trigger
                    WHERE cron_id = %s AND call_at <= %s
                    LIMIT 1""",
                cron.id,
                fields.Datetime.now(),
            )
        )
        if self.env.cr.fetchone():
            return self.env["ir.cron.trigger"]
        return cron.sudo()._trigger()
