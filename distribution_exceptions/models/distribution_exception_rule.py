# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import namedtuple

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, ValidationError
from odoo.osv import expression
from odoo.tools import format_amount
from odoo.tools.misc import get_lang
from odoo.tools.safe_eval import (
    _BUILTINS,
    _SAFE_OPCODES,
    safe_eval,
    test_expr,
    unsafe_eval,
)
from odoo.tools.safe_eval import datetime as safe_datetime

# Built-in detectors: code -> (label, document model, level, default transition). Each is
# implemented on its document model as ``_distribution_detect_<code>(rule)`` and returns
# {(document id, line id or 0): reason} for the whole recordset in a fixed number of queries.
Detector = namedtuple("Detector", "label model level transition")
BUILTIN_DETECTORS = {
    "stock_shortage": Detector("Stock shortage", "sale.order", "line", "confirm"),
    "credit_limit": Detector("Credit exposure over limit", "sale.order", "header", "confirm"),
    "overdue_invoices": Detector("Overdue invoices", "sale.order", "header", "confirm"),
    "discount": Detector("Discount above threshold", "sale.order", "line", "confirm"),
    "margin": Detector("Margin below threshold", "sale.order", "line", "confirm"),
    "missing_data": Detector("Missing required data", "sale.order", "header", "confirm"),
    "late_receipt": Detector("Receipt later than planned", "purchase.order", "line", "monitor"),
    "unacknowledged": Detector(
        "Not acknowledged by the supplier", "purchase.order", "header", "monitor"
    ),
    "backorder_age": Detector("Backorder too old", "stock.picking", "header", "monitor"),
    "late_delivery": Detector("Delivery later than promised", "stock.picking", "header", "monitor"),
    "invoice_hold": Detector("Deliveries not confirmed", "account.move", "header", "post"),
}

OPEN_STATES = ("open", "acknowledged")


def amount_formatter(env, currency):
    """A function formatting amounts of ``currency`` like ``format_amount``, for many reasons.

    ``format_amount`` looks the language up on every call, which costs more than the detection
    of a credit hold; the separators are read once here. Languages that do not group digits by
    three keep ``format_amount``.
    """
    lang = get_lang(env)
    if lang.grouping != "[3,0]":
        return lambda amount: format_amount(env, amount, currency)
    separators = str.maketrans({",": lang.thousands_sep or "", ".": lang.decimal_point})
    before = currency.position == "before"
    symbol = currency.symbol or ""

    def format_one(amount):
        number = f"{currency.round(amount):,.{currency.decimal_places}f}".translate(separators)
        number = number.replace("-", "-\N{ZERO WIDTH NO-BREAK SPACE}").replace(
            " ", "\N{NO-BREAK SPACE}"
        )
        return (
            f"{symbol}\N{NO-BREAK SPACE}{number}"
            if before
            else f"{number}\N{NO-BREAK SPACE}{symbol}"
        )

    return format_one


def short_number(value, digits=None):
    """A quantity or percentage for a reason: 40, 12.5, 33.3 — no trailing zeros."""
    return f"{value:.{digits}f}" if digits is not None else f"{value:g}"


class DistributionExceptionRule(models.Model):
    _name = "distribution.exception.rule"
    _description = "Exception Rule"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to apply the rule to the documents of every company."
    )
    target_model = fields.Selection(
        [
            ("sale.order", "Sales Order"),
            ("purchase.order", "Purchase Order"),
            ("stock.picking", "Transfer"),
            ("account.move", "Customer Invoice"),
        ],
        string="Document",
        required=True,
        default="sale.order",
    )
    detector = fields.Selection(
        [(code, spec.label) for code, spec in BUILTIN_DETECTORS.items()]
        + [("domain", "Domain"), ("python", "Python expression")],
        required=True,
        default="domain",
        help="How the condition is found. Built-in detectors check many documents at once; a "
        "domain selects the documents (or lines) in exception; a Python expression is evaluated "
        "per document and may only be written by system administrators.",
    )
    level = fields.Selection(
        [("header", "Document"), ("line", "Line")],
        required=True,
        default="header",
        help="Line rules raise one exception per offending line, and clear it line by line.",
    )
    domain = fields.Char(
        default="[]",
        help="Documents (or lines, for line rules) matching this domain are in exception.",
    )
    python_code = fields.Text(
        string="Python Expression",
        help="Evaluated for each document as `document`; true means in exception. Available: "
        "document, user, today, datetime.",
    )
    threshold = fields.Float(
        help="Discount or margin in %, or amount, depending on the detector.",
    )
    days = fields.Integer(
        help="Grace period in days: invoices overdue by more than this, receipts this late, "
        "orders unacknowledged this long, backorders this old.",
    )
    required_field_ids = fields.Many2many(
        "ir.model.fields",
        string="Required Fields",
        domain="[('model', '=', target_model), ('store', '=', True)]",
        help="For the missing-data detector: each empty field is reported.",
    )
    reason_template = fields.Char(
        string="Reason",
        translate=True,
        help="Shown to the owner for domain and Python rules. Defaults to the rule name.",
    )
    severity = fields.Selection(
        [("info", "Info"), ("warning", "Warning"), ("blocking", "Blocking")],
        required=True,
        default="warning",
    )
    category = fields.Selection(
        [("business", "Business"), ("technical", "Technical")],
        required=True,
        default="business",
        help="Technical exceptions (an integration failing, a dead-lettered event) are for "
        "administrators; business ones for the people who handle the documents.",
    )
    transition = fields.Selection(
        [
            ("confirm", "Confirm"),
            ("validate", "Validate"),
            ("post", "Post"),
            ("monitor", "None (monitoring)"),
        ],
        string="Guarded Transition",
        required=True,
        default="confirm",
        help="The step this rule is evaluated before; a blocking exception stops it. Monitoring "
        "rules guard no step: they watch documents already under way (a late receipt, an old "
        "backorder) and are evaluated by the scheduled scan and the automation rules.",
    )
    owner_type = fields.Selection(
        [
            ("user", "A user"),
            ("field", "A field of the document"),
            ("credit_controller", "The company's credit controller"),
        ],
        required=True,
        default="field",
    )
    owner_user_id = fields.Many2one("res.users", string="Owner")
    owner_field_id = fields.Many2one(
        "ir.model.fields",
        domain="[('model', '=', target_model), ('relation', '=', 'res.users')]",
        help="E.g. the salesperson of an order or the buyer of a purchase order.",
    )
    sla_hours = fields.Float(string="SLA (hours)", default=24.0)
    escalation_user_id = fields.Many2one("res.users", string="Escalate To")
    waiver_group_id = fields.Many2one(
        "res.groups",
        string="Who May Waive",
        default=lambda self: self.env.ref(
            "distribution_base.group_distribution_manager", raise_if_not_found=False
        ),
    )
    waive_by_approval = fields.Boolean(
        string="Waive Through an Approval",
        help="Nobody waives these exceptions directly: the owner requests a waiver, which goes "
        "through the approval matrix (Distribution Control Approvals), and the approval is "
        "recorded as the waiver's reason.",
    )
    exception_ids = fields.One2many("distribution.exception", "rule_id", string="Exceptions")
    open_exception_count = fields.Integer(compute="_compute_open_exception_count")

    @api.depends("exception_ids.state")
    def _compute_open_exception_count(self):
        counts = dict(
            self.env["distribution.exception"]._read_group(
                [("rule_id", "in", self.ids), ("state", "in", OPEN_STATES)],
                ["rule_id"],
                ["__count"],
            )
        )
        for rule in self:
            rule.open_exception_count = counts.get(rule, 0)

    @api.constrains("detector", "target_model", "level")
    def _check_detector_target(self):
        for rule in self:
            spec = BUILTIN_DETECTORS.get(rule.detector)
            if spec and (spec.model, spec.level) != (rule.target_model, rule.level):
                raise ValidationError(
                    self.env._(
                        "The detector “%(detector)s” checks %(level)s of %(model)s documents.",
                        detector=spec.label,
                        level=self.env._("lines")
                        if spec.level == "line"
                        else self.env._("headers"),
                        model=spec.model,
                    )
                )
            if rule.detector == "python" and rule.level != "header":
                raise ValidationError(self.env._("Python rules work on whole documents."))

    @api.constrains("transition", "target_model", "severity")
    def _check_transition(self):
        for rule in self:
            scopes = self.env[rule.target_model]._distribution_scopes
            if rule.transition not in scopes:
                raise ValidationError(
                    self.env._(
                        "“%(rule)s”: a %(document)s has no “%(transition)s” step. Choose one of: "
                        "%(choices)s.",
                        rule=rule.name,
                        document=rule._description_selection_label("target_model"),
                        transition=rule._description_selection_label("transition"),
                        choices=", ".join(
                            label
                            for value, label in self._fields["transition"]._description_selection(
                                self.env
                            )
                            if value in scopes
                        ),
                    )
                )
            if rule.transition == "monitor" and rule.severity == "blocking":
                raise ValidationError(
                    self.env._(
                        "“%s” guards no step, so it cannot block anything: make it a warning, or "
                        "choose the step it must stop.",
                        rule.name,
                    )
                )

    def _description_selection_label(self, field_name):
        selection = dict(self._fields[field_name]._description_selection(self.env))
        return selection.get(self[field_name], self[field_name])

    @api.constrains("python_code")
    def _check_python_code(self):
        for rule in self.filtered("python_code"):
            try:
                test_expr(rule.python_code, _SAFE_OPCODES, mode="eval")
            except (SyntaxError, ValueError, NameError) as error:
                raise ValidationError(
                    self.env._(
                        "The Python expression of “%(rule)s” is invalid: %(error)s",
                        rule=rule.name,
                        error=error,
                    )
                ) from error

    @api.onchange("detector")
    def _onchange_detector(self):
        spec = BUILTIN_DETECTORS.get(self.detector)
        if spec:
            self.target_model, self.level, self.transition = spec.model, spec.level, spec.transition
            if spec.transition == "monitor" and self.severity == "blocking":
                self.severity = "warning"

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("python_code") or vals.get("detector") == "python" for vals in vals_list):
            self._check_python_rights()
        self.env.registry.clear_cache()  # _rule_index
        return super().create(vals_list)

    def write(self, vals):
        if "python_code" in vals or vals.get("detector") == "python":
            self._check_python_rights()
        self.env.registry.clear_cache()  # _rule_index, _required_fields
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()  # _rule_index, _required_fields
        return super().unlink()

    def _required_fields(self):
        """{field name: label} of the fields the missing-data detector requires."""
        self.ensure_one()
        return dict(self._required_fields_cached())

    @tools.ormcache("self.id", "self.env.lang")
    def _required_fields_cached(self):
        # ir.model.fields is readable by administrators only, and rules run as the user
        return tuple(
            (field.name, field.field_description) for field in self.sudo().required_field_ids
        )

    def _check_python_rights(self):
        if not self.env.is_system():
            raise AccessError(
                self.env._(
                    "Only system administrators may write Python exception rules. Use a built-in "
                    "detector or a domain, or ask an administrator."
                )
            )

    # ------------------------------------------------------------------ detection

    @api.model
    def _rules_for(self, records, transition=None):
        """The active rules of ``records``' model (and ``transition``) for their companies, in
        order. Read from a registry cache: documents are re-checked on every change that matters,
        and most changes concern a model with few rules, or none."""
        self.browse().check_access("read")
        index = self._rule_index(records._name, transition)
        if not index:
            return self.browse()
        records.fetch(["company_id"])  # not every column of every document
        companies = set(records.company_id.ids)
        if not self.env.su:  # the record rule: the rules of the user's companies
            companies &= set(self.env.companies.ids)
        return self.browse(
            rule_id for rule_id, company_id in index if not company_id or company_id in companies
        )

    @api.model
    @tools.ormcache("model", "transition")
    def _rule_index(self, model, transition):
        """((rule id, company id or 0), ...) of the active rules of ``model`` (``transition``)."""
        domain = [("target_model", "=", model)]
        if transition:
            domain.append(("transition", "=", transition))
        return tuple(
            (rule.id, rule.company_id.id or 0)
            for rule in self.sudo().search_fetch(domain, ["company_id"])
        )

    def _detect(self, records):
        """Findings of this rule on ``records``: {(document id, line id or 0): reason}."""
        self.ensure_one()
        if self.company_id:
            records = records.filtered(lambda record: record.company_id == self.company_id)
        if not records:
            return {}
        if self.detector == "domain":
            return self._detect_domain(records)
        if self.detector == "python":
            return self._detect_python(records)
        return getattr(records, f"_distribution_detect_{self.detector}")(self)

    def _detect_domain(self, records):
        domain = safe_eval(self.domain or "[]", {"context_today": fields.Date.context_today})
        reason = self.reason_template or self.name
        if self.level == "header":
            matched = records._search([("id", "in", records.ids), *domain])
            return {(document_id, 0): reason for document_id in matched}
        Line = self.env[records._distribution_line_model()]
        parent_field = records._fields[records._distribution_line_field].inverse_name
        # ordered by id: the lines' default order joins their documents
        matched = Line.search_fetch(
            [(parent_field, "in", records.ids), *domain], [parent_field], order="id"
        )
        return {(line[parent_field].id, line.id): reason for line in matched}

    def _detect_python(self, records):
        code = test_expr(self.python_code or "False", _SAFE_OPCODES, mode="eval")
        context = {
            "__builtins__": dict(_BUILTINS),
            "user": self.env.user,
            "today": fields.Date.context_today(self),
            "datetime": safe_datetime,
        }
        reason = self.reason_template or self.name
        found = {}
        for document in records:
            if unsafe_eval(code, dict(context, document=document)):  # opcodes checked above
                found[(document.id, 0)] = reason
        return found

    @api.model
    def _run(self, records, transition=None):
        """Evaluate the applicable rules on ``records`` and bring occurrences up to date.

        Detection runs as the user; keeping the occurrences up to date is the engine's job and
        is done with elevated rights, once the user is known to read the documents. Whoever may
        confirm an order (post an invoice…) gets it checked, whatever their Distribution groups.
        Returns the occurrences it opened.
        """
        return self._evaluate(records, transition)[0]

    @api.model
    def _evaluate(self, records, transition=None):
        """:meth:`_run`, returning (occurrences opened, occurrences of the rules run that are
        open now on ``records``), both with elevated rights."""
        Occurrence = self.env["distribution.exception"].sudo()
        if not self._rule_index(records._name, transition):
            return Occurrence, Occurrence
        # The record rules in SQL: checked in Python, they read every document's fields. One
        # query tells that every document exists and may be read.
        ids = set(records._ids)
        readable = records.with_context(active_test=False).search_count([("id", "in", list(ids))])
        if readable < len(ids):
            records = records.exists()
            records.check_access("read")  # raises, naming what may not be read
        rules = self._rules_for(records, transition)
        if not records or not rules:
            return Occurrence, Occurrence
        records.flush_model()
        steps = set(rules.mapped("transition"))
        scopes = {step: records._distribution_in_scope(step) for step in steps}
        results = {}
        for rule in rules:
            in_scope = scopes[rule.transition]
            # A document that passed a guarded step keeps its open occurrences for their owners
            # to close; one that left the monitored states (a delivered transfer) is over.
            checked = records if rule.transition == "monitor" else in_scope
            results[rule] = (checked, rule._detect(in_scope))
        known = Occurrence.search_fetch(
            [
                ("rule_id", "in", rules.ids),
                ("res_model", "=", records._name),
                ("res_id", "in", records.ids),
                ("state", "in", (*OPEN_STATES, "waived")),
            ],
            ["rule_id", "res_id", "line_id", "reason", "state"],
        )
        waived = known.filtered(lambda exception: exception.state == "waived")
        rules._drop_waived(waived, results)
        return Occurrence._synchronize(records, results, known - waived)

    def _drop_waived(self, waived, results):
        """Remove from the findings what was ``waived`` and is found again unchanged.

        A waiver covers the condition as it was found: when the finding changes (another quantity,
        amount or date, so another reason) it is raised again. Without this, the next run would
        reopen the waived condition and the document could never pass its step.
        """
        for exception in waived:
            found = results[exception.rule_id][1]
            key = (exception.res_id, exception.line_id or 0)
            if found.get(key) == exception.reason:
                del found[key]

    @api.model
    def _cron_scan(self, chunk_size=500):
        """Re-check pending documents of every guarded model, one chunk per run.

        The last id done is kept per model, and while documents remain the cron reports progress
        so Odoo runs it again at once in a new transaction: a long scan commits chunk by chunk and
        resumes where it stopped if interrupted.
        """
        params = self.env["ir.config_parameter"].sudo()
        done = remaining = 0
        steps_in_use = {}
        for model, step in self._read_group([], ["target_model", "transition"]):
            steps_in_use.setdefault(model, []).append(step)
        for model, steps in steps_in_use.items():
            key = f"distribution_exceptions.scan_cursor.{model}"
            last_id = int(params.get_param(key, 0))
            Document = self.env[model]
            scope = expression.OR([Document._distribution_scopes[step] for step in steps])
            pending = Document.search(
                [("id", ">", last_id), *scope], order="id", limit=chunk_size + 1
            )
            chunk = pending[:chunk_size]
            self._run(chunk)
            done += len(chunk)
            if len(pending) > chunk_size:
                remaining += 1
                params.set_param(key, chunk[-1].id)
            else:
                params.set_param(key, 0)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        return done

    def _owner_of(self, document):
        """The user who owns this rule's exceptions on ``document``."""
        self.ensure_one()
        if self.owner_type == "user":
            return self.owner_user_id
        if self.owner_type == "credit_controller":
            return document.company_id.distribution_credit_controller_id or self.owner_user_id
        # ir.model.fields is readable by administrators only, and rules run as the user
        owner_field = self.sudo().owner_field_id
        if owner_field:
            return document[owner_field.name] or self.owner_user_id
        return document._distribution_default_owner() or self.owner_user_id

    # ------------------------------------------------------------------ actions

    def action_view_exceptions(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "distribution_exceptions.distribution_exception_action"
        )
        action["domain"] = [("rule_id", "=", self.id)]
        action["context"] = {"search_default_open": 1}
        return action
