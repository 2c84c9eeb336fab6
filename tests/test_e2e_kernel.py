# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""The kernel seen from outside: the login page, the menu, and the business-event outbox over
Odoo's JSON-RPC, with the access rights of real users."""

import uuid

import pytest
import requests

from conftest import JsonRpcError


def test_login_page_is_served(odoo_server):
    url, _database = odoo_server
    response = requests.get(f"{url}/web/login", timeout=30)
    assert response.status_code == 200
    assert 'name="login"' in response.text and 'name="password"' in response.text


def test_suite_modules_are_installed(admin):
    modules = admin.call(
        "ir.module.module",
        "search_read",
        [("name", "in", ["distribution_base", "distribution_demo"])],
        fields=["name", "state"],
    )
    assert {m["name"]: m["state"] for m in modules} == {
        "distribution_base": "installed",
        "distribution_demo": "installed",
    }


@pytest.fixture(scope="module")
def distribution_user(admin, connect):
    login = f"e2e_user_{uuid.uuid4().hex[:8]}"
    group = admin.call(
        "ir.model.data", "check_object_reference", "distribution_base", "group_distribution_user"
    )[1]
    admin.call(
        "res.users",
        "create",
        {
            "name": "E2E Distribution User",
            "login": login,
            "password": login,
            "groups_id": [(4, group)],
        },
    )
    return connect(login, login)


def test_distribution_menu_is_offered_to_its_managers(connect):
    manager = connect("manager", "manager")
    response = manager.http.get(
        f"{manager.url}/web/webclient/load_menus/{uuid.uuid4().hex}", timeout=30
    )
    assert response.status_code == 200
    names = {menu["name"] for menu in response.json().values() if isinstance(menu, dict)}
    assert {"Distribution Control", "Business Events"} <= names


@pytest.mark.parametrize("login", ["sales", "warehouse", "buyer", "finance", "approver", "manager"])
def test_demo_users_log_in_with_the_documented_passwords(connect, login):
    session = connect(login, login)
    assert session.uid
    assert session.call("res.users", "read", [session.uid], ["login"])[0]["login"] == login


def test_outbox_is_read_only_for_a_distribution_user_over_rpc(admin, distribution_user):
    partner_id = admin.call("res.partner", "create", {"name": "E2E Outbox Customer"})
    event_ids = admin.call(
        "distribution.event",
        "create",
        {"event_type": "e2e.checked", "res_model": "res.partner", "res_id": partner_id},
    )
    event_ids = event_ids if isinstance(event_ids, list) else [event_ids]
    read = distribution_user.call("distribution.event", "read", event_ids, ["event_type"])
    assert read[0]["event_type"] == "e2e.checked"

    for method, args in (
        ("write", [event_ids, {"event_type": "e2e.forged"}]),
        ("unlink", [event_ids]),
        ("create", [{"event_type": "e2e.forged"}]),
    ):
        with pytest.raises(JsonRpcError) as refused:
            distribution_user.call("distribution.event", method, *args)
        assert refused.value.name == "odoo.exceptions.AccessError", method
    assert (
        admin.call("distribution.event", "read", event_ids, ["event_type"])[0]["event_type"]
        == "e2e.checked"
    )
    admin.call("distribution.event", "unlink", event_ids)


def test_private_emit_api_is_not_reachable_over_rpc(distribution_user):
    with pytest.raises(JsonRpcError) as refused:
        distribution_user.call("distribution.event", "_emit", "e2e.forged", [])
    assert "private" in str(refused.value).lower()
