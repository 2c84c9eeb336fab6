# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL, format_amount, format_datetime

from .distribution_approval_mixin import ACTIVE_STATES, document_types

STATES = [
    ("pending", "Pending"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("cancelled", "Cancelled"),
    ("expired", "Expired"),
]


class DistributionApprovalRequest(models.Model):
    """One document asking one kind of approval, level after level.

    A request keeps what was approved (amount, currency, lines) and its decisions for good: a
    change of the document after the approval expires it and starts a new request, a refusal
    followed by a new attempt starts a new one too, and the old ones stay as history.
    """

    _name = "distribution.approval.request"
    _description = "Approval Request"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "requested_at desc, id desc"

    res_model = fields.Char(string="Document Model", required=True, index=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", required=True, index=True, readonly=True
    )
    res_name = fields.Char(string="Document", readonly=True)
    document_type = fields.Selection(
        selection="_selection_document_type", required=True, readonly=True, index=True
    )
    transition = fields.Char(string="Guarded Step", readonly=True)
    company_id = fields.Many2one("res.company", required=True, index=True, readonly=True)
    requester_id = fields.Many2one("res.users", required=True, index=True, readonly=True)
    state = fields.Selection(
        STATES, default="pending", required=True, index=True, readonly=True, tracking=True
    )
    current_step_id = fields.Many2one("distribution.approval.step", readonly=True, index=True)
    current_level = fields.Char(related="current_step_id.name", string="Current Level")
    step_ids = fields.One2many("distribution.approval.step", "request_id", string="Levels")
    assignment_ids = fields.One2many(
        "distribution.approval.assignment", "request_id", string="Approvers"
    )
    decision_ids = fields.One2many(
        "distribution.approval.decision", "request_id", string="Decisions"
    )
    access_user_ids = fields.Many2many(
        "res.users",
        "distribution_approval_request_access_rel",
        "request_id",
        "user_id",
        string="Who May See It",
        readonly=True,
        help="The requester, every approver asked, their delegates and the escalation approvers.",
    )
    requested_at = fields.Datetime(default=fields.Datetime.now, readonly=True, index=True)
    closed_at = fields.Datetime(readonly=True)
    passed_at = fields.Datetime(
        string="Step Passed",
        readonly=True,
        help="When the guarded step went through with this approval.",
    )
    last_decision_at = fields.Datetime(readonly=True)
    previous_request_id = fields.Many2one(
        "distribution.approval.request", string="Replaces", readonly=True
    )
    close_reason = fields.Text(readonly=True)

    # what was asked for, as it was
    currency_id = fields.Many2one(related="company_id.currency_id", string="Company Currency")
    amount = fields.Monetary(readonly=True, help="Taxes excluded, in the company's currency.")
    document_currency_id = fields.Many2one("res.currency", readonly=True)
    document_amount = fields.Monetary(currency_field="document_currency_id", readonly=True)
    partner_id = fields.Many2one("res.partner", readonly=True)
    customer_tier = fields.Selection(
        [("a", "Tier A"), ("b", "Tier B"), ("c", "Tier C")], readonly=True
    )
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    rule_id = fields.Many2one("distribution.exception.rule", string="Exception Rule", readonly=True)
    margin = fields.Float(string="Margin (%)", readonly=True)
    discount = fields.Float(string="Highest Discount (%)", readonly=True)
    logistics_cost = fields.Monetary(readonly=True)
    snapshot = fields.Json(readonly=True)
    fingerprint = fields.Char(readonly=True, copy=False)
    lines_html = fields.Html(string="Lines", compute="_compute_lines_html", sanitize=False)

    waiting_for = fields.Char(compute="_compute_waiting_for")
    is_my_turn = fields.Boolean(
        string="Waiting for Me", compute="_compute_is_my_turn", search="_search_is_my_turn"
    )
    decision_count = fields.Integer(compute="_compute_decision_count")

    # ------------------------------------------------------------------ computes

    @api.model
    def _selection_document_type(self):
        return document_types(self.env)

    @api.depends("document_type", "res_name")
    def _compute_display_name(self):
        labels = dict(self._fields["document_type"]._description_selection(self.env))
        for request in self:
            request.display_name = f"{labels.get(request.document_type, '')}: {request.res_name}"

    @api.depends("snapshot")
    def _compute_lines_html(self):
        for request in self:
            lines = (request.snapshot or {}).get("lines") or []
            if not lines:
                request.lines_html = False
                continue
            rows = Markup().join(
                Markup(
                    "<tr><td>%s</td><td class='text-end'>%s %s</td>"
                    "<td class='text-end'>%s</td><td class='text-end'>%s</td></tr>"
                )
                % (
                    line.get("product") or "",
                    f"{line.get('quantity', 0):g}",
                    line.get("uom") or "",
                    f"{line.get('price_unit', 0):.2f}" if "price_unit" in line else "",
                    f"{line.get('discount', 0):g}%" if line.get("discount") else "",
                )
                for line in lines
            )
            request.lines_html = Markup(
                "<table class='table table-sm o_distribution_approval_lines'><thead><tr>"
                "<th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th>"
                "<th class='text-end'>%s</th></tr></thead><tbody>%s</tbody></table>"
            ) % (
                self.env._("Product"),
                self.env._("Quantity"),
                self.env._("Unit Price"),
                self.env._("Discount"),
                rows,
            )

    @api.depends("current_step_id.assignment_ids", "current_step_id.decision_ids", "state")
    def _compute_waiting_for(self):
        for request in self:
            request.waiting_for = (
                ", ".join(request.current_step_id._undecided().mapped("name"))
                if request.state == "pending"
                else ""
            )

    @api.depends_context("uid")
    @api.depends("state", "current_step_id.assignment_ids", "current_step_id.decision_ids")
    def _compute_is_my_turn(self):
        principals = self.env["distribution.approval.delegation"]._principals_of(self.env.user)
        for request in self:
            request.is_my_turn = bool(
                request.state == "pending"
                and request.requester_id != self.env.user
                and request.sudo().current_step_id._undecided() & principals
            )

    def _search_is_my_turn(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on “Waiting for Me”."))
        principals = self.env["distribution.approval.delegation"]._principals_of(self.env.user)
        domain = [
            ("state", "=", "pending"),
            ("requester_id", "!=", self.env.uid),
            ("current_step_id.assignment_ids.user_id", "in", principals.ids),
            (
                "current_step_id.decision_ids",
                "not any",
                ["|", ("user_id", "=", self.env.uid), ("principal_id", "in", principals.ids)],
            ),
        ]
        mine = self.sudo()._search(domain)
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", mine)]

    @api.depends("decision_ids")
    def _compute_decision_count(self):
        for request in self:
            request.decision_count = len(request.decision_ids)

    # ------------------------------------------------------------------ engine: start

    @api.model
    def _latest_for(self, documents, document_type):
        """{document id: its latest request of this type still in force} (one query)."""
        requests = self.sudo().search(
            [
                ("res_model", "=", documents._name),
                ("res_id", "in", documents.ids),
                ("document_type", "=", document_type),
                ("state", "in", ACTIVE_STATES),
            ],
            order="id desc",
        )
        latest = {}
        for request in requests:
            if documents._approval_single_use and request.passed_at:
                continue
            latest.setdefault(request.res_id, request)
        return latest

    @api.model
    def _start(self, plans, transition, requesters=None, previous=None):
        """Create one request per plan, ask its first level, and say so everywhere."""
        if not plans:
            return self.browse()
        requesters = requesters or {}
        documents = plans[0].document.browse([plan.document.id for plan in plans])
        requester_of = {
            document_id: requesters.get(document_id) or self.env.user
            for document_id in documents.ids
        }
        levels = self.env["distribution.approval.level"].union(*(plan.levels for plan in plans))
        approvers = levels.sudo()._approvers(documents, requester_of)
        previous_of = {request.res_id: request for request in previous or ()}
        snapshot_lines = self._snapshot_lines(plans)
        vals_list = []
        for plan in plans:
            facts, document = plan.facts, plan.document
            company = facts["company"] or self.env.company
            vals_list.append(
                {
                    "res_model": document._name,
                    "res_id": document.id,
                    "res_name": document.display_name,
                    "document_type": plan.document_type,
                    "transition": transition,
                    "company_id": company.id,
                    "requester_id": requester_of[document.id].id,
                    "previous_request_id": previous_of.get(document.id, self).id,
                    "amount": facts.get("amount") or 0.0,
                    "document_currency_id": facts.get("currency_id") or company.currency_id.id,
                    "document_amount": facts.get("document_amount") or 0.0,
                    "partner_id": facts.get("partner_id") or False,
                    "customer_tier": facts.get("tier") or False,
                    "warehouse_id": facts.get("warehouse_id") or False,
                    "rule_id": facts.get("rule_id") or False,
                    "margin": facts.get("margin") or 0.0,
                    "discount": facts.get("discount") or 0.0,
                    "logistics_cost": facts.get("logistics_cost") or 0.0,
                    "snapshot": {"lines": snapshot_lines[document.id]},
                    "fingerprint": plan.fingerprint,
                    "step_ids": [
                        Command.create(
                            {
                                "level_id": level.id,
                                "name": level.name,
                                "sequence": index,
                                "quorum": min(level.quorum, len(users)),
                                "allow_repeat_approver": level.allow_repeat_approver,
                                "escalation_user_id": level.escalation_user_id.id,
                                "escalation_hours": level.escalation_hours,
                                "reminder_hours": level.reminder_hours,
                                "assignment_ids": [
                                    Command.create({"user_id": user.id}) for user in users
                                ],
                            }
                        )
                        for index, level in enumerate(plan.levels)
                        for users in [approvers[(level.id, document.id)]]
                    ],
                }
            )
        requests = (
            self.sudo()
            .with_context(mail_create_nolog=True, mail_create_nosubscribe=True, mail_notrack=True)
            .create(vals_list)
        )
        requests._refresh_access()
        requests._log_on_documents(
            {
                request: self.env._(
                    "Approval requested by %(requester)s: %(levels)s",
                    requester=request.requester_id.name,
                    levels=", ".join(request.step_ids.mapped("name")),
                )
                for request in requests
            }
        )
        requests._emit("approval.requested")
        requests._advance()
        return requests.sudo(False)

    @api.model
    def _snapshot_lines(self, plans):
        """{document id: its lines as the request keeps them, with product and unit names}."""
        product_ids, uom_ids = set(), set()
        for plan in plans:
            for line in plan.facts.get("lines") or ():
                product_ids.add(line.get("product_id"))
                uom_ids.add(line.get("uom_id"))
        products = self.env["product.product"].sudo().browse(product_ids - {None, False})
        uoms = self.env["uom.uom"].sudo().browse(uom_ids - {None, False})
        product_names = {product.id: product.display_name for product in products}
        uom_names = {uom.id: uom.name for uom in uoms}
        return {
            plan.document.id: [
                {
                    **line,
                    "product": product_names.get(line.get("product_id"), ""),
                    "uom": uom_names.get(line.get("uom_id"), ""),
                }
                for line in plan.facts.get("lines") or ()
            ]
            for plan in plans
        }

    def _advance(self):
        """Ask the next level of each request, or approve the requests whose levels all did."""
        Step = self.env["distribution.approval.step"]
        to_activate, finished = Step, self.browse()
        for request in self:
            waiting = request.step_ids.filtered(lambda step: step.state == "waiting")
            if waiting:
                to_activate |= waiting.sorted("sequence")[:1]
            else:
                finished |= request
        to_activate._activate()
        finished._finish("approved")

    def _finish(self, state, reason=None):
        """Close the requests in ``state`` (approved or rejected) and tell everyone."""
        if not self:
            return
        self.write({"state": state, "closed_at": fields.Datetime.now(), "close_reason": reason})
        open_steps = self.step_ids.filtered(lambda step: step.state in ("waiting", "pending"))
        open_steps._close("cancelled")
        if state == "approved":
            # formatted outside the translated call, which the .pot extraction must read
            levels = {
                request: ", ".join(
                    f"{d.step_id.name}: {d._who()}"
                    for d in request.decision_ids
                    if d.decision == "approve"
                )
                for request in self
            }
            self._log_on_documents(
                {
                    request: self.env._(
                        "Approved (%(levels)s). It may go on.", levels=levels[request]
                    )
                    for request in self
                }
            )
            self._emit("approval.approved")
            self._tell_requester(self.env._("Your request is approved: you may go on."))
            by_model = {}
            for request in self:
                by_model.setdefault(request.res_model, []).append(request)
            for model, requests in by_model.items():
                requests = self.browse([r.id for r in requests])
                documents = self.env[model].sudo().browse(requests.mapped("res_id")).exists()
                documents._approval_on_approved(requests)
        else:
            self._log_on_documents(
                {
                    request: self.env._(
                        "Rejected at level “%(level)s” by %(who)s: %(comment)s",
                        level=request.current_step_id.name,
                        who=request.decision_ids[-1:]._who(),
                        comment=request.decision_ids[-1:].comment,
                    )
                    for request in self
                }
            )
            self._emit("approval.rejected")
            self._tell_requester(self.env._("Your request is rejected."))

    # ------------------------------------------------------------------ engine: decide

    def _decide(self, approve, comment=None, channel="ui"):
        """Record the current user's decision on the current level; all checks on the server.

        Decisions on one request are taken one at a time: the row is locked first, so a second
        approver deciding at the same moment waits for the first and then sees the outcome (under
        Odoo's REPEATABLE READ isolation the second transaction fails and is retried).
        """
        self.ensure_one()
        comment = (comment or "").strip()
        if not approve and not comment:
            raise UserError(self.env._("Say why you reject it: the requester reads your comment."))
        self.env.cr.execute(
            SQL(
                "SELECT id FROM distribution_approval_request WHERE id = %s FOR NO KEY UPDATE",
                self.id,
            )
        )
        self.check_access("read")
        request = self.sudo()
        request.invalidate_recordset()
        user = self.env.user
        if request.state != "pending":
            raise UserError(
                self.env._(
                    "%(request)s is already %(state)s: nothing to decide.",
                    request=request.display_name,
                    state=dict(STATES)[request.state].lower(),
                )
            )
        step = request.current_step_id
        # the requester is told so first, whether asked or not (nor through a delegation)
        principal = user if user == request.requester_id else request._principal_for(user, step)
        if request.requester_id in (user, principal):
            raise AccessError(
                self.env._(
                    "You cannot decide on %s: you asked for it. Someone else must approve it.",
                    request.display_name,
                )
            )
        people = {user.id, principal.id}
        decided = set(step.decision_ids.user_id.ids) | set(step.decision_ids.principal_id.ids)
        if people & decided:
            raise UserError(
                self.env._("You already decided on level “%s” of this request.", step.name)
            )
        if not step.allow_repeat_approver:
            earlier = request.decision_ids.filtered(
                lambda d: d.step_id != step and d.decision == "approve"
            )
            if people & (set(earlier.user_id.ids) | set(earlier.principal_id.ids)):
                raise AccessError(
                    self.env._(
                        "You approved an earlier level of %(request)s: level “%(level)s” needs "
                        "someone else.",
                        request=request.display_name,
                        level=step.name,
                    )
                )
        assignment = step.assignment_ids.filtered(lambda a: a.user_id == principal)[:1]
        decision = (
            self.env["distribution.approval.decision"]
            .sudo()
            .create(
                {
                    "request_id": request.id,
                    "step_id": step.id,
                    "assignment_id": assignment.id,
                    "user_id": user.id,
                    "principal_id": principal.id,
                    "decision": "approve" if approve else "reject",
                    "comment": comment,
                    "channel": channel,
                }
            )
        )
        # every decision rewrites the request row, so that concurrent deciders conflict
        request.last_decision_at = decision.decided_at
        assignment._close_activity(decision)
        if approve:
            step.approval_count += 1
            if step.approval_count >= step.quorum:
                step._close("approved")
                request._advance()
            else:
                request._log_on_documents(
                    {
                        request: self.env._(
                            "%(who)s approved level “%(level)s” (%(count)s of %(quorum)s).",
                            who=decision._who(),
                            level=step.name,
                            count=step.approval_count,
                            quorum=step.quorum,
                        )
                    }
                )
        else:
            step._close("rejected")
            request._finish("rejected", reason=comment)
        return decision

    def _principal_for(self, user, step):
        """Who ``user`` decides for at ``step``: themself, or an approver they stand in for."""
        assigned = step.assignment_ids.user_id
        if user in assigned:
            return user
        delegators = (
            self.env["distribution.approval.delegation"]._principals_of(user) - user
        ) & assigned
        if delegators:
            undecided = delegators - step.decision_ids.principal_id
            return (undecided or delegators)[0]
        raise AccessError(
            self.env._(
                "You are not asked to approve %(request)s at level “%(level)s”. Waiting for: "
                "%(who)s.",
                request=self.display_name,
                level=step.name,
                who=", ".join(step._undecided().mapped("name")) or self.env._("nobody"),
            )
        )

    # ------------------------------------------------------------------ engine: end of life

    def _invalidate(self, reason):
        """The document changed: approvals expire, pending requests are cancelled."""
        if not self:
            return
        now = fields.Datetime.now()
        approved = self.filtered(lambda r: r.state == "approved")
        approved.write({"state": "expired", "closed_at": now, "close_reason": reason})
        pending = self - approved
        pending.write({"state": "cancelled", "closed_at": now, "close_reason": reason})
        pending.step_ids.filtered(lambda s: s.state in ("waiting", "pending"))._close("cancelled")
        self._log_on_documents(
            {
                request: self.env._("Approval invalidated: %s A new request starts.", reason)
                for request in self
            }
        )
        self._emit("approval.invalidated", reason=reason)

    def _cancel(self, reason):
        if not self:
            return
        self.write(
            {"state": "cancelled", "closed_at": fields.Datetime.now(), "close_reason": reason}
        )
        self.step_ids.filtered(lambda s: s.state in ("waiting", "pending"))._close("cancelled")
        self._log_on_documents(
            {request: self.env._("Approval request cancelled: %s", reason) for request in self}
        )
        self._emit("approval.cancelled", reason=reason)

    def _mark_passed(self):
        self.filtered(lambda r: not r.passed_at).sudo().write({"passed_at": fields.Datetime.now()})

    # ------------------------------------------------------------------ side effects

    def _refresh_access(self):
        """Who may open each request: requester, approvers, their delegates (one query)."""
        requests = self.sudo()
        approvers = requests.assignment_ids.user_id
        delegates = self.env["distribution.approval.delegation"]._delegates_of(approvers)
        for request in requests:
            asked = request.assignment_ids.user_id
            users = request.requester_id | asked
            for approver in asked:
                users |= delegates.get(approver.id, self.env["res.users"])
            if set(users.ids) != set(request.access_user_ids.ids):
                request.access_user_ids = [Command.set(users.ids)]

    def _log_on_documents(self, bodies):
        """One chatter note per request on its document, or on the request itself when the
        document has no chatter."""
        by_model = {}
        for request, body in bodies.items():
            by_model.setdefault(request.res_model, {})[request.res_id] = Markup("<p>%s</p>") % body
        for model, model_bodies in by_model.items():
            documents = self.env[model].sudo().browse(model_bodies).exists()
            if hasattr(documents, "_message_log_batch"):
                documents._message_log_batch(
                    bodies={doc_id: model_bodies[doc_id] for doc_id in documents.ids}
                )
        without_chatter = {
            request.id: Markup("<p>%s</p>") % body
            for request, body in bodies.items()
            if not hasattr(self.env[request.res_model], "_message_log_batch")
        }
        if without_chatter:
            self.sudo().browse(without_chatter)._message_log_batch(bodies=without_chatter)

    def _emit(self, event_type, **extra):
        self.env["distribution.event"].sudo()._emit(
            event_type,
            self,
            payload=lambda r: {
                "request_id": r.id,
                "document_model": r.res_model,
                "document_id": r.res_id,
                "document": r.res_name,
                "document_type": r.document_type,
                "state": r.state,
                "level": r.current_step_id.name or None,
                "amount": r.amount,
                "currency": r.currency_id.name,
                "requester": r.requester_id.name,
                "decided_by": [d._who() for d in r.decision_ids] or None,
                "comment": r.decision_ids[-1:].comment or None,
                **extra,
            },
        )

    def _tell_requester(self, subject):
        for request in self.sudo():
            request.message_post(
                body=Markup("<p>%s</p><p>%s</p>") % (subject, request._status_message()),
                partner_ids=request.requester_id.partner_id.ids,
                subtype_xmlid="mail.mt_note",
            )

    def _notification(self, result=True):
        """The client action telling the user which approvals were asked for."""
        lines = [f"{request.res_name}: {request._status_message()}" for request in self]
        next_action = (
            result
            if isinstance(result, dict)
            else {
                "type": "ir.actions.client",
                "tag": "soft_reload",
            }
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Approval requested"),
                "message": "\n".join(lines),
                "type": "warning",
                "sticky": False,
                "next": next_action,
            },
        }

    def _status_message(self):
        self.ensure_one()
        request = self.sudo()
        step = request.current_step_id
        if request.state == "pending":
            return self.env._(
                "waits for approval at level “%(level)s” (%(count)s of %(quorum)s), from %(who)s.",
                level=step.name,
                count=step.approval_count,
                quorum=step.quorum,
                who=", ".join(step._undecided().mapped("name")),
            )
        if request.state == "rejected":
            decision = request.decision_ids.filtered(lambda d: d.decision == "reject")[-1:]
            return self.env._(
                "rejected at level “%(level)s” by %(who)s on %(when)s: %(comment)s. Change it, "
                "or ask for the approval again.",
                level=step.name,
                who=decision._who(),
                when=format_datetime(self.env, decision.decided_at),
                comment=decision.comment,
            )
        if request.state == "approved":
            return self.env._(
                "approved at %(amount)s by %(who)s.",
                amount=format_amount(self.env, request.amount, request.currency_id),
                who=", ".join(d._who() for d in request.decision_ids if d.decision == "approve"),
            )
        return dict(STATES)[request.state]

    def _status_details(self):
        self.ensure_one()
        request = self.sudo()
        rejection = request.decision_ids.filtered(lambda d: d.decision == "reject")[-1:]
        return {
            "document": request.res_name,
            "state": request.state,
            "level": request.current_step_id.name or None,
            "waiting_for": request.current_step_id._undecided().mapped("name")
            if request.state == "pending"
            else [],
            "rejected_by": rejection._who() if rejection else None,
            "comment": rejection.comment or None,
        }

    # ------------------------------------------------------------------ actions

    def _open_decide_wizard(self, decision):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Approve") if decision == "approve" else self.env._("Reject"),
            "res_model": "distribution.approval.decide",
            "view_mode": "form",
            "target": "new",
            "context": {"default_request_id": self.id, "default_decision": decision},
        }

    def action_approve(self):
        return self._open_decide_wizard("approve")

    def action_reject(self):
        return self._open_decide_wizard("reject")

    def action_withdraw(self):
        """The requester (or a manager) withdraws a pending request."""
        for request in self:
            if request.requester_id != self.env.user and not self.env.user.has_group(
                "distribution_base.group_distribution_manager"
            ):
                raise AccessError(
                    self.env._(
                        "Only the requester or a manager may withdraw %s.", request.display_name
                    )
                )
            if request.state != "pending":
                raise UserError(self.env._("%s is not pending.", request.display_name))
        self.sudo()._cancel(self.env._("Withdrawn by %s.", self.env.user.name))
        return True

    def action_open_document(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------ scheduled actions

    @api.model
    def _cron_remind_and_escalate(self):
        """Escalate the levels past their delay, then remind the approvers due a reminder."""
        Step = self.env["distribution.approval.step"]
        now = fields.Datetime.now()
        late = Step.search(
            [
                ("state", "=", "pending"),
                ("escalate_at", "<=", now),
                ("escalated_at", "=", False),
                ("escalation_user_id", "!=", False),
            ]
        )
        late._escalate()
        due = Step.search([("state", "=", "pending"), ("next_reminder_at", "<=", now)])
        due._remind()
        return late, due
