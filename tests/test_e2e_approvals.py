# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A program confirming an order that needs an approval over JSON-RPC: the first call asks for
it, the next ones are refused with the level and the approvers, and the approver decides over
RPC too — the same rules as in the web client."""

import uuid

import pytest

from conftest import JsonRpcError


def xmlid(admin, complete_name):
    module, name = complete_name.split(".")
    return admin.call(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
    )[0]["res_id"]


@pytest.fixture
def approval_level(admin):
    marker = f"E2E-APPROVAL-{uuid.uuid4().hex[:8]}"
    login, password = marker.lower(), f"{marker}-secret"
    groups = [
        xmlid(admin, "base.group_user"),
        xmlid(admin, "distribution_base.group_distribution_user"),
    ]
    approver_id = admin.call(
        "res.users",
        "create",
        {
            "name": f"E2E Approver {marker[-8:]}",
            "login": login,
            "password": password,
            "email": f"{login}@e2e.example",
            "groups_id": [(6, 0, groups)],
        },
    )
    matrix_id = admin.call(
        "distribution.approval.matrix",
        "create",
        {
            "name": "E2E matrix",
            "document_type": "sale_confirm",
            "level_ids": [
                (
                    0,
                    0,
                    {
                        "name": "E2E level",
                        "domain": repr([("client_order_ref", "=", marker)]),
                        "user_ids": [(6, 0, [approver_id])],
                    },
                )
            ],
        },
    )
    yield marker, (login, password), approver_id
    admin.call("distribution.approval.matrix", "write", [matrix_id], {"active": False})


def decide(client, request_id, decision, comment=""):
    wizard_id = client.call(
        "distribution.approval.decide",
        "create",
        {"request_id": request_id, "decision": decision, "comment": comment},
    )
    return client.call("distribution.approval.decide", "action_confirm", [wizard_id])


def test_an_order_needing_approval_over_rpc(admin, connect, approval_level):
    marker, (login, password), approver_id = approval_level
    partner_id = admin.call("res.partner", "create", {"name": "E2E Approval Customer"})
    product_id = admin.call(
        "product.product", "create", {"name": "E2E approval service", "type": "service"}
    )
    order_id = admin.call(
        "sale.order",
        "create",
        {
            "partner_id": partner_id,
            "client_order_ref": marker,
            "order_line": [(0, 0, {"product_id": product_id, "product_uom_qty": 1})],
        },
    )

    asked = admin.call("sale.order", "action_confirm", [order_id])
    assert asked["tag"] == "display_notification"
    assert admin.call("sale.order", "read", [order_id], ["state"])[0]["state"] == "draft"

    with pytest.raises(JsonRpcError) as refused:
        admin.call("sale.order", "action_confirm", [order_id])
    error = refused.value.error["data"]
    assert error["name"].endswith("DistributionApprovalError")
    approvals = error["context"]["approvals"]
    assert approvals[0]["level"] == "E2E level"
    assert approvals[0]["waiting_for"] == [f"E2E Approver {marker[-8:]}"]

    approver = connect(login, password)
    requests = approver.call(
        "distribution.approval.request",
        "search_read",
        [("is_my_turn", "=", True), ("res_model", "=", "sale.order"), ("res_id", "=", order_id)],
        fields=["state", "current_level"],
    )
    assert [(r["state"], r["current_level"]) for r in requests] == [("pending", "E2E level")]
    request_id = requests[0]["id"]

    # the requester may not approve their own request, even over RPC
    with pytest.raises(JsonRpcError) as own:
        decide(admin, request_id, "approve")
    assert "you asked for it" in own.value.error["data"]["message"]
    # nor may anyone change a request by writing it
    with pytest.raises(JsonRpcError):
        approver.call("distribution.approval.request", "write", [request_id], {"state": "approved"})

    decide(approver, request_id, "approve", "Checked over RPC")
    state = admin.call("distribution.approval.request", "read", [request_id], ["state"])[0]
    assert state["state"] == "approved"
    decisions = admin.call(
        "distribution.approval.decision",
        "search_read",
        [("request_id", "=", request_id)],
        fields=["user_id", "decision", "comment"],
    )
    assert [(d["user_id"][0], d["decision"], d["comment"]) for d in decisions] == [
        (approver_id, "approve", "Checked over RPC")
    ]

    assert admin.call("sale.order", "action_confirm", [order_id]) is True
    assert admin.call("sale.order", "read", [order_id], ["state"])[0]["state"] == "sale"
