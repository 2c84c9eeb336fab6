# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools.safe_eval import safe_eval


class LevelConditions:
    """A level's conditions read once, then checked against many documents without a query."""

    __slots__ = (
        "amount_max",
        "amount_min",
        "categories",
        "company_id",
        "discount_above",
        "domain",
        "logistics_above",
        "margin_below",
        "rules",
        "tier",
        "warehouses",
    )

    def __init__(self, level):
        self.company_id = level.matrix_id.company_id.id
        self.amount_min = level.amount_min
        self.amount_max = level.amount_max
        self.tier = level.customer_tier
        self.categories = set(level.product_category_ids.ids)
        self.warehouses = set(level.warehouse_ids.ids)
        self.rules = set(level.exception_rule_ids.ids)
        self.margin_below = level.margin_below if level.check_margin else None
        self.discount_above = level.discount_above if level.check_discount else None
        self.logistics_above = level.logistics_cost_above if level.check_logistics_cost else None
        domain = safe_eval(level.domain or "[]")
        self.domain = domain or None

    def matches(self, facts):
        if self.company_id and facts["company"].id != self.company_id:
            return False
        amount = facts.get("amount") or 0.0
        if amount < self.amount_min or (self.amount_max and amount >= self.amount_max):
            return False
        if self.tier and facts.get("tier") != self.tier:
            return False
        if self.categories and not self.categories & facts.get("categories", set()):
            return False
        if self.warehouses and facts.get("warehouse_id") not in self.warehouses:
            return False
        if self.rules and facts.get("rule_id") not in self.rules:
            return False
        margin = facts.get("margin")
        if self.margin_below is not None and (margin is None or margin >= self.margin_below):
            return False
        discount = facts.get("discount")
        if self.discount_above is not None and (
            discount is None or discount <= self.discount_above
        ):
            return False
        cost = facts.get("logistics_cost")
        return self.logistics_above is None or (cost is not None and cost > self.logistics_above)


class DistributionApprovalLevel(models.Model):
    """One level of a matrix: when it applies, who approves, how many of them, and what
    happens when they are late."""

    _name = "distribution.approval.level"
    _description = "Approval Level"
    _order = "matrix_id, sequence, id"

    matrix_id = fields.Many2one(
        "distribution.approval.matrix", required=True, ondelete="cascade", index=True
    )
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10, help="Levels are approved one after the other.")
    company_id = fields.Many2one(related="matrix_id.company_id")
    document_type = fields.Selection(related="matrix_id.document_type")
    target_model = fields.Char(related="matrix_id.target_model")
    currency_id = fields.Many2one("res.currency", compute="_compute_currency_id")

    # conditions: every condition set must hold
    amount_min = fields.Monetary(
        string="From Amount",
        help="In the company's currency, taxes excluded: the level applies from this amount.",
    )
    amount_max = fields.Monetary(
        string="Below Amount",
        help="The level applies below this amount. 0 means no upper bound.",
    )
    customer_tier = fields.Selection(
        [("a", "Tier A"), ("b", "Tier B"), ("c", "Tier C")],
        help="Only for documents of customers (or suppliers) of this tier.",
    )
    product_category_ids = fields.Many2many(
        "product.category",
        string="Product Categories",
        help="Only when a line is in one of these categories (or in a category below them).",
    )
    warehouse_ids = fields.Many2many("stock.warehouse", string="Warehouses")
    exception_rule_ids = fields.Many2many(
        "distribution.exception.rule",
        string="Exception Rules",
        help="For waivers: only the waivers of these rules' exceptions.",
    )
    check_margin = fields.Boolean(string="Margin Condition")
    margin_below = fields.Float(string="Margin Below (%)")
    check_discount = fields.Boolean(string="Discount Condition")
    discount_above = fields.Float(string="Discount Above (%)")
    check_logistics_cost = fields.Boolean(string="Logistics Cost Condition")
    logistics_cost_above = fields.Monetary()
    domain = fields.Char(
        default="[]",
        help="Anything else: only the documents matching this domain.",
    )

    # approvers
    approver_type = fields.Selection(
        [
            ("users", "Users"),
            ("group", "Members of a group"),
            ("manager", "The requester's manager"),
            ("field", "A user field of the document"),
        ],
        required=True,
        default="users",
        help="The requester's manager is the employee's manager where Employees is installed, "
        "else the leader of the document's (or the requester's) sales team.",
    )
    user_ids = fields.Many2many("res.users", string="Approvers", domain=[("share", "=", False)])
    group_id = fields.Many2one("res.groups", string="Approver Group")
    user_field_id = fields.Many2one(
        "ir.model.fields",
        string="Approver Field",
        domain="[('model', '=', target_model), ('relation', '=', 'res.users')]",
        ondelete="cascade",
    )
    quorum = fields.Integer(
        default=1,
        help="How many of the approvers must approve. With fewer approvers than this, all of "
        "them must.",
    )
    allow_repeat_approver = fields.Boolean(
        string="Approvers of Other Levels Count",
        help="Let someone who approved an earlier level of the same request approve this one "
        "too. Off by default: two levels mean two people.",
    )
    escalation_hours = fields.Float(
        string="Escalate After (hours)",
        help="When the level is not decided after this many hours, the escalation approver is "
        "asked too. 0: never.",
    )
    escalation_user_id = fields.Many2one(
        "res.users", string="Escalate To", domain=[("share", "=", False)]
    )
    reminder_hours = fields.Float(
        string="Remind Every (hours)",
        help="Approvers who have not decided are reminded by e-mail at this cadence. 0: never.",
    )
    approver_summary = fields.Char(string="Who Approves", compute="_compute_approver_summary")

    _sql_constraints = [
        ("quorum_positive", "CHECK (quorum >= 1)", "A level needs at least one approval."),
    ]

    @api.depends("company_id")
    def _compute_currency_id(self):
        for level in self:
            level.currency_id = (level.company_id or self.env.company).currency_id

    @api.depends("approver_type", "user_ids", "group_id", "user_field_id", "quorum")
    def _compute_approver_summary(self):
        labels = dict(self._fields["approver_type"]._description_selection(self.env))
        for level in self:
            if level.approver_type == "users":
                who = ", ".join(level.user_ids.mapped("name"))
            elif level.approver_type == "group":
                who = level.group_id.full_name or ""
            elif level.approver_type == "field":
                who = level.sudo().user_field_id.field_description or ""
            else:
                who = labels["manager"]
            level.approver_summary = (
                self.env._("%(quorum)s of %(who)s", quorum=level.quorum, who=who)
                if level.quorum > 1
                else who
            )

    @api.constrains("amount_min", "amount_max")
    def _check_amounts(self):
        for level in self:
            if level.amount_max and level.amount_max <= level.amount_min:
                raise ValidationError(
                    self.env._(
                        "Level “%s”: the upper bound must be above the lower bound.", level.name
                    )
                )

    @api.constrains("approver_type", "user_ids", "group_id", "user_field_id")
    def _check_approvers(self):
        for level in self:
            missing = (
                (level.approver_type == "users" and not level.user_ids)
                or (level.approver_type == "group" and not level.group_id)
                or (level.approver_type == "field" and not level.user_field_id)
            )
            if missing:
                raise ValidationError(self.env._("Level “%s”: say who approves it.", level.name))
            field = level.sudo().user_field_id
            if field and (field.model != level.target_model or field.relation != "res.users"):
                raise ValidationError(
                    self.env._(
                        "Level “%(level)s”: the approver field must be a user field of %(model)s.",
                        level=level.name,
                        model=level.target_model,
                    )
                )

    @api.constrains("domain", "matrix_id")
    def _check_domain(self):
        for level in self:
            try:
                domain = safe_eval(level.domain or "[]")
                if level.target_model and level.target_model in self.env:
                    self.env[level.target_model].sudo().search_count([("id", "=", 0), *domain])
            except Exception as error:
                raise ValidationError(
                    self.env._(
                        "Level “%(level)s”: the domain is not valid: %(error)s",
                        level=level.name,
                        error=error,
                    )
                ) from error

    # ------------------------------------------------------------------ engine

    def _conditions(self):
        self.ensure_one()
        return LevelConditions(self)

    def _approvers(self, documents, requesters):
        """{(level id, document id): the users asked to approve}, the requester excluded.

        ``requesters`` is {document id: res.users}. When nobody is left (the requester was the
        only approver), the level's escalation user is asked instead.
        """
        managers = (
            self._managers_of(documents, requesters)
            if "manager" in self.mapped("approver_type")
            else {}
        )
        field_names = {level.id: level.sudo().user_field_id.name for level in self}
        result = {}
        for level in self:
            if level.approver_type == "users":
                base = level.user_ids
            elif level.approver_type == "group":
                base = level.group_id.sudo().users
            else:
                base = None
            for document in documents:
                if base is not None:
                    users = base
                elif level.approver_type == "manager":
                    users = managers.get(document.id) or self.env["res.users"]
                else:
                    users = document.sudo()[field_names[level.id]]
                requester = requesters[document.id]
                company = document.company_id
                users = users.filtered(
                    lambda user, company=company, requester=requester: user.active
                    and not user.share
                    and user != requester
                    and (not company or company in user.company_ids)
                )
                escalation = level.escalation_user_id
                if not users and escalation and escalation != requester:
                    users = escalation
                if not users:
                    raise UserError(
                        self.env._(
                            "Nobody can approve %(document)s at level “%(level)s”: the level "
                            "names no one but the requester. Ask a manager to fix the approval "
                            "matrix “%(matrix)s”.",
                            document=document.display_name,
                            level=level.name,
                            matrix=level.matrix_id.name,
                        )
                    )
                result[(level.id, document.id)] = users
        return result

    @api.model
    def _managers_of(self, documents, requesters):
        """{document id: the requester's manager} — the employee's manager where Employees is
        installed, else the leader of the document's sales team, else of the requester's."""
        employees_manager = {}
        if "hr.employee" in self.env:
            employees = (
                self.env["hr.employee"]
                .sudo()
                .search([("user_id", "in", [user.id for user in requesters.values()])])
            )
            for employee in employees:
                if employee.parent_id.user_id:
                    employees_manager[(employee.user_id.id, employee.company_id.id)] = (
                        employee.parent_id.user_id
                    )
        result = {}
        for document in documents:
            requester = requesters[document.id]
            manager = employees_manager.get((requester.id, document.company_id.id))
            if not manager and "team_id" in document._fields:
                manager = document.sudo().team_id.user_id
            if not manager:
                manager = requester.sudo().sale_team_id.user_id
            result[document.id] = manager
        return result
