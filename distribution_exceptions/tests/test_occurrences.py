# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from datetime import timedelta
from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import ExceptionCase


@tagged("post_install", "-at_install")
class TestOccurrences(ExceptionCase):
    # ------------------------------------------------------------------ one open occurrence

    def test_rerun_keeps_one_occurrence_and_refreshes_its_reason(self):
        rule = self.make_rule("stock_shortage")
        order = self.make_order([(self.widget, 8)])
        Rule = self.Rule.with_user(self.salesman)
        Rule._run(order.with_user(self.salesman))
        first = self.open_exceptions(order)
        Rule._run(order.with_user(self.salesman))
        self.assertEqual(self.open_exceptions(order), first, "no duplicate")
        self.assertIn("needs 8", first.reason)

        order.order_line.product_uom_qty = 9
        Rule._run(order.with_user(self.salesman))
        self.assertEqual(self.open_exceptions(order), first)
        self.assertIn("needs 9", first.reason)
        all_occurrences = self.Exception.sudo().search(
            [("rule_id", "=", rule.id), ("res_id", "=", order.id)]
        )
        self.assertEqual(all_occurrences, first)

    def test_acknowledged_occurrence_is_still_the_open_one(self):
        self.make_rule("stock_shortage")
        order = self.make_order([(self.widget, 8)])
        order.with_user(self.salesman).action_distribution_recheck()
        exception = self.open_exceptions(order).with_user(self.salesman)
        exception.action_acknowledge()
        self.assertEqual(exception.state, "acknowledged")
        order.with_user(self.salesman).action_distribution_recheck()
        self.assertEqual(self.open_exceptions(order), exception)

    def test_unique_index_refuses_a_second_open_occurrence(self):
        self.make_rule("stock_shortage")
        order = self.make_order([(self.widget, 8)])
        order.action_distribution_recheck()
        exception = self.open_exceptions(order)
        values = {
            "rule_id": exception.rule_id.id,
            "res_model": "sale.order",
            "res_id": order.id,
            "line_model": "sale.order.line",
            "line_id": exception.line_id,
            "reason": "duplicate",
        }
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.Exception.sudo().create(values)
                self.env.flush_all()
        # a closed occurrence does not count
        exception.sudo().action_resolve()
        self.Exception.sudo().create(values)
        self.env.flush_all()

    # ------------------------------------------------------------------ auto-clear

    def test_line_exception_clears_when_stock_arrives(self):
        self.make_rule("stock_shortage")
        order = self.make_order([(self.widget, 8), (self.gadget, 2)])
        order.with_user(self.salesman).action_distribution_recheck()
        exception = self.open_exceptions(order)
        self.assertEqual(exception.line_id, order.order_line[0].id)

        self.set_stock(self.widget, 3.0)
        order.with_user(self.salesman).action_distribution_recheck()
        self.assertEqual(exception.state, "cleared")
        self.assertTrue(exception.closed_at)
        self.assertEqual(exception.closed_by_id, self.salesman)
        self.assertFalse(self.open_exceptions(order))
        self.assertFalse(exception.activity_ids, "the owner's to-do is done")

        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")

    def test_line_exception_clears_when_the_line_goes(self):
        self.make_rule("stock_shortage")
        order = self.make_order([(self.widget, 8), (self.gadget, 2)])
        order.with_user(self.salesman).action_distribution_recheck()
        exception = self.open_exceptions(order)
        order.with_user(self.salesman).write({"order_line": [Command.unlink(exception.line_id)]})
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(exception.state, "cleared")
        self.assertEqual(order.state, "sale")

    def test_header_exception_clears_when_the_data_is_filled(self):
        ref_field = self.env["ir.model.fields"]._get("sale.order", "client_order_ref")
        self.make_rule("missing_data", required_field_ids=[Command.set(ref_field.ids)])
        order = self.make_order([(self.gadget, 1)])
        order.with_user(self.salesman).action_distribution_recheck()
        exception = self.open_exceptions(order)
        self.assertFalse(exception.line_id)

        order.with_user(self.salesman).client_order_ref = "PO-7"
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(exception.state, "cleared")
        self.assertEqual(order.state, "sale")

    # ------------------------------------------------------------------ owner, SLA, trail

    def test_owner_deadline_activity_and_events(self):
        rule = self.make_rule("stock_shortage", sla_hours=8.0)
        order = self.make_order([(self.widget, 8)])
        before = fields.Datetime.now()
        order.with_user(self.salesman).action_distribution_recheck()
        exception = self.open_exceptions(order)

        self.assertEqual(exception.owner_id, self.salesman, "the order's salesperson")
        self.assertEqual(exception.opened_by_id, self.salesman)
        expected = before + timedelta(hours=8)
        self.assertLessEqual(abs((exception.deadline - expected).total_seconds()), 60)
        activity = exception.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(activity.res_model, "distribution.exception")
        self.assertEqual(activity.date_deadline, exception.deadline.date())
        self.assertEqual(activity.summary, rule.name)

        self.set_stock(self.widget, 10.0)
        order.with_user(self.salesman).action_distribution_recheck()
        events = (
            self.env["distribution.event"]
            .sudo()
            .search(
                [("res_model", "=", "distribution.exception"), ("res_id", "=", exception.id)],
                order="id",
            )
        )
        self.assertEqual(events.mapped("event_type"), ["exception.raised", "exception.cleared"])
        payload = events[0].payload
        self.assertEqual(payload["rule"], rule.name)
        self.assertEqual(payload["document_id"], order.id)
        self.assertEqual(payload["owner"], self.salesman.name)
        self.assertEqual(payload["severity"], "blocking")

    def test_opening_writes_what_create_would(self):
        """Occurrences, activities, followers and notes are inserted in batch, not through
        ``create``: what the ORM would have made must be there, and seen at once."""
        self.make_rule("stock_shortage", name="Short", sla_hours=0.0)
        self.salesman.tz = "Europe/Brussels"
        # the shipped automation rule would run the rules when the order is created
        self.env.ref("distribution_exceptions.base_automation_sale_order_recheck").active = False
        order = self.make_order([(self.widget, 8), (self.gadget, 2)])
        order_sudo = order.sudo()
        # in the cache before the run: must not hide what the run adds
        messages_before = order_sudo.message_ids
        self.assertFalse(order_sudo.distribution_exception_ids)
        Bus = type(self.env["bus.bus"])
        with patch.object(Bus, "_sendone", autospec=True) as sendone:
            order.with_user(self.salesman).action_distribution_recheck()

        exception = order_sudo.distribution_exception_ids
        self.assertEqual(len(exception), 1, "seen through the cached one2many")
        self.assertEqual(exception, self.open_exceptions(order))
        self.assertEqual((exception.severity, exception.transition), ("blocking", "confirm"))
        self.assertEqual(exception.category, "business")
        self.assertEqual(exception.opened_by_id, self.salesman)
        self.assertEqual(exception.create_uid, self.salesman)
        self.assertFalse(exception.is_breached)
        self.assertFalse(exception.deadline, "no SLA")

        activity = exception.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.activity_type_id, self.env.ref("mail.mail_activity_data_todo"))
        self.assertEqual(activity.res_name, exception.display_name)
        self.assertEqual(activity.date_deadline, fields.Date.context_today(exception))
        self.assertIn("needs 8", activity.note)
        self.assertTrue(activity.active)
        self.assertEqual(activity.user_tz, self.salesman.tz, "a stored related field, computed")
        mine = (
            self.env["mail.activity"]
            .with_user(self.salesman)
            .search([("user_id", "=", self.salesman.id)])
        )
        self.assertIn(activity, mine, "the owner finds it in his activities")
        self.assertEqual(exception.activity_user_id, self.salesman)
        self.assertEqual(
            [call.args[2:] for call in sendone.call_args_list if "activity" in call.args[2]],
            [("mail.activity/updated", {"activity_created": True})],
            "the owner's activity counter is refreshed: the activity is due today",
        )

        self.assertEqual(exception.message_partner_ids, self.salesman.partner_id)
        follower = exception.message_follower_ids
        default_subtypes = self.env["mail.message.subtype"].default_subtypes(exception._name)[0]
        self.assertEqual(follower.subtype_ids, default_subtypes)
        self.assertTrue(exception.with_user(self.salesman).message_is_follower)

        note = order_sudo.message_ids - messages_before
        self.assertEqual(len(note), 1, "one note for the document, seen in its chatter")
        self.assertEqual(note.message_type, "notification")
        self.assertEqual(note.subtype_id, self.env.ref("mail.mt_note"))
        self.assertTrue(note.is_internal)
        self.assertEqual(note.author_id, self.salesman.partner_id)
        self.assertIn("<b>Short</b>", note.body)
        self.assertIn("needs 8", note.body)
        self.assertIn(note, order.with_user(self.salesman).message_ids)

    def test_closing_tracks_the_state_and_marks_the_activities_done(self):
        """Closing is written in batch too: the state change as tracking would log it, a done
        message per activity, the activities gone (archived when their type keeps them)."""
        self.make_rule("stock_shortage", name="Short")
        orders = self.make_order([(self.widget, 8)]) | self.make_order([(self.widget, 9)])
        orders.with_user(self.salesman).action_distribution_recheck()
        first, second = self.open_exceptions(orders)
        keeping = self.env["mail.activity.type"].create({"name": "DX Kept", "keep_done": True})
        second.activity_ids.activity_type_id = keeping
        attachment = self.env["ir.attachment"].create(
            {"name": "proof.txt", "raw": b"x", "res_model": "mail.activity"}
        )
        attachment.res_id = first.activity_ids.id
        before = {e: e.message_ids for e in (first, second)}

        self.set_stock(self.widget, 10.0)
        orders.with_user(self.salesman).action_distribution_recheck()

        for exception in (first, second):
            self.assertEqual(exception.state, "cleared")
            self.assertFalse(exception.activity_ids, "the owner's to-do is done")
            logged = exception.message_ids - before[exception]
            tracking = logged.tracking_value_ids
            self.assertEqual(tracking.field_id.name, "state")
            self.assertEqual(
                (tracking.old_value_char, tracking.new_value_char), ("Open", "Auto-cleared")
            )
            done = logged.filtered(lambda m: m.subtype_id == self.env.ref("mail.mt_activities"))
            self.assertEqual(len(done), 1)
            self.assertIn("The condition is no longer found.", done.body)
            self.assertEqual(done.author_id, self.salesman.partner_id)
        self.assertEqual(attachment.res_model, "mail.message", "Odoo's path moved it")
        self.assertEqual(
            attachment.res_id, (first.message_ids - before[first]).filtered("attachment_ids").id
        )
        second_done = (second.message_ids - before[second]).filtered("mail_activity_type_id")
        self.assertIn("DX Kept done, assigned to", second_done.body)
        self.assertIn("Short", second_done.body)
        kept = (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search([("res_model", "=", second._name), ("res_id", "=", second.id)])
        )
        self.assertEqual(kept.activity_type_id, keeping)
        self.assertFalse(kept.active, "kept as done")

    def test_notes_escape_what_they_quote(self):
        """The batch path stores the notes' markup as built: the reason must be escaped in it."""
        self.make_rule("domain", name="<b>Rule</b>", reason_template="x <script>alert(1)</script>")
        order = self.make_order([(self.gadget, 2)])
        order.action_distribution_recheck()
        exception = self.open_exceptions(order)
        note = order.message_ids.filtered(lambda m: "Exception raised" in m.body)
        self.assertIn("&lt;script&gt;", note.body)
        self.assertNotIn("<script>", note.body)
        self.assertIn("&lt;b&gt;Rule&lt;/b&gt;", note.body)
        self.assertIn("&lt;script&gt;", exception.activity_ids.note)

    def test_default_owner_is_the_salesperson(self):
        self.make_rule("stock_shortage", owner_field_id=False)
        order = self.make_order([(self.widget, 8)], user=self.manager, user_id=self.salesman_2.id)
        order.with_user(self.manager).action_distribution_recheck()
        self.assertEqual(self.open_exceptions(order).owner_id, self.salesman_2)

    def test_fixed_owner_and_credit_controller(self):
        self.company.distribution_credit_controller_id = self.manager
        fixed = self.make_rule("stock_shortage", owner_type="user", owner_user_id=self.admin.id)
        credit = self.make_rule(
            "domain", owner_type="credit_controller", domain="[('amount_total', '>', 0)]"
        )
        order = self.make_order([(self.widget, 8)])
        order.action_distribution_recheck()
        self.assertEqual(self.open_exceptions(order, fixed).owner_id, self.admin)
        self.assertEqual(self.open_exceptions(order, credit).owner_id, self.manager)

    def test_order_summary_fields(self):
        self.make_rule("stock_shortage", name="Short")
        self.make_rule("discount", threshold=5.0, severity="warning")
        order = self.make_order([(self.widget, 8, {"discount": 10.0})])
        order.with_user(self.salesman).action_distribution_recheck()
        order.invalidate_recordset()
        self.assertEqual(order.distribution_open_exception_count, 2)
        self.assertIn("Short", order.distribution_blocking_summary)
        self.assertNotIn("discount", order.distribution_blocking_summary)
