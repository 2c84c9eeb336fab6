# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from contextlib import contextmanager
from unittest.mock import patch

from odoo.sql_db import Cursor
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL


@contextmanager
def capture_queries():
    """Record every SQL statement sent on any cursor while the block runs."""
    queries = []
    original_execute = Cursor.execute

    def execute(cr, query, params=None, log_exceptions=True):
        queries.append(query.code if isinstance(query, SQL) else str(query))
        return original_execute(cr, query, params, log_exceptions)

    with patch("odoo.sql_db.Cursor.execute", execute):
        yield queries


class DistributionCase(TransactionCase):
    """Two companies and one user per distribution role, created for the test (no demo data)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Second Distributor Ltd"})
        companies = {"company_id": cls.company_a.id, "company_ids": [(6, 0, cls.company_a.ids)]}
        cls.dist_user = new_test_user(
            cls.env,
            "dist_user",
            groups="base.group_user,distribution_base.group_distribution_user",
            **companies,
        )
        cls.dist_manager = new_test_user(
            cls.env,
            "dist_manager",
            groups="base.group_user,distribution_base.group_distribution_manager",
            **companies,
        )
        cls.sys_admin = new_test_user(
            cls.env,
            "dist_sysadmin",
            groups="base.group_system,distribution_base.group_distribution_manager",
            **companies,
        )
        cls.Event = cls.env["distribution.event"]

    capture_queries = staticmethod(capture_queries)
