# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from .distribution_exception_rule import OPEN_STATES


class DistributionBlockedError(UserError):
    """A guarded transition met blocking exceptions.

    ``details`` lists them as dicts (document, rule, reason, owner, line). JSON-RPC clients receive
    them in ``error.data.context.blocking_exceptions``; the web client shows the message in the
    same dialog as any UserError.
    """

    def __init__(self, message, details):
        super().__init__(message)
        self.details = details
        self.context = {
            "exception_class": "odoo.exceptions.UserError",
            "blocking_exceptions": details,
        }


class DistributionExceptionMixin(models.AbstractModel):
    """What a document needs to be guarded by exception rules.

    A host model inherits this mixin, names its lines (``_distribution_line_field``), says which
    documents each kind of rule looks at (``_distribution_scopes``) and calls
    :meth:`_distribution_guard` at the start of each guarded transition.
    """

    _name = "distribution.exception.mixin"
    _description = "Document Guarded by Exception Rules"
    _distribution_line_field = None
    # {transition: domain}: the documents the rules of that transition are evaluated on, i.e.
    # those that have not passed it yet; "monitor" selects the documents monitoring rules watch.
    _distribution_scopes = {}

    distribution_exception_ids = fields.One2many(
        "distribution.exception",
        "res_id",
        string="Exceptions",
        domain=lambda self: [("res_model", "=", self._name)],
    )
    distribution_open_exception_count = fields.Integer(
        string="Open Exceptions", compute="_compute_distribution_exception_summary"
    )
    distribution_blocking_summary = fields.Html(
        string="Blocking Exceptions", compute="_compute_distribution_exception_summary"
    )

    @api.depends("distribution_exception_ids.state", "distribution_exception_ids.reason")
    def _compute_distribution_exception_summary(self):
        open_exceptions = self.env["distribution.exception"].search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", self.ids),
                ("state", "in", OPEN_STATES),
            ]
        )
        by_document = {}
        for exception in open_exceptions:
            by_document.setdefault(exception.res_id, []).append(exception)
        for document in self:
            exceptions = by_document.get(document.id, [])
            document.distribution_open_exception_count = len(exceptions)
            blocking = [e for e in exceptions if e.severity == "blocking"]
            document.distribution_blocking_summary = (
                Markup().join(
                    Markup("<li><b>%s</b>: %s <i>(%s)</i></li>")
                    % (e.name, e.reason, e.owner_id.name or "")
                    for e in blocking
                )
                if blocking
                else False
            )

    # ------------------------------------------------------------------ hooks for host models

    @api.model
    def _distribution_line_model(self):
        field = self._distribution_line_field
        return self._fields[field].comodel_name if field else False

    def _distribution_in_scope(self, transition):
        scope = self._distribution_scopes.get(transition, expression.FALSE_DOMAIN)
        # in SQL: filtering in Python would load every field of every document
        return self.browse(self._search([("id", "in", self.ids), *scope]))

    def _distribution_default_owner(self):
        """Owner when a rule names none: the document's responsible user."""
        return self.env["res.users"]

    # ------------------------------------------------------------------ engine entry points

    def _distribution_guard(self, transition):
        """Detect for the whole batch, then refuse ``transition`` if anything blocks it."""
        if self.env.context.get("distribution_skip_guard"):
            return
        _opened, open_now = self.env["distribution.exception.rule"]._evaluate(self, transition)
        # The occurrences of the rules of this step, just brought up to date (archived rules are
        # not run any more, so theirs, which would never clear, do not block).
        blocking = open_now.filtered(lambda exception: exception.severity == "blocking")
        if blocking:
            raise self._distribution_blocked_error(blocking.sudo(False))

    def _distribution_blocked_error(self, blocking):
        details = [
            {
                "document": e.res_name,
                "rule": e.name,
                "reason": e.reason,
                "owner": e.owner_id.name or None,
                "line": e.line_name or None,
            }
            for e in blocking
        ]
        lines = "\n".join(
            self.env._(
                "• %(document)s — %(rule)s: %(reason)s (owner: %(owner)s)",
                document=d["document"],
                rule=d["rule"],
                reason=d["reason"],
                owner=d["owner"] or self.env._("nobody"),
            )
            for d in details
        )
        message = self.env._(
            "This cannot go on while these blocking exceptions are open:\n%(lines)s\n\n"
            "Fix the cause and try again (the exception clears itself), or ask its owner or a "
            "manager to waive it.",
            lines=lines,
        )
        return DistributionBlockedError(message, details)

    def unlink(self):
        occurrences = (
            self.env["distribution.exception"]
            .sudo()
            .search([("res_model", "=", self._name), ("res_id", "in", self.ids)])
        )
        result = super().unlink()
        occurrences.unlink()
        return result

    def action_distribution_recheck(self):
        """Re-run every rule of this document type on the selected documents."""
        self.env["distribution.exception.rule"]._run(self)
        return True

    def action_view_distribution_exceptions(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "distribution_exceptions.distribution_exception_action"
        )
        action["domain"] = [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        action["context"] = {"search_default_open": 1}
        return action
