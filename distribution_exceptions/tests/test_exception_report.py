# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta

from dateutil.relativedelta import relativedelta
from lxml import etree

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import MANAGER_GROUPS, SALESMAN_GROUPS, ExceptionCase

# Datetimes are stored to the second, the database's now() has microseconds.
ONE_SECOND_IN_DAYS = 1 / 86400


@tagged("post_install", "-at_install")
class TestExceptionReport(ExceptionCase):
    """The Exceptions Dashboard (distribution.exception.report), read as a manager.

    Occurrences are crafted with dates relative to the database's transaction time, which is the
    "now" the report's SQL view measures ages against, so expected ages are exact to the second.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Report = cls.env["distribution.exception.report"]
        cls.env.cr.execute("SELECT date_trunc('second', now() AT TIME ZONE 'UTC')")
        cls.now = cls.env.cr.fetchone()[0]
        cls.shortage = cls.make_rule("stock_shortage", name="DX Shortage")
        cls.discount = cls.make_rule(
            "discount", name="DX Discount", severity="warning", threshold=50.0
        )
        # orders without any finding: the occurrences below are the only ones on them
        cls.orders = cls.env["sale.order"].create(
            [cls.order_vals([(cls.gadget, 1)]) for _index in range(12)]
        )

    def setUp(self):
        super().setUp()
        self._free_orders = iter(self.orders)

    def craft(self, rule, opened, closed=None, state=None, deadline=None, breached=False, **vals):
        """An occurrence opened ``opened`` ago (a timedelta), closed ``closed`` after opening."""
        opened_at = self.now - opened
        values = {
            "rule_id": rule.id,
            "res_model": "sale.order",
            "res_id": next(self._free_orders).id,
            "res_name": "crafted",
            "company_id": self.company.id,
            "reason": "crafted",
            "owner_id": self.salesman.id,
            "state": state or ("resolved" if closed is not None else "open"),
            "opened_at": opened_at,
            "closed_at": opened_at + closed if closed is not None else False,
            "deadline": opened_at + deadline if deadline is not None else False,
            "is_breached": breached,
            **vals,
        }
        return (
            self.env["distribution.exception"]
            .sudo()
            .with_context(mail_create_nolog=True)
            .create(values)
        )

    def report_of(self, exception, user=None):
        self.env.flush_all()
        row = self.Report.with_user(user or self.manager).search(
            [("exception_id", "=", exception.id)]
        )
        self.assertEqual(len(row), 1)
        return row

    # ------------------------------------------------------------------ columns

    def test_open_exception_columns(self):
        exception = self.craft(
            self.shortage, timedelta(days=2), deadline=timedelta(days=1), breached=True
        )
        row = self.report_of(exception)
        self.assertEqual(row.rule_id, self.shortage)
        self.assertEqual(row.severity, "blocking")
        self.assertEqual(row.state, "open")
        self.assertTrue(row.is_open)
        self.assertEqual(row.owner_id, self.salesman)
        self.assertEqual(row.company_id, self.company)
        self.assertEqual(row.res_model, "sale.order")
        self.assertEqual(row.opened_at, self.now - timedelta(days=2))
        self.assertFalse(row.closed_at)
        self.assertAlmostEqual(row.age_days, 2.0, delta=ONE_SECOND_IN_DAYS)
        self.assertEqual(row.aging_bucket, "1-3")
        self.assertTrue(row.is_breached)
        self.assertEqual(row.breach_rate, 100.0)
        self.assertFalse(row.hours_to_close, "no time to resolve while open")
        self.assertEqual(row.open_count, 1)
        self.assertEqual(row.breached_count, 1)

    def test_closed_exception_columns(self):
        exception = self.craft(
            self.discount,
            timedelta(days=3),
            closed=timedelta(hours=4, minutes=30),
            state="waived",
            deadline=timedelta(hours=8),
        )
        row = self.report_of(exception)
        self.assertEqual(row.severity, "warning")
        self.assertEqual(row.state, "waived")
        self.assertFalse(row.is_open)
        self.assertEqual(row.closed_at, self.now - timedelta(days=3) + timedelta(hours=4.5))
        self.assertEqual(row.hours_to_close, 4.5)
        self.assertFalse(row.age_days, "age is measured on open exceptions only")
        self.assertEqual(row.aging_bucket, "closed")
        self.assertFalse(row.is_breached, "closed before its deadline")
        self.assertEqual(row.breach_rate, 0.0)
        self.assertEqual(row.open_count, 0)
        self.assertEqual(row.breached_count, 0)

    def test_aging_buckets_and_their_boundaries(self):
        ages = {
            timedelta(hours=12): "0-1",
            timedelta(hours=23, minutes=59): "0-1",
            timedelta(days=1): "1-3",
            timedelta(days=2, hours=23, minutes=59): "1-3",
            timedelta(days=3): "3-7",
            timedelta(days=6, hours=23, minutes=59): "3-7",
            timedelta(days=7): "7+",
            timedelta(days=40): "7+",
        }
        exceptions = {age: self.craft(self.shortage, age) for age in ages}
        # an acknowledged exception is still open, and ages like one
        acknowledged = self.craft(self.discount, timedelta(days=4), state="acknowledged")
        for age, bucket in ages.items():
            row = self.report_of(exceptions[age])
            self.assertEqual(row.aging_bucket, bucket, f"opened {age} ago")
            self.assertAlmostEqual(row.age_days, age / timedelta(days=1), delta=ONE_SECOND_IN_DAYS)
        self.assertEqual(self.report_of(acknowledged).aging_bucket, "3-7")
        self.assertTrue(self.report_of(acknowledged).is_open)

        # the graph's bars come in age order, closed ones last
        self.craft(self.shortage, timedelta(days=2), closed=timedelta(hours=1))
        buckets = self.Report.with_user(self.manager)._read_group(
            [("rule_id", "in", (self.shortage | self.discount).ids)],
            ["aging_bucket"],
            ["__count"],
        )
        self.assertEqual(buckets, [("0-1", 2), ("1-3", 2), ("3-7", 3), ("7+", 2), ("closed", 1)])

    def test_sla_breach_is_counted_even_before_the_sla_check_marks_it(self):
        flagged = self.craft(self.shortage, timedelta(days=2), breached=True)
        past_deadline = self.craft(self.shortage, timedelta(days=2), deadline=timedelta(days=1))
        within_deadline = self.craft(self.shortage, timedelta(days=2), deadline=timedelta(days=3))
        no_deadline = self.craft(self.shortage, timedelta(days=20))
        closed_late = self.craft(
            self.shortage, timedelta(days=2), closed=timedelta(hours=9), deadline=timedelta(hours=8)
        )
        closed_in_time = self.craft(
            self.shortage, timedelta(days=2), closed=timedelta(hours=7), deadline=timedelta(hours=8)
        )
        expected = {
            flagged: True,
            past_deadline: True,
            within_deadline: False,
            no_deadline: False,
            closed_late: True,
            closed_in_time: False,
        }
        for exception, breached in expected.items():
            row = self.report_of(exception)
            self.assertEqual(row.is_breached, breached, exception.opened_at)
            self.assertEqual(row.breach_rate, 100.0 if breached else 0.0)

    # ------------------------------------------------------------------ pivot aggregates

    def test_pivot_gives_breach_rate_and_mean_time_to_resolve_per_rule(self):
        # shortage: 2 open (1 breached), 2 closed in 4 h (breached) and 10 h: 50 %, MTTR 7 h
        self.craft(self.shortage, timedelta(hours=3), deadline=timedelta(hours=8))
        self.craft(self.shortage, timedelta(days=5), deadline=timedelta(days=1), breached=True)
        self.craft(
            self.shortage, timedelta(days=3), closed=timedelta(hours=4), deadline=timedelta(hours=2)
        )
        self.craft(self.shortage, timedelta(days=3), closed=timedelta(hours=10), state="cleared")
        # discount: 2 open not breached, 1 closed in 2 h past its deadline: 33.3 %, MTTR 2 h
        self.craft(self.discount, timedelta(days=1))
        self.craft(self.discount, timedelta(days=8))
        self.craft(
            self.discount, timedelta(days=1), closed=timedelta(hours=2), deadline=timedelta(hours=1)
        )
        self.env.flush_all()
        Report = self.Report.with_user(self.manager)
        domain = [("rule_id", "in", (self.shortage | self.discount).ids)]

        groups = {
            rule: values
            for rule, *values in Report._read_group(
                domain,
                ["rule_id"],
                [
                    "__count",
                    "open_count:sum",
                    "breached_count:sum",
                    "breach_rate:avg",
                    "hours_to_close:avg",
                ],
            )
        }
        self.assertEqual(groups[self.shortage][:3], [4, 2, 2])
        self.assertAlmostEqual(groups[self.shortage][3], 50.0)
        self.assertAlmostEqual(groups[self.shortage][4], 7.0)
        self.assertEqual(groups[self.discount][:3], [3, 2, 1])
        self.assertAlmostEqual(groups[self.discount][3], 100.0 / 3)
        self.assertAlmostEqual(groups[self.discount][4], 2.0)

        # what the pivot asks for: the measures with their own aggregator, per severity
        totals = Report.read_group(
            domain, ["breach_rate", "hours_to_close", "age_days"], ["severity"], lazy=False
        )
        by_severity = {group["severity"]: group for group in totals}
        self.assertEqual(by_severity["blocking"]["__count"], 4)
        self.assertAlmostEqual(by_severity["blocking"]["breach_rate"], 50.0)
        self.assertAlmostEqual(by_severity["blocking"]["hours_to_close"], 7.0)
        self.assertAlmostEqual(
            by_severity["blocking"]["age_days"], (0.125 + 5.0) / 2, delta=ONE_SECOND_IN_DAYS
        )
        self.assertAlmostEqual(by_severity["warning"]["breach_rate"], 100.0 / 3)
        self.assertAlmostEqual(
            by_severity["warning"]["age_days"], (1.0 + 8.0) / 2, delta=ONE_SECOND_IN_DAYS
        )

    # ------------------------------------------------------------------ search filters

    def _filter_domain(self, name):
        arch = self.Report.with_user(self.manager).get_views([(False, "search")])["views"][
            "search"
        ]["arch"]
        node = etree.fromstring(arch).xpath(f"//filter[@name='{name}']")[0]
        context = {
            "uid": self.manager.id,
            "context_today": lambda: fields.Date.context_today(self.manager),
            "relativedelta": relativedelta,
        }
        return safe_eval(node.get("domain"), context)

    def test_filters_select_what_they_name(self):
        self.env["crm.team"].create(
            {
                "name": "DX Team",
                "user_id": self.manager.id,
                "member_ids": [Command.set(self.salesman.ids)],
            }
        )
        first_of_month = fields.Datetime.to_datetime(
            fields.Date.context_today(self.manager).replace(day=1)
        )
        since_first = self.now - first_of_month
        mine = self.craft(self.shortage, since_first + timedelta(days=1), owner_id=self.manager.id)
        team = self.craft(
            self.shortage, since_first, owner_id=self.salesman.id, deadline=timedelta(0)
        )
        other = self.craft(
            self.shortage,
            since_first + timedelta(minutes=1),
            closed=timedelta(hours=1),
            owner_id=self.salesman_2.id,
        )
        self.env.flush_all()
        Report = self.Report.with_user(self.manager)
        crafted = [("exception_id", "in", (mine | team | other).ids)]

        def selected(name):
            return Report.search(crafted + self._filter_domain(name)).exception_id

        self.assertEqual(selected("open"), mine | team)
        self.assertEqual(selected("closed"), other)
        self.assertEqual(selected("breached"), team)
        self.assertEqual(selected("mine"), mine)
        self.assertEqual(selected("my_team"), mine | team)
        self.assertEqual(selected("this_month"), team, "opened on the first of the month or later")

    # ------------------------------------------------------------------ access

    def test_salesman_cannot_read_the_dashboard(self):
        self.craft(self.shortage, timedelta(days=1))
        self.env.flush_all()
        Report = self.Report.with_user(self.salesman)
        with self.assertRaises(AccessError):
            Report.search([])
        with self.assertRaises(AccessError):
            Report._read_group([], ["rule_id"], ["__count"])
        self.assertTrue(self.Report.with_user(self.manager).search([]))

        menu = self.env.ref("distribution_exceptions.distribution_exception_report_menu")
        Menu = self.env["ir.ui.menu"]
        self.assertNotIn(menu.id, Menu.with_user(self.salesman)._visible_menu_ids())
        self.assertIn(menu.id, Menu.with_user(self.manager)._visible_menu_ids())

    def test_manager_cannot_change_the_dashboard(self):
        row = self.report_of(self.craft(self.shortage, timedelta(days=1)))
        with self.assertRaises(AccessError):
            row.write({"state": "resolved"})
        with self.assertRaises(AccessError):
            row.unlink()

    def test_manager_sees_the_exceptions_of_their_companies_only(self):
        other_company = self.env["res.company"].create({"name": "DX Other Company"})
        ours = self.craft(self.shortage, timedelta(days=1))
        theirs = self.craft(self.shortage, timedelta(days=1), company_id=other_company.id)
        self.env.flush_all()
        visible = (
            self.Report.with_user(self.manager)
            .search([("exception_id", "in", (ours | theirs).ids)])
            .exception_id
        )
        self.assertEqual(visible, ours)

    def test_selections_follow_the_exception_model(self):
        for name in ("severity", "state", "category"):
            self.assertEqual(
                self.Report._fields[name]._description_selection(self.env),
                self.env["distribution.exception"]._fields[name]._description_selection(self.env),
                name,
            )


@tagged("post_install", "-at_install")
class TestExceptionDashboardTour(HttpCase):
    """The dashboard renders in the browser, with its filters (evaluated by the web client)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env, "dashboard_manager", password="dashboard_manager", groups=MANAGER_GROUPS
        )
        salesman = new_test_user(cls.env, "dashboard_salesman", groups=SALESMAN_GROUPS)
        cls.env["crm.team"].create(
            {
                "name": "Tour Dashboard Team",
                "user_id": cls.manager.id,
                "member_ids": [Command.set(salesman.ids)],
            }
        )
        rule = cls.env["distribution.exception.rule"].create(
            {"name": "Tour Dashboard Rule", "severity": "warning", "sla_hours": 4.0}
        )
        now = fields.Datetime.now()
        cls.env["distribution.exception"].with_context(mail_create_nolog=True).create(
            [
                {
                    "rule_id": rule.id,
                    "res_model": "res.partner",
                    "res_id": partner.id,
                    "res_name": partner.name,
                    "company_id": cls.env.company.id,
                    "owner_id": salesman.id,
                    "reason": "Tour dashboard reason",
                    "opened_at": now - timedelta(hours=hours),
                    "deadline": now - timedelta(hours=hours) + timedelta(hours=4),
                }
                for hours, partner in zip(
                    (1, 10),
                    cls.env["res.partner"].create([{"name": "Tour A"}, {"name": "Tour B"}]),
                    strict=True,
                )
            ]
        )

    def test_manager_reads_the_dashboard(self):
        self.start_tour("/odoo", "distribution_exception_dashboard_tour", login="dashboard_manager")
