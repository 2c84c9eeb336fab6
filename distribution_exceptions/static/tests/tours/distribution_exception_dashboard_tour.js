/** @odoo-module **/
// A manager opens the Exceptions Dashboard: open exceptions by aging bucket, then the pivot of
// rules with their SLA breach rate, narrowed to their team and to this month. The exceptions are
// created by tests/test_exception_report.py.
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("distribution_exception_dashboard_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "distribution_base.distribution_root_menu",
            "Open the Distribution Control app"
        ),
        {
            content: "Open the Exceptions menu",
            trigger: 'button[data-menu-xmlid="distribution_exceptions.distribution_exceptions_menu"]',
            run: "click",
        },
        {
            content: "Open the dashboard",
            trigger: 'a[data-menu-xmlid="distribution_exceptions.distribution_exception_report_menu"]',
            run: "click",
        },
        {
            content: "Open exceptions are shown by aging bucket",
            trigger: '.o_searchview_facet:contains("Open")',
        },
        {
            trigger: ".o_graph_renderer canvas",
        },
        {
            content: "Switch to the pivot",
            trigger: "button.o_switch_view.o_pivot",
            run: "click",
        },
        {
            content: "One row per rule, with its breach rate",
            trigger: '.o_pivot th:contains("Tour Dashboard Rule")',
        },
        {
            trigger: '.o_pivot th:contains("SLA Breach Rate (%)")',
        },
        {
            content: "Open the filters",
            trigger: ".o_searchview_dropdown_toggler",
            run: "click",
        },
        {
            content: "Only my team's exceptions",
            trigger: '.o_filter_menu .o-dropdown-item:contains("My Team")',
            run: "click",
        },
        {
            content: "opened this month",
            trigger: '.o_filter_menu .o-dropdown-item:contains("Opened This Month")',
            run: "click",
        },
        {
            content: "Both filters apply",
            trigger: '.o_searchview_facet:contains("My Team")',
        },
        {
            trigger: '.o_searchview_facet:contains("Opened This Month")',
        },
        {
            content: "The team's exceptions of this month are still there",
            trigger: '.o_pivot th:contains("Tour Dashboard Rule")',
        },
    ],
});
