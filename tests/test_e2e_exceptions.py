# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A program confirming a held order over JSON-RPC gets a structured refusal, not a 500."""

import uuid

import pytest

from conftest import JsonRpcError


@pytest.fixture
def holding_rule(admin):
    marker = f"E2E-HOLD-{uuid.uuid4().hex[:8]}"
    rule_id = admin.call(
        "distribution.exception.rule",
        "create",
        {
            "name": "E2E credit hold",
            "detector": "domain",
            "target_model": "sale.order",
            "level": "header",
            "domain": repr([("client_order_ref", "=", marker)]),
            "reason_template": "Held for the end-to-end test",
            "severity": "blocking",
            "owner_type": "user",
            "owner_user_id": admin.uid,
        },
    )
    yield marker
    admin.call("distribution.exception.rule", "write", [rule_id], {"active": False})


def test_confirming_a_held_order_over_rpc_is_refused_with_the_reasons(admin, holding_rule):
    partner_id = admin.call("res.partner", "create", {"name": "E2E Held Customer"})
    product_id = admin.call(
        "product.product", "create", {"name": "E2E service", "type": "service", "list_price": 10}
    )
    order_id = admin.call(
        "sale.order",
        "create",
        {
            "partner_id": partner_id,
            "client_order_ref": holding_rule,
            "order_line": [(0, 0, {"product_id": product_id, "product_uom_qty": 1})],
        },
    )
    with pytest.raises(JsonRpcError) as refused:
        admin.call("sale.order", "action_confirm", [order_id])
    error = refused.value.error["data"]
    assert error["name"].endswith("DistributionBlockedError")
    assert "Held for the end-to-end test" in error["message"]
    blocking = error["context"]["blocking_exceptions"]
    assert blocking[0]["rule"] == "E2E credit hold"
    assert blocking[0]["reason"] == "Held for the end-to-end test"
    state = admin.call("sale.order", "read", [order_id], ["state"])[0]["state"]
    assert state == "draft"

    # The occurrence persists: the automation rule found it when the order was saved.
    occurrences = admin.call(
        "distribution.exception",
        "search_read",
        [("res_model", "=", "sale.order"), ("res_id", "=", order_id)],
        fields=["state", "owner_id"],
    )
    assert [o["state"] for o in occurrences] == ["open"]

    admin.call("sale.order", "write", [order_id], {"client_order_ref": "released"})
    admin.call("sale.order", "action_confirm", [order_id])
    assert admin.call("sale.order", "read", [order_id], ["state"])[0]["state"] == "sale"
    occurrences = admin.call(
        "distribution.exception", "read", [o["id"] for o in occurrences], ["state"]
    )
    assert [o["state"] for o in occurrences] == ["cleared"]
