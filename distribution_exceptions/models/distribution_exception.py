# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.osv import expression
from odoo.tools import SQL
from odoo.tools.mail import generate_tracking_message_id

from .bulk_insert import insert_rows
from .distribution_exception_rule import OPEN_STATES


class DistributionException(models.Model):
    """One occurrence of a rule on a document (and line): who owns it, by when, and how it ended.

    At most one open occurrence exists per (rule, document, line); re-detection updates its reason.
    """

    _name = "distribution.exception"
    _description = "Distribution Exception"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "opened_at desc, id desc"

    rule_id = fields.Many2one("distribution.exception.rule", required=True, ondelete="cascade")
    name = fields.Char(related="rule_id.name", string="Rule Name")
    res_model = fields.Char(string="Document Model", required=True, index=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Document ID", model_field="res_model", required=True, index=True, readonly=True
    )
    res_name = fields.Char(string="Document", readonly=True)
    line_model = fields.Char(readonly=True)
    line_id = fields.Many2oneReference(string="Line ID", model_field="line_model", readonly=True)
    line_name = fields.Char(string="Line", readonly=True)
    company_id = fields.Many2one("res.company", index=True, readonly=True)
    severity = fields.Selection(related="rule_id.severity", store=True)
    transition = fields.Selection(related="rule_id.transition", store=True)
    category = fields.Selection(related="rule_id.category", store=True)
    state = fields.Selection(
        [
            ("open", "Open"),
            ("acknowledged", "Acknowledged"),
            ("resolved", "Resolved"),
            ("waived", "Waived"),
            ("cleared", "Auto-cleared"),
        ],
        default="open",
        required=True,
        index=True,
        tracking=True,
    )
    owner_id = fields.Many2one("res.users", index=True, tracking=True)
    deadline = fields.Datetime()
    is_breached = fields.Boolean(string="SLA Breached", readonly=True)
    opened_at = fields.Datetime(default=fields.Datetime.now, readonly=True)
    opened_by_id = fields.Many2one("res.users", default=lambda self: self.env.user, readonly=True)
    closed_at = fields.Datetime(readonly=True)
    closed_by_id = fields.Many2one("res.users", readonly=True)
    reason = fields.Text(required=True, tracking=True)
    waive_by_approval = fields.Boolean(related="rule_id.waive_by_approval")
    resolution_note = fields.Text()

    def init(self):
        self.env.cr.execute(
            SQL(
                """CREATE UNIQUE INDEX IF NOT EXISTS distribution_exception_one_open_idx
                   ON distribution_exception (rule_id, res_model, res_id, COALESCE(line_id, 0))
                   WHERE state IN %s""",
                OPEN_STATES,
            )
        )

    # ------------------------------------------------------------------ access
    # Like activities and messages, an occurrence is visible to whoever may read its document:
    # a salesman sees the exceptions of his orders, not of his colleagues' ones.

    @api.model
    def _search(self, domain, offset=0, limit=None, order=None):
        if not self.env.su:
            domain = expression.AND([domain, self._readable_documents_domain()])
        return super()._search(domain, offset=offset, limit=limit, order=order)

    @api.model
    def _readable_documents_domain(self):
        """Occurrences whose document the user may read, as sub-queries (no ids are loaded)."""
        models_in_use = [
            model
            for model, _label in self.env["distribution.exception.rule"]
            ._fields["target_model"]
            ._description_selection(self.env)
            if model in self.env and self.env[model].browse().has_access("read")
        ]
        return expression.OR(
            [
                [
                    ("res_model", "=", model),
                    ("res_id", "in", self.env[model].with_context(active_test=False)._search([])),
                ]
                for model in models_in_use
            ]
        )

    def _check_access(self, operation):
        result = super()._check_access(operation)
        if result or self.env.su or not self._ids:
            return result
        by_model = {}
        for exception in self.sudo():
            by_model.setdefault(exception.res_model, {}).setdefault(exception.res_id, []).append(
                exception.id
            )
        forbidden_ids = []
        for model, by_document in by_model.items():
            documents = self.env[model].browse(by_document).exists() if model in self.env else []
            readable = set(documents._filtered_access("read").ids) if documents else set()
            for res_id, ids in by_document.items():
                if res_id not in readable:
                    forbidden_ids += ids
        if not forbidden_ids:
            return None
        forbidden = self.browse(forbidden_ids)
        return forbidden, lambda: AccessError(
            self.env._(
                "You may not see these exceptions because you cannot read their documents: %s",
                ", ".join(forbidden.sudo().mapped("res_name")),
            )
        )

    @api.depends("res_name", "name")
    def _compute_display_name(self):
        for exception in self:
            exception.display_name = f"{exception.res_name}: {exception.name}"

    # ------------------------------------------------------------------ synchronisation

    @api.model
    def _synchronize(self, records, results, existing):
        """Make the open occurrences match ``results``: {rule: (documents checked, findings)}.

        Findings are {(document id, line id or 0): reason}; ``existing`` are the occurrences of
        these rules open on ``records``. New findings open occurrences, known ones get their
        reason refreshed, and open occurrences of a rule on documents it checked and no longer
        finds are auto-cleared. Documents out of a rule's scope are left alone.
        Returns (occurrences opened, occurrences open now).
        """
        known = {(e.rule_id, e.res_id, e.line_id or 0): e for e in existing}
        to_create = []
        to_clear = []
        for rule, (checked, found) in results.items():
            for (res_id, line_id), reason in found.items():
                occurrence = known.pop((rule, res_id, line_id), None)
                if occurrence is None:
                    to_create.append((rule, res_id, line_id, reason))
                elif occurrence.reason != reason:
                    occurrence.reason = reason
            checked_ids = set(checked.ids)
            to_clear += [
                occurrence
                for (known_rule, res_id, _line), occurrence in known.items()
                if known_rule == rule and res_id in checked_ids
            ]
        cleared = self.union(*to_clear)
        cleared._close("cleared", self.env._("The condition is no longer found."))
        opened = self._open(records, to_create)
        return opened, existing - cleared | opened

    def _open(self, records, findings):
        if not findings:
            return self.browse()
        documents = {record.id: record for record in records}
        line_model = records._distribution_line_model()
        line_ids = {line_id for *_, line_id, _r in findings if line_id}
        # header-only hosts (no _distribution_line_field) have no line model
        lines = self.env[line_model].browse(line_ids) if line_model else ()
        line_names = {line.id: line.display_name for line in lines}
        now = fields.Datetime.now()
        vals_list = []
        for rule, res_id, line_id, reason in findings:
            document = documents[res_id]
            vals_list.append(
                {
                    "rule_id": rule.id,
                    "res_model": records._name,
                    "res_id": res_id,
                    "res_name": document.display_name,
                    "line_model": line_model if line_id else False,
                    "line_id": line_id or False,
                    "line_name": line_names.get(line_id, False),
                    "company_id": document.company_id.id,
                    "reason": reason,
                    "owner_id": rule._owner_of(document).id,
                    "deadline": now + timedelta(hours=rule.sla_hours) if rule.sla_hours else False,
                    "state": "open",
                    # the rule's, as the related fields would compute them
                    "severity": rule.severity,
                    "transition": rule.transition,
                    "category": rule.category,
                }
            )
        # One INSERT (see bulk_insert): no creation message and no creator follower, as before
        # with create; the owner follows through the activity.
        occurrences = insert_rows(self.sudo(), vals_list)
        occurrences._schedule_owner_activities()
        occurrences._log_on_documents(self.env._("Exception raised"))
        occurrences._emit("exception.raised")
        return occurrences.sudo(False)

    def _close(self, state, note):
        if not self:
            return
        previous = {exception.id: exception.state for exception in self}
        # the state change is tracked below, for the batch at once
        self.sudo().with_context(tracking_disable=True).write(
            {
                "state": state,
                "closed_at": fields.Datetime.now(),
                "closed_by_id": self.env.uid,
                "resolution_note": note,
            }
        )
        self._log_state_change(previous, state)
        self._mark_activities_done(note)
        label = dict(self._fields["state"]._description_selection(self.env))[state]
        self._log_on_documents(label)
        self._emit(f"exception.{state}")

    # ------------------------------------------------------------------ side effects

    def _schedule_owner_activities(self):
        """The owner's to-do on each new exception, due by its deadline; the owner follows it.

        What ``mail.activity.create`` does for one activity, done once for the batch: the
        activities, their owners as followers of the exceptions (with the default subtypes), and
        the refresh of the owners' activity counters in the web client. No "activity assigned"
        e-mail per exception: a scan may raise thousands at once, and owners see them in their
        activities and in My Exceptions. Escalations do send one.
        """
        owned = self.filtered("owner_id")
        if not owned:
            return
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        now = fields.Datetime.now()
        activities = insert_rows(
            self.env["mail.activity"].sudo(),
            [
                {
                    "res_model_id": model_id,
                    "res_model": self._name,
                    "res_id": exception.id,
                    "res_name": exception.display_name,
                    "activity_type_id": activity_type.id,
                    "summary": exception.name,
                    "note": Markup("<p>%s</p>") % exception.reason,
                    "user_id": exception.owner_id.id,
                    "date_deadline": fields.Date.to_date(exception.deadline or now),
                }
                for exception in owned
            ],
        )
        self._insert_followers(owned, {e.id: e.owner_id.partner_id.id for e in owned})
        today = fields.Date.context_today(self)
        due = activities.filtered(lambda activity: activity.date_deadline <= today)
        if due:
            due.user_id._bus_send("mail.activity/updated", {"activity_created": True})

    @api.model
    def _insert_followers(self, records, partner_by_record):
        """Subscribe one partner to each of ``records`` (new ones: nobody follows them yet)."""
        Followers = self.env["mail.followers"].sudo()
        default, _internal, external = self.env["mail.message.subtype"].default_subtypes(
            records._name
        )
        partners = self.env["res.partner"].sudo().browse(set(partner_by_record.values()))
        shared = set(partners.filtered("partner_share").ids)
        followers = insert_rows(
            Followers,
            [
                {"res_model": records._name, "res_id": res_id, "partner_id": partner_id}
                for res_id, partner_id in partner_by_record.items()
            ],
        )
        subtypes = Followers._fields["subtype_ids"]
        partner_ids = partner_by_record.values()
        pairs = [
            (follower_id, subtype_id)
            for follower_id, partner_id in zip(followers.ids, partner_ids, strict=True)
            for subtype_id in (external if partner_id in shared else default).ids
        ]
        if pairs:
            self.env.cr.execute(
                f'INSERT INTO "{subtypes.relation}" ("{subtypes.column1}", "{subtypes.column2}") '
                f"VALUES {', '.join(['%s'] * len(pairs))}",
                pairs,
            )
        followers._invalidate_documents()

    def _log_on_documents(self, title):
        """One chatter note per document, listing its occurrences (a batch, not a loop of posts)."""
        bodies = {}
        for exception in self:
            line = Markup("<li><b>%s</b>: %s</li>") % (exception.name, exception.reason)
            bodies.setdefault((exception.res_model, exception.res_id), []).append(line)
        by_model = {}
        for (model, res_id), lines in bodies.items():
            body = Markup("<p>%s</p><ul>%s</ul>") % (title, Markup().join(lines))
            by_model.setdefault(model, {})[res_id] = body
        for model, model_bodies in by_model.items():
            if hasattr(self.env[model], "_message_log_batch"):
                self._log_notes(model, model_bodies)

    @api.model
    def _log_notes(self, model, bodies):
        """Internal notes by the current user on ``model`` documents, {document id: markup}: what
        ``_message_log_batch`` writes (no notification, no tracking), in one INSERT."""
        return self._insert_messages(
            model, [{"res_id": res_id, "body": body} for res_id, body in bodies.items()]
        )

    @api.model
    def _insert_messages(self, model, rows, subtype_xmlid="mail.mt_note"):
        """Log messages by the current user on ``model`` documents, one per dict of ``rows``
        (res_id, body and, the same in every dict, other message fields), without notifying
        anyone, in one INSERT."""
        Thread = self.env[model].sudo()
        author_id, email_from = Thread._message_compute_author(raise_on_email=False)
        values = {
            "author_id": author_id,
            "email_from": email_from,
            "model": model,
            "record_alias_domain_id": False,
            "record_company_id": False,
            "record_name": False,
            "message_type": "notification",
            "is_internal": True,
            "subject": False,
            "subtype_id": self.env["ir.model.data"]._xmlid_to_res_id(subtype_xmlid),
            "email_add_signature": False,
            "message_id": generate_tracking_message_id("message-notify"),
            "reply_to": self.env["mail.thread"]._notify_get_reply_to(default=email_from)[False],
        }
        return insert_rows(self.env["mail.message"].sudo(), [dict(values, **row) for row in rows])

    def _log_state_change(self, previous, state):
        """What tracking would log on each exception, {exception id: former state}: a message
        with the change of state as its tracking value."""
        labels = dict(self._fields["state"]._description_selection(self.env))
        messages = self._insert_messages(
            self._name, [{"res_id": res_id, "body": ""} for res_id in previous]
        )
        field_id = self.env["ir.model.fields"]._get(self._name, "state").id
        insert_rows(
            self.env["mail.tracking.value"].sudo(),
            [
                {
                    "mail_message_id": message_id,
                    "field_id": field_id,
                    "old_value_char": labels[former],
                    "new_value_char": labels[state],
                }
                for message_id, former in zip(messages.ids, previous.values(), strict=True)
            ],
        )

    def _mark_activities_done(self, feedback):
        """Mark the activities on these exceptions done, with ``feedback``: a message on each
        exception tells which was done, and the activity goes (is archived, for the types that
        keep done activities).

        Activities that carry attachments, or whose type schedules a next activity, go through
        Odoo's own ``action_feedback``; the owners' and escalations' to-dos are written for the
        whole batch at once.
        """
        activities = self.sudo().activity_ids
        if not activities:
            return
        attached = set(
            self.env["ir.attachment"]
            .sudo()
            .search_fetch(
                [("res_model", "=", "mail.activity"), ("res_id", "in", activities.ids)],
                ["res_id"],
            )
            .mapped("res_id")
        )
        special = activities.filtered(
            lambda a: a.id in attached or a.activity_type_id.chaining_type == "trigger"
        )
        if special:
            special.action_feedback(feedback=feedback)
        plain = activities - special
        if not plain:
            return
        feedback_html = (
            Markup("<p>%s</p>") % Markup("<br/>").join(feedback.splitlines())
            if feedback
            else Markup()
        )
        self._insert_messages(
            self._name,
            [
                {
                    "res_id": activity.res_id,
                    "body": Markup("<p>%s</p>%s")
                    % (
                        self.env._(
                            "%(activity)s done, assigned to %(owner)s: %(summary)s",
                            activity=activity.activity_type_id.name,
                            owner=activity.user_id.name,
                            summary=activity.summary or activity.res_name,
                        ),
                        feedback_html,
                    ),
                    "mail_activity_type_id": activity.activity_type_id.id,
                }
                for activity in plain
            ],
            subtype_xmlid="mail.mt_activities",
        )
        kept = plain.filtered("activity_type_id.keep_done")
        kept.action_archive()
        (plain - kept).unlink()

    def _emit(self, event_type):
        self.env["distribution.event"].sudo()._emit(
            event_type,
            self,
            payload=lambda e: {
                "rule": e.name,
                "severity": e.severity,
                "document_model": e.res_model,
                "document_id": e.res_id,
                "document": e.res_name,
                "line_id": e.line_id or None,
                "reason": e.reason,
                "owner": e.owner_id.name or None,
            },
        )

    # ------------------------------------------------------------------ scheduled actions

    @api.model
    def _cron_check_sla(self):
        """Mark open exceptions past their deadline as breached and escalate them, in batch."""
        breached = self.search(
            [
                ("state", "in", OPEN_STATES),
                ("is_breached", "=", False),
                ("deadline", "!=", False),
                ("deadline", "<", fields.Datetime.now()),
            ]
        )
        if not breached:
            return breached
        breached.write({"is_breached": True})
        activity_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        self.env["mail.activity"].create(
            [
                {
                    "res_model_id": model_id,
                    "res_id": exception.id,
                    "activity_type_id": activity_type.id,
                    "summary": self.env._("SLA breached: %s", exception.name),
                    "note": exception.reason,
                    "user_id": exception.rule_id.escalation_user_id.id,
                    "date_deadline": fields.Date.context_today(self),
                }
                for exception in breached
                if exception.rule_id.escalation_user_id
            ]
        )
        breached._emit("exception.breached")
        return breached

    # ------------------------------------------------------------------ actions

    def action_acknowledge(self):
        self.filtered(lambda e: e.state == "open").write({"state": "acknowledged"})

    def action_resolve(self):
        self._close("resolved", self.env._("Resolved by %s", self.env.user.name))

    def _check_can_waive(self):
        for exception in self:
            group = exception.rule_id.waiver_group_id
            if group and group not in self.env.user.groups_id and not self.env.is_superuser():
                raise AccessError(
                    self.env._(
                        "You cannot waive “%(rule)s” on %(document)s: only members of "
                        "“%(group)s” may. Ask them, or fix the cause so the exception clears.",
                        rule=exception.name,
                        document=exception.res_name,
                        group=group.full_name,
                    )
                )
            if exception.state not in OPEN_STATES:
                raise UserError(self.env._("%s is not open any more.", exception.display_name))

    def _waive(self, reason, approved=False):
        """Waive with ``reason``; ``approved`` is passed by server code once an approval granted
        the waiver (it cannot come from a client), and replaces the waiver group check."""
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason for the waiver: it is kept for audit."))
        if not approved:
            needs_approval = self.filtered("rule_id.waive_by_approval")
            if needs_approval:
                raise UserError(
                    self.env._(
                        "“%s” is waived through an approval, not directly: use Request Waiver.",
                        needs_approval[0].name,
                    )
                )
            self._check_can_waive()
        elif not_open := self.filtered(lambda e: e.state not in OPEN_STATES):
            raise UserError(self.env._("%s is not open any more.", not_open[0].display_name))
        self._close("waived", reason)

    def action_request_waiver(self):
        """Ask for the waiver through an approval. Distribution Control Approvals implements it."""
        raise UserError(
            self.env._(
                "Waivers of “%s” need an approval, and Distribution Control Approvals is not "
                "installed. Ask an administrator to install it, or to change the rule.",
                self[:1].name,
            )
        )

    def action_open_waive_wizard(self):
        self._check_can_waive()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Waive Exceptions"),
            "res_model": "distribution.exception.waive",
            "view_mode": "form",
            "target": "new",
            "context": {"default_exception_ids": self.ids},
        }

    def action_open_document(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }
