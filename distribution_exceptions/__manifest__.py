# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Distribution Control - Exceptions",
    "summary": "Order, purchase, transfer and invoice exceptions with owners, SLAs, "
    "batch detection, blocking and auto-clear",
    "version": "18.0.0.1.0",
    "category": "Inventory/Distribution",
    "website": "https://github.com/distribution-control/distribution-control",
    "author": "Distribution Control contributors",
    "maintainers": ["distribution-control"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": [
        "distribution_base",
        "sale_management",
        "sale_stock",
        "purchase_stock",
        "stock_delivery",
        "account",
        "base_automation",
    ],
    "data": [
        "security/ir.model.access.csv",
        "security/distribution_exception_rules.xml",
        "data/ir_cron.xml",
        "data/ir_actions_server.xml",
        "data/base_automation.xml",
        "views/distribution_exception_rule_views.xml",
        "views/distribution_exception_views.xml",
        "views/distribution_exception_report_views.xml",
        "views/sale_order_views.xml",
        "views/purchase_order_views.xml",
        "views/stock_picking_views.xml",
        "views/account_move_views.xml",
        "wizards/distribution_exception_waive_views.xml",
        "views/distribution_exceptions_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "distribution_exceptions/static/tests/tours/*.js",
        ],
    },
}
