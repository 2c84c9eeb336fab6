# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Distribution Control - Integrations",
    "summary": "Signed partner webhooks (Standard Webhooks, EasyPost, AfterShip, Shippo) stored "
    "once and processed by a retrying worker with dead letters",
    "version": "18.0.0.1.0",
    "category": "Inventory/Distribution",
    "website": "https://github.com/distribution-control/distribution-control",
    "author": "Distribution Control contributors",
    "maintainers": ["distribution-control"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["distribution_base", "distribution_exceptions"],
    "data": [
        "security/ir.model.access.csv",
        "security/distribution_integration_rules.xml",
        "data/ir_cron.xml",
        "data/distribution_exception_rule.xml",
        "data/ir_cron_outbound.xml",
        "data/distribution_integration_rules.xml",
        "views/distribution_integration_endpoint_views.xml",
        "views/distribution_integration_event_views.xml",
        "views/distribution_integration_subscription_views.xml",
        "views/distribution_integration_delivery_views.xml",
        "views/distribution_integration_dashboard_views.xml",
        "views/res_config_settings_views.xml",
        "views/stock_picking_views.xml",
        "views/purchase_order_views.xml",
        "views/res_company_settings_views.xml",
        "views/distribution_integrations_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "distribution_integrations/static/tests/tours/*.js",
        ],
    },
}
