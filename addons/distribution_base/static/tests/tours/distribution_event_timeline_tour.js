/** @odoo-module **/
// A manager opens Distribution Control, filters the business-event timeline by event type and
// looks at it as a graph. The events are created by test_tour_event_timeline.py.
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("distribution_event_timeline_tour", {
    url: "/odoo",
    steps: () => [
        ...stepUtils.goToAppSteps(
            "distribution_base.distribution_root_menu",
            "Open the Distribution Control app"
        ),
        {
            content: "Open the Monitoring menu",
            trigger: 'button[data-menu-xmlid="distribution_base.distribution_monitoring_menu"]',
            run: "click",
        },
        {
            content: "Open the business events",
            trigger: 'a[data-menu-xmlid="distribution_base.distribution_event_menu"]',
            run: "click",
        },
        {
            content: "Both event types are listed",
            trigger: '.o_data_row:contains("tour.order.released")',
        },
        {
            trigger: '.o_data_row:contains("tour.order.held")',
        },
        {
            content: "Search an event type",
            trigger: ".o_searchview_input",
            run: "edit tour.order.held",
        },
        {
            content: "Filter on the event type",
            trigger: '.o_searchview_autocomplete .o_menu_item:contains("Event Type")',
            run: "click",
        },
        {
            content: "The filter is applied",
            trigger: '.o_searchview_facet:contains("tour.order.held")',
        },
        {
            content: "Only the held events remain",
            trigger:
                '.o_list_renderer:not(:has(.o_data_row:contains("tour.order.released"))) ' +
                '.o_data_row:contains("Tour Customer South")',
        },
        {
            content: "Switch to the timeline graph",
            trigger: "button.o_switch_view.o_graph",
            run: "click",
        },
        {
            content: "The timeline is drawn",
            trigger: ".o_graph_renderer canvas",
        },
    ],
});
