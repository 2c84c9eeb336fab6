# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import hashlib
import json
from collections import namedtuple

from odoo import api, fields, models
from odoo.exceptions import UserError

# Requests that still say something about their document; cancelled and expired ones are history.
ACTIVE_STATES = ("pending", "approved", "rejected")

# What the engine knows about one document before a guarded step.
Plan = namedtuple("Plan", "document document_type levels facts fingerprint request")
# How the documents of a guarded call are sorted.
Sorted = namedtuple("Sorted", "passing stopped needing invalidated superseded")


class DistributionApprovalError(UserError):
    """A guarded step met documents that wait for an approval, were refused one, or need one.

    ``details`` lists them as dicts (document, state, level, waiting_for, rejected_by, comment).
    JSON-RPC clients receive them in ``error.data.context.approvals``; the web client shows the
    message in the same dialog as any UserError.
    """

    def __init__(self, message, details):
        super().__init__(message)
        self.details = details
        self.context = {"exception_class": "odoo.exceptions.UserError", "approvals": details}


def fingerprint(facts):
    """A digest of what an approval covers: the amount, its currency and the lines.

    Amounts are taken in the document's currency, so a new exchange rate does not invalidate an
    approval; anything else (a note, a reference, a date) is left out, so it does not either.
    """
    material = {
        "amount": round(facts.get("document_amount") or 0.0, 6),
        "currency": facts.get("currency_name") or "",
        "lines": facts.get("lines") or [],
        "extra": facts.get("material") or {},
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, default=str).encode()).hexdigest()


def document_types(env):
    """[(code, label)] of every document type a host model declares."""
    types = []
    for model_name in sorted(env.registry.descendants(["distribution.approval.mixin"], "_inherit")):
        model = env[model_name]
        if model._abstract:
            continue
        for code, (label, _transition) in model._approval_types.items():
            types.append((code, label))
    return types


def document_type_models(env):
    """{document type: (model name, transition)}."""
    result = {}
    for model_name in env.registry.descendants(["distribution.approval.mixin"], "_inherit"):
        model = env[model_name]
        if not model._abstract:
            for code, (_label, transition) in model._approval_types.items():
                result[code] = (model_name, transition)
    return result


class DistributionApprovalMixin(models.AbstractModel):
    """What a document needs to be guarded by approval matrices.

    A host model declares the approvals it asks for (``_approval_types``), describes its
    documents for the matrices (``_approval_facts``) and wraps each guarded step with
    :meth:`_approval_pass`. Everything else — resolving the matrix, starting requests, refusing,
    invalidating on change — is done here, for a whole recordset at once.
    """

    _name = "distribution.approval.mixin"
    _description = "Document Guarded by Approval Matrices"

    # {document type: (label, guarded step)}
    _approval_types = {}
    # True when every passage of the step needs an approval of its own: an inventory count is
    # applied once, and the next count of the same quant is another adjustment.
    _approval_single_use = False

    distribution_approval_state = fields.Selection(
        [
            ("none", "No approval"),
            ("pending", "Waiting for approval"),
            ("approved", "Approved"),
            ("rejected", "Rejected"),
        ],
        string="Approval",
        compute="_compute_distribution_approval",
    )
    distribution_approval_summary = fields.Char(
        string="Approval Status", compute="_compute_distribution_approval"
    )
    distribution_approval_count = fields.Integer(
        string="Approval Requests", compute="_compute_distribution_approval"
    )

    def _compute_distribution_approval(self):
        # The status belongs to the document: whoever reads it sees it, whichever requests
        # they may open.
        requests = (
            self.env["distribution.approval.request"]
            .sudo()
            .search(
                [("res_model", "=", self._name), ("res_id", "in", self.ids)],
                order="id desc",
            )
        )
        latest, counts = {}, {}
        for request in requests:
            counts[request.res_id] = counts.get(request.res_id, 0) + 1
            if (
                request.state in ACTIVE_STATES
                and request.res_id not in latest
                and not (self._approval_single_use and request.passed_at)
            ):
                latest[request.res_id] = request
        for document in self:
            request = latest.get(document.id)
            document.distribution_approval_count = counts.get(document.id, 0)
            document.distribution_approval_state = request.state if request else "none"
            document.distribution_approval_summary = request._status_message() if request else ""

    # ------------------------------------------------------------------ hooks for host models

    def _approval_split(self, transition):
        """{document type: the documents of self that ``transition`` asks that approval for}."""
        codes = [code for code, (_l, step) in self._approval_types.items() if step == transition]
        return {codes[0]: self} if codes and self else {}

    def _approval_facts(self):
        """{document id: facts} for the whole recordset, in a fixed number of queries.

        Facts the matrices read: ``company`` (res.company), ``amount`` (in the company's
        currency), ``document_amount`` and ``currency_name`` (in the document's), ``partner``,
        ``tier``, ``categories`` (ids of the lines' product categories and their parents),
        ``warehouse_id``, ``margin`` and ``discount`` (%, or None), ``logistics_cost`` (company
        currency, or None), ``rule_id`` (exception rule of a waiver), ``lines`` (what was asked
        for, line by line) and ``material`` (anything else a change of which needs re-approval).
        """
        return {document.id: {"company": document.company_id} for document in self}

    def _approval_on_approved(self, requests):
        """Called on the documents whose ``requests`` were just fully approved."""
        return True

    # ------------------------------------------------------------------ helpers for host models

    def _approval_company_amounts(self, amounts):
        """Convert [(currency, company, amount)] to company currency at today's rate.

        One rate lookup per company whatever the number of documents: approval bands compare
        what an order is worth today. Amounts already in their company's currency are kept.
        """
        today = fields.Date.context_today(self)
        company_currency = {}
        foreign = {}
        for currency, company, _amount in amounts:
            if company.id not in company_currency:
                company_currency[company.id] = company.currency_id
            if currency and currency.id != company_currency[company.id].id:
                foreign.setdefault(company, set()).add(currency.id)
        rates = {}
        for company, currency_ids in foreign.items():
            own = company_currency[company.id]
            document_rates = (
                self.env["res.currency"].browse(currency_ids)._get_rates(company, today)
            )
            own_rate = own._get_rates(company, today)[own.id]
            for currency_id in currency_ids:
                rates[(currency_id, company.id)] = own_rate / document_rates[currency_id]
        result = []
        for currency, company, amount in amounts:
            rate = rates.get((currency.id, company.id))
            result.append(
                amount if rate is None else company_currency[company.id].round(amount * rate)
            )
        return result

    @api.model
    def _approval_categories(self, products):
        """{product id: ids of its category and of the category's parents} (no query)."""
        return {
            product.id: self._approval_path_ids([product.categ_id.parent_path])
            for product in products
        }

    @api.model
    def _approval_path_ids(self, paths):
        """The category ids of parent paths (``1/5/7/``), parents included."""
        return {int(part) for path in paths for part in (path or "").split("/") if part}

    # ------------------------------------------------------------------ engine

    def _approval_pass(self, transition, proceed, mark_passed=True):
        """Guard ``transition`` for the whole recordset.

        ``proceed(documents)`` runs the host's step on the documents that may go on: those no
        level of the matrix applies to, and those approved. The others get an approval request
        (the call then returns a notification saying so, after running the step on the rest);
        any document waiting for an approval or refused one stops the whole call with a
        :class:`DistributionApprovalError`.

        Blocking exceptions come first: before a document waits for an approval, its exception
        rules are run, and a blocking exception stops the call before any approval is asked for.
        """
        allowed, started, approved = self._approval_guard(transition)
        result = proceed(allowed) if allowed else True
        if mark_passed:
            approved._mark_passed()
        if started:
            return started._notification(result)
        return result

    def _approval_guard(self, transition):
        """(documents that may pass, requests started, approved requests they pass with)."""
        Request = self.env["distribution.approval.request"]
        if not self:
            return self, Request, Request
        self.check_access("read")
        plans = self._approval_plan(transition)
        result = self._approval_sort(plans)
        result.invalidated._invalidate(
            self.env._("The document changed after the approval was asked for.")
        )
        result.superseded._cancel(self.env._("The approval matrix no longer asks for it."))
        held = self.browse([plan.document.id for plan in result.stopped + result.needing])
        held._approval_exceptions_first(transition)
        if result.stopped:
            raise self._approval_error(result.stopped)
        started = Request._start(result.needing, transition) if result.needing else Request
        # documents no approval type concerns (an ordinary delivery) pass as well
        allowed = self - self.browse([plan.document.id for plan in result.needing])
        approved = Request.union(
            *(
                plan.request
                for plan in result.passing
                if plan.request and plan.request.state == "approved"
            )
        )
        return allowed, started, approved

    def _approval_check(self, transition):
        """Refuse ``transition`` unless every document is approved or needs no approval;
        return the approved requests.

        For the host's lower-level entry points (a wizard applying an inventory count, a scrap
        done without its button): they start nothing, they only refuse.
        """
        if not self:
            return self.env["distribution.approval.request"]
        self.check_access("read")
        plans = self._approval_plan(transition)
        result = self._approval_sort(plans)
        result.invalidated._invalidate(
            self.env._("The document changed after the approval was asked for.")
        )
        if result.stopped or result.needing:
            raise self._approval_error(result.stopped + result.needing)
        return self.env["distribution.approval.request"].union(
            *(plan.request for plan in result.passing if plan.request)
        )

    def _approval_exceptions_first(self, transition):
        """Run the blocking exception rules of this step before any approval is involved."""
        if (
            self
            and hasattr(self, "_distribution_guard")
            and transition in getattr(self, "_distribution_scopes", {})
        ):
            self._distribution_guard(transition)

    def _approval_plan(self, transition):
        """{document id: Plan} for the documents ``transition`` asks an approval for."""
        Request = self.env["distribution.approval.request"].sudo()
        Matrix = self.env["distribution.approval.matrix"].sudo()
        plans = {}
        for document_type, documents in self._approval_split(transition).items():
            if not documents:
                continue
            facts = documents._approval_facts()
            levels = Matrix._resolve(documents, document_type, facts)
            latest = Request._latest_for(documents, document_type)
            for document in documents:
                document_facts = facts[document.id]
                plans[document.id] = Plan(
                    document,
                    document_type,
                    levels[document.id],
                    document_facts,
                    fingerprint(document_facts),
                    latest.get(document.id),
                )
        return plans

    @api.model
    def _approval_sort(self, plans):
        Request = self.env["distribution.approval.request"].sudo()
        passing, stopped, needing = [], [], []
        invalidated, superseded = Request, Request
        for plan in plans.values():
            request = plan.request
            if request and request.fingerprint != plan.fingerprint:
                if request.state in ("pending", "approved"):
                    invalidated |= request
                # a refusal covers the document as it was refused
                request = None
                plan = plan._replace(request=None)
            if not plan.levels:
                if request and request.state == "pending":
                    superseded |= request
                passing.append(plan)
            elif request and request.state == "approved":
                passing.append(plan)
            elif request:
                stopped.append(plan)
            else:
                needing.append(plan)
        return Sorted(passing, stopped, needing, invalidated, superseded)

    def _approval_error(self, plans):
        details, lines = [], []
        for plan in plans:
            if plan.request:
                details.append(plan.request._status_details())
                lines.append(f"• {plan.document.display_name}: {plan.request._status_message()}")
            else:
                levels = plan.levels
                details.append(
                    {
                        "document": plan.document.display_name,
                        "state": "needed",
                        "level": levels[:1].name,
                        "waiting_for": [],
                        "rejected_by": None,
                        "comment": None,
                    }
                )
                lines.append(
                    "• "
                    + self.env._(
                        "%(document)s needs an approval (%(levels)s) before this step; ask for it "
                        "with the document's own button.",
                        document=plan.document.display_name,
                        levels=", ".join(levels.mapped("name")),
                    )
                )
        message = self.env._(
            "This cannot go on until it is approved:\n%(lines)s", lines="\n".join(lines)
        )
        return DistributionApprovalError(message, details)

    def _approval_refresh(self):
        """Invalidate the approvals of documents that changed materially, and ask again.

        Run by the automation rules when the lines of a document change, and at every guarded
        step whatever changed the document. A change of an immaterial field (a note, a
        reference) keeps the approval. The change itself passed the access checks: keeping the
        approvals in line with it is the engine's job, done with elevated rights (whoever caused
        the recomputation, even someone who may not read the document).
        """
        Request = self.env["distribution.approval.request"].sudo()
        documents = self.sudo().exists()
        if not documents:
            return Request
        requests = Request.search(
            [
                ("res_model", "=", self._name),
                ("res_id", "in", documents.ids),
                ("state", "in", ("pending", "approved")),
            ]
        )
        if self._approval_single_use:
            requests = requests.filtered(lambda r: not r.passed_at)
        if not requests:
            return Request
        started = Request
        by_type = {}
        for request in requests:
            by_type.setdefault(request.document_type, Request)
            by_type[request.document_type] |= request
        for document_type, type_requests in by_type.items():
            changed_documents = documents.browse(type_requests.mapped("res_id"))
            facts = changed_documents._approval_facts()
            changed = type_requests.filtered(
                lambda r, facts=facts: r.fingerprint != fingerprint(facts[r.res_id])
            )
            if not changed:
                continue
            changed._invalidate(self.env._("The amount or the lines changed after the approval."))
            changed_documents = documents.browse(changed.mapped("res_id"))
            levels = (
                self.env["distribution.approval.matrix"]
                .sudo()
                ._resolve(changed_documents, document_type, facts)
            )
            needing = [
                Plan(
                    document,
                    document_type,
                    levels[document.id],
                    facts[document.id],
                    fingerprint(facts[document.id]),
                    None,
                )
                for document in changed_documents
                if levels[document.id]
            ]
            # a single-use approval (an inventory count) is asked again by the next attempt
            if needing and not self._approval_single_use:
                requesters = {request.res_id: request.requester_id for request in changed}
                started |= Request._start(
                    needing, changed[0].transition, requesters=requesters, previous=changed
                )
        return started

    # ------------------------------------------------------------------ actions

    def action_request_approval(self):
        """Ask for the approvals the next guarded step needs, without trying the step.

        After a refusal, this starts a new request (the refused one stays in the history).
        """
        self.check_access("read")
        transitions = {step for _label, step in self._approval_types.values()}
        Request = self.env["distribution.approval.request"]
        started = Request
        for transition in transitions:
            plans = self._approval_plan(transition)
            result = self._approval_sort(plans)
            result.invalidated._invalidate(
                self.env._("The document changed after the approval was asked for.")
            )
            # an explicit new request after a refusal
            again = [p for p in result.stopped if p.request.state == "rejected"]
            needing = result.needing + [p._replace(request=None) for p in again]
            held = self.browse([plan.document.id for plan in needing])
            held._approval_exceptions_first(transition)
            if needing:
                started |= Request._start(needing, transition)
        if not started:
            raise UserError(
                self.env._(
                    "Nothing to ask for: no approval level applies, or an approval is already "
                    "pending or granted."
                )
            )
        return started._notification(True)

    def action_view_distribution_approvals(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "distribution_approvals.distribution_approval_request_action"
        )
        action["domain"] = [("res_model", "=", self._name), ("res_id", "in", self.ids)]
        action["context"] = {}
        return action
