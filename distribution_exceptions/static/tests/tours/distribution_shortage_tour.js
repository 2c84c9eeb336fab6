/** @odoo-module **/
// A salesman confirms a quotation held by a stock shortage, sees why, and confirms it once the
// stock has arrived and a re-check has cleared the shortage. The data and the receipt between the
// two tours are made by tests/test_tour_shortage.py.
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const CUSTOMER = "Tour Shortage Customer";
const RULE = "Tour Shortage Rule";
const BANNER = ".o_form_view .o_distribution_blocking_banner";
const ORDER_LINE = '.o_field_widget[name=order_line] .o_data_row:contains("Tour Bolt")';

function openQuotationSteps() {
    return [
        ...stepUtils.goToAppSteps("sale.sale_menu_root", "Open the Sales app"),
        {
            content: "Open the customer's quotation",
            trigger: `.o_list_renderer .o_data_row td:contains("${CUSTOMER}")`,
            run: "click",
        },
        {
            content: "The quotation is open",
            trigger: `.o_form_view ${ORDER_LINE}`,
        },
    ];
}

registry.category("web_tour.tours").add("distribution_shortage_blocked_tour", {
    url: "/odoo",
    steps: () => [
        ...openQuotationSteps(),
        {
            content: "Confirm the quotation",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The confirmation is refused: the dialog names the rule",
            trigger: `.modal .o_error_dialog:contains("${RULE}")`,
        },
        {
            content: "and the reason: product and quantity needed",
            trigger: '.modal .o_error_dialog:contains("Tour Bolt needs 10 Units")',
        },
        {
            content: "quantity free and warehouse",
            trigger: '.modal .o_error_dialog:contains("2 free in Tour Shortage Warehouse")',
        },
        {
            content: "Close the dialog",
            trigger: ".modal .o_error_dialog .modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The dialog is closed",
            trigger: "body:not(:has(.modal .o_error_dialog))",
        },
        {
            content: "The banner shows what holds the order",
            trigger: `${BANNER}:contains("${RULE}"):contains("Tour Bolt needs 10 Units, 2 free in Tour Shortage Warehouse")`,
        },
        {
            content: "The quotation is still a quotation",
            trigger: '.o_statusbar_status .o_arrow_button_current:contains("Quotation")',
        },
    ],
});

registry.category("web_tour.tours").add("distribution_shortage_cleared_tour", {
    url: "/odoo",
    steps: () => [
        ...openQuotationSteps(),
        {
            content: "The order is still held until it is checked again",
            trigger: `${BANNER}:contains("${RULE}")`,
        },
        {
            content: "Re-check the order now that the stock has arrived",
            trigger: `${BANNER} button[name=action_distribution_recheck]`,
            run: "click",
        },
        {
            content: "The shortage is cleared: the banner is gone",
            trigger: `.o_form_view:not(:has(.o_distribution_blocking_banner)) ${ORDER_LINE}`,
        },
        {
            content: "Confirm the quotation",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_confirm]",
            run: "click",
        },
        {
            content: "The order is confirmed",
            trigger: '.o_statusbar_status .o_arrow_button_current:contains("Sales Order")',
        },
    ],
});
