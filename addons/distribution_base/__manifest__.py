# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Distribution Control",
    "summary": "Kernel of the Distribution Control suite: roles, menu, settings "
    "and the business-event outbox",
    "version": "18.0.1.0.0",
    "category": "Inventory/Distribution",
    "website": "https://github.com/distribution-control/distribution-control",
    "author": "Distribution Control contributors",
    "maintainers": ["distribution-control"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "application": True,
    "depends": ["base_setup", "mail"],
    "data": [
        "security/distribution_groups.xml",
        "security/ir.model.access.csv",
        "security/distribution_event_rules.xml",
        "data/ir_cron.xml",
        "views/distribution_event_views.xml",
        "views/res_config_settings_views.xml",
        "views/res_partner_views.xml",
        "views/distribution_menus.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "distribution_base/static/tests/tours/*.js",
        ],
    },
}
