/** @odoo-module **/
// A warehouse user opens a delivery the carrier reported late: the carrier tab shows the status,
// the estimated delivery and the history, and the exception is one click away. The data is
// created by tests/test_mapping_tour.py.
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("distribution_carrier_delay_tour", {
    steps: () => [
        {
            content: "The delivery shows its open exception",
            trigger: '.oe_stat_button:contains("Exceptions")',
        },
        {
            content: "Open the carrier tracking tab",
            trigger: 'a[name="distribution_carrier_tracking"]',
            run: "click",
        },
        {
            content: "The carrier's current status",
            trigger: '.o_field_widget[name="distribution_carrier_status"]:contains("In Transit")',
        },
        {
            content: "The estimated delivery is shown",
            trigger: '.o_field_widget[name="distribution_carrier_estimated_delivery"]:not(:empty)',
        },
        {
            content: "The history lists the carrier's update",
            trigger: '.o_field_widget[name="distribution_carrier_status_ids"] .o_data_row:contains("Hub delay")',
        },
        {
            content: "Open the exceptions",
            trigger: '.oe_stat_button:contains("Exceptions")',
            run: "click",
        },
        {
            content: "The late delivery exception, with the carrier's estimate",
            trigger: '.o_data_row:contains("delivery later than promised"):contains("days late")',
        },
    ],
});
