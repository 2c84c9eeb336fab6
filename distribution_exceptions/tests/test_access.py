# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import ExceptionCase


@tagged("post_install", "-at_install")
class TestOccurrenceAccess(ExceptionCase):
    """An occurrence is visible to whoever may read its document, and to nobody else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.make_rule("stock_shortage", severity="warning")
        cls.mine = cls.make_order([(cls.widget, 8)])
        cls.theirs = cls.make_order(
            [(cls.widget, 9)], user=cls.salesman_2, user_id=cls.salesman_2.id
        )
        (cls.mine | cls.theirs).with_user(cls.manager).action_distribution_recheck()
        occurrences = cls.Exception.search([("res_model", "=", "sale.order")])
        cls.my_exception = occurrences.filtered(lambda e: e.res_id == cls.mine.id)
        cls.their_exception = occurrences.filtered(lambda e: e.res_id == cls.theirs.id)
        cls.employee = new_test_user(
            cls.env,
            "dx_employee",
            groups="base.group_user,distribution_base.group_distribution_user",
        )

    def test_salesman_searches_only_the_exceptions_of_his_orders(self):
        self.assertTrue(self.my_exception and self.their_exception)
        visible = self.Exception.with_user(self.salesman).search([])
        self.assertIn(self.my_exception, visible)
        self.assertNotIn(self.their_exception, visible)
        groups = self.Exception.with_user(self.salesman)._read_group([], [], ["__count"])
        self.assertEqual(groups[0][0], len(visible))

    def test_salesman_cannot_read_an_exception_of_a_colleagues_order(self):
        with self.assertRaises(AccessError):
            self.their_exception.with_user(self.salesman).read(["reason"])
        self.assertEqual(
            self.my_exception.with_user(self.salesman).read(["reason"])[0]["reason"],
            self.my_exception.reason,
        )

    def test_sales_manager_sees_both(self):
        visible = self.Exception.with_user(self.manager).search([])
        self.assertIn(self.my_exception, visible)
        self.assertIn(self.their_exception, visible)

    def test_user_without_access_to_sales_sees_none_of_them(self):
        visible = self.Exception.with_user(self.employee).search([])
        self.assertFalse(visible & (self.my_exception | self.their_exception))
        with self.assertRaises(AccessError):
            self.my_exception.with_user(self.employee).read(["reason"])

    def test_deleting_a_document_deletes_its_occurrences(self):
        exception = self.my_exception
        self.mine.sudo().unlink()
        self.assertFalse(exception.exists())
