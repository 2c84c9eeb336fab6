# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .distribution_approval_mixin import document_type_models, document_types


class DistributionApprovalMatrix(models.Model):
    """Who must approve a kind of document, in which order, under which conditions.

    A matrix holds ordered levels; every level whose conditions a document meets must approve
    it, one level after the other. A document no level applies to needs no approval.
    """

    _name = "distribution.approval.matrix"
    _description = "Approval Matrix"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10)
    company_id = fields.Many2one(
        "res.company",
        default=lambda self: self.env.company,
        help="Leave empty to apply the matrix to the documents of every company.",
    )
    document_type = fields.Selection(
        selection="_selection_document_type",
        required=True,
        help="What is approved: the confirmation of a sales or purchase order, the waiver of an "
        "exception, a rush shipment, a return, an inventory adjustment, a scrap.",
    )
    target_model = fields.Char(string="Document Model", compute="_compute_target_model", store=True)
    level_ids = fields.One2many("distribution.approval.level", "matrix_id", string="Levels")
    level_count = fields.Integer(compute="_compute_level_count")
    note = fields.Html(string="Policy", help="The policy this matrix implements, for the record.")

    @api.model
    def _selection_document_type(self):
        return document_types(self.env)

    @api.depends("document_type")
    def _compute_target_model(self):
        models_by_type = document_type_models(self.env)
        for matrix in self:
            matrix.target_model = models_by_type.get(matrix.document_type, (False,))[0]

    @api.depends("level_ids")
    def _compute_level_count(self):
        for matrix in self:
            matrix.level_count = len(matrix.level_ids)

    # ------------------------------------------------------------------ resolution

    @api.model
    def _resolve(self, documents, document_type, facts):
        """{document id: the levels (ordered) that must approve it}.

        A fixed number of queries whatever the number of documents: one for the matrices, a few
        to read their levels, and one per level with a domain condition.
        """
        companies = {document_facts["company"].id for document_facts in facts.values()}
        matrices = self.search(
            [
                ("document_type", "=", document_type),
                ("company_id", "in", [False, *companies]),
            ]
        )
        Level = self.env["distribution.approval.level"]
        levels = matrices.level_ids.sorted(
            lambda level: (level.matrix_id.sequence, level.matrix_id.id, level.sequence, level.id)
        )
        conditions = [(level, level._conditions()) for level in levels]
        in_domain = {}
        for level, condition in conditions:
            if condition.domain:
                in_domain[level.id] = set(
                    documents.sudo()
                    .with_context(active_test=False)
                    .search([("id", "in", documents.ids), *condition.domain])
                    .ids
                )
        result = {}
        for document in documents:
            document_facts = facts[document.id]
            matched = [
                level.id
                for level, condition in conditions
                if condition.matches(document_facts)
                and (level.id not in in_domain or document.id in in_domain[level.id])
            ]
            result[document.id] = Level.browse(matched)
        return result

    def action_view_levels(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "distribution.approval.level",
            "view_mode": "list,form",
            "domain": [("matrix_id", "=", self.id)],
            "context": {"default_matrix_id": self.id},
        }

    @api.constrains("company_id", "level_ids")
    def _check_company_users(self):
        for matrix in self.filtered("company_id"):
            for level in matrix.level_ids:
                strangers = level.user_ids.filtered(
                    lambda user, company=matrix.company_id: company not in user.company_ids
                )
                if strangers:
                    raise ValidationError(
                        self.env._(
                            "%(users)s cannot approve documents of %(company)s: they do not "
                            "work for it.",
                            users=", ".join(strangers.mapped("name")),
                            company=matrix.company_id.name,
                        )
                    )
