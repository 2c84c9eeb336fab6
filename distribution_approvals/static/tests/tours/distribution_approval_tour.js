/** @odoo-module **/
// An approver opens Distribution Control > Approvals > To Approve, opens the request waiting for
// them, reads its key figures and approves it with a comment. The request is made by
// tests/test_tour_approve.py, which checks the decision afterwards.
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const CUSTOMER = "Tour Approval Customer";

registry.category("web_tour.tours").add("distribution_approval_approve_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "distribution_base.distribution_root_menu",
            "Open the Distribution Control app"
        ),
        {
            content: "Open the Approvals menu",
            trigger: 'button[data-menu-xmlid="distribution_approvals.distribution_approvals_menu"]',
            run: "click",
        },
        {
            content: "Open what waits for my approval",
            trigger: 'a[data-menu-xmlid="distribution_approvals.distribution_approval_to_approve_menu"]',
            run: "click",
        },
        {
            content: "Open the request of the customer's order",
            trigger: `.o_list_renderer .o_data_row td:contains("${CUSTOMER}")`,
            run: "click",
        },
        {
            content: "The form shows the level waiting for me",
            trigger: '.o_form_view .o_distribution_approval_waiting:contains("Tour Credit Level")',
        },
        {
            content: "and the amount asked for",
            trigger: '.o_form_view .o_field_widget[name=amount]:contains("2,500.00")',
        },
        {
            content: "Approve",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_approve]",
            run: "click",
        },
        {
            content: "Say why",
            trigger: ".modal .o_field_widget[name=comment] textarea",
            run: "edit Good customer, approved",
        },
        {
            content: "Confirm the decision",
            trigger: ".modal .modal-footer button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The request is approved",
            trigger: '.o_form_view .o_statusbar_status .o_arrow_button_current:contains("Approved")',
        },
        {
            content: "and my decision is in its history",
            trigger: '.o_form_view .o_field_widget[name=decision_ids] .o_data_row:contains("Good customer, approved")',
        },
    ],
});
