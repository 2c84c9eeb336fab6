# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import models
from odoo.addons.distribution_exceptions.models.distribution_exception_rule import OPEN_STATES
from odoo.exceptions import UserError


class DistributionException(models.Model):
    """Waivers of exceptions whose rule says “waive through an approval”."""

    _name = "distribution.exception"
    _inherit = ["distribution.exception", "distribution.approval.mixin"]
    _approval_types = {"exception_waiver": ("Waiver of an exception", "waive")}

    def action_request_waiver(self):
        """Ask the waiver matrix; once approved, the exceptions are waived with the approval as
        their reason. A waiver no level covers is refused rather than granted: the rule says
        nobody waives these exceptions directly."""
        self.check_access("read")
        for exception in self:
            if exception.state not in OPEN_STATES:
                raise UserError(self.env._("%s is not open any more.", exception.display_name))
            if not exception.rule_id.waive_by_approval:
                raise UserError(
                    self.env._(
                        "“%s” is waived directly, without an approval: use Waive.", exception.name
                    )
                )
        Request = self.env["distribution.approval.request"]
        result = self._approval_sort(self._approval_plan("waive"))
        result.invalidated._invalidate(self.env._("The exception changed since it was asked for."))
        uncovered = [plan.document for plan in result.passing if not plan.levels]
        if uncovered:
            raise UserError(
                self.env._(
                    "No approval matrix covers the waiver of %s. Ask a manager to add a level "
                    "for its rule to a “Waiver of an exception” matrix.",
                    ", ".join(exception.display_name for exception in uncovered),
                )
            )
        pending = [plan for plan in result.stopped if plan.request.state == "pending"]
        if pending:
            raise self._approval_error(pending)
        # a refused waiver may be asked for again; its history stays
        again = [
            plan._replace(request=None)
            for plan in result.stopped
            if plan.request.state == "rejected"
        ]
        started = Request._start(result.needing + again, "waive")
        approved = Request.union(*(plan.request for plan in result.passing))
        if approved:
            self.browse(approved.mapped("res_id")).sudo()._approval_on_approved(approved)
        return started._notification(True) if started else True

    def _approval_on_approved(self, requests):
        for request in requests:
            exception = self.browse(request.res_id)
            if exception.state not in OPEN_STATES:
                continue
            approvals = request.decision_ids.filtered(lambda d: d.decision == "approve")
            # formatted outside the translated call, which the .pot extraction must read
            comments = "".join(f" — {d.comment}" for d in approvals if d.comment)
            exception._waive(
                self.env._(
                    "Approved through “%(request)s” by %(who)s%(comments)s",
                    request=request.display_name,
                    who=", ".join(decision._who() for decision in approvals),
                    comments=comments,
                ),
                approved=True,
            )
            request._mark_passed()
        return True

    def _approval_facts(self):
        """The facts of the document the exception is on (its amount, customer tier, lines'
        categories...), the exception's rule, and its reason: a new finding needs a new waiver."""
        facts = {}
        for model, exceptions in self.grouped("res_model").items():
            Document = self.env[model].sudo()
            documents = Document.browse(exceptions.mapped("res_id")).exists()
            if "distribution_approval_state" in Document._fields:
                document_facts = documents._approval_facts()
            else:
                document_facts = {
                    document.id: self._approval_generic_facts(document) for document in documents
                }
            for exception in exceptions:
                base = dict(
                    document_facts.get(exception.res_id)
                    or {"company": exception.company_id or self.env.company}
                )
                base.update(
                    rule_id=exception.rule_id.id,
                    lines=[],
                    material={"rule": exception.rule_id.id, "reason": exception.reason},
                )
                facts[exception.id] = base
        return facts

    def _approval_generic_facts(self, document):
        """For documents that are not approval hosts (an invoice): amount and partner."""
        company = document.company_id if "company_id" in document._fields else self.env.company
        currency = document.currency_id if "currency_id" in document._fields else False
        amount = document.amount_untaxed if "amount_untaxed" in document._fields else 0.0
        partner = document.partner_id if "partner_id" in document._fields else False
        converted = self._approval_company_amounts([(currency, company, amount)])[0]
        return {
            "company": company,
            "amount": converted,
            "document_amount": amount,
            "currency_id": (currency or company.currency_id).id,
            "currency_name": (currency or company.currency_id).name,
            "partner_id": partner.id if partner else False,
            "tier": partner.commercial_partner_id.customer_tier if partner else False,
        }
