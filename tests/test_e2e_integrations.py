# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A partner posts signed webhooks to a running Odoo; an administrator watches them over RPC.

The signature is computed here from the Standard Webhooks specification, independently of the
module's own code.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid

import pytest
import requests


def standard_webhooks_headers(secret, msg_id, body, timestamp=None):
    key = base64.b64decode(secret.removeprefix("whsec_"))
    timestamp = int(time.time() if timestamp is None else timestamp)
    signed = f"{msg_id}.{timestamp}.".encode() + body
    signature = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": f"v1,{signature}",
        "Content-Type": "application/json",
    }


def tracking_event(event_id, status="in_transit"):
    return json.dumps(
        {
            "id": event_id,
            "type": "tracking.updated",
            "timestamp": "2025-03-04T10:00:00Z",
            "data": {"tracking_number": f"E2E-{event_id}", "carrier": "dhl", "status": status},
        }
    ).encode()


def xmlid(admin, module, name):
    [data] = admin.call(
        "ir.model.data",
        "search_read",
        [("module", "=", module), ("name", "=", name)],
        fields=["res_id"],
    )
    return data["res_id"]


@pytest.fixture
def endpoint(admin, odoo_server):
    """A carrier tracking endpoint created over RPC; the partner gets its URL and secret."""
    url, _database = odoo_server
    endpoint_id = admin.call(
        "distribution.integration.endpoint",
        "create",
        {
            "name": f"E2E carrier {uuid.uuid4().hex[:6]}",
            "kind": "carrier_tracking",
            "payload_format": "native",
            "auth_scheme": "standard_webhooks",
        },
    )
    [values] = admin.call(
        "distribution.integration.endpoint",
        "read",
        [endpoint_id],
        ["token", "secret", "webhook_url"],
    )
    values["id"] = endpoint_id
    # the URL shown to the administrator is built on web.base.url; post to the server under test
    values["url"] = f"{url}/distribution/webhooks/{values['token']}"
    assert values["webhook_url"].endswith(f"/distribution/webhooks/{values['token']}")
    yield values
    admin.call("distribution.integration.endpoint", "write", [endpoint_id], {"active": False})


def post(url, body, headers):
    return requests.post(url, data=body, headers=headers, timeout=30)


def run_worker(admin):
    cron_id = xmlid(admin, "distribution_integrations", "ir_cron_integration_event_worker")
    admin.call("ir.cron", "method_direct_trigger", [cron_id])


def read_event(admin, event_id, fields=("state", "attempts", "last_error", "payload")):
    return admin.call("distribution.integration.event", "read", [event_id], list(fields))[0]


def test_signed_event_is_acknowledged_stored_once_and_processed(admin, endpoint):
    event_key = uuid.uuid4().hex
    body = tracking_event(event_key)
    headers = standard_webhooks_headers(endpoint["secret"], f"msg_{event_key}", body)

    accepted = post(endpoint["url"], body, headers)
    assert accepted.status_code == 202, accepted.text
    answer = accepted.json()
    assert answer["status"] == "accepted" and answer["external_id"] == event_key

    # the partner did not hear us and sends it again, signed anew
    again = post(endpoint["url"], body, standard_webhooks_headers(endpoint["secret"], "m2", body))
    assert again.status_code == 200, again.text
    assert again.json() == {
        "status": "duplicate",
        "duplicate": True,
        "id": answer["id"],
        "external_id": event_key,
    }
    stored = admin.call(
        "distribution.integration.event",
        "search_read",
        [("endpoint_id", "=", endpoint["id"])],
        fields=["state", "raw_body"],
    )
    assert [(e["state"], e["raw_body"]) for e in stored] == [("received", body.decode())]

    run_worker(admin)
    event = read_event(admin, answer["id"], ("state", "attempts", "payload", "ignored_reason"))
    # processed once: no transfer ships under this tracking reference, so it is kept as ignored
    assert (event["state"], event["attempts"]) == ("ignored", 1)
    assert f"E2E-{event_key}" in event["ignored_reason"]
    assert event["payload"]["references"]["tracking_number"] == f"E2E-{event_key}"
    assert event["payload"]["tracking"]["status"] == "in_transit"


def test_refusals_are_json_with_honest_statuses(endpoint):
    body = tracking_event(uuid.uuid4().hex)
    signed = standard_webhooks_headers(endpoint["secret"], "msg_r", body)
    base = endpoint["url"].rsplit("/", 1)[0]
    cases = [
        (post(endpoint["url"], body, {"Content-Type": "application/json"}), 401, "missing_headers"),
        (post(endpoint["url"], body + b" ", signed), 401, "invalid_signature"),
        (
            post(
                endpoint["url"],
                body,
                standard_webhooks_headers(endpoint["secret"], "m", body, time.time() - 3600),
            ),
            401,
            "timestamp_out_of_tolerance",
        ),
        (post(f"{base}/not-a-token", body, signed), 404, "unknown_endpoint"),
        (requests.get(endpoint["url"], timeout=30), 405, "method_not_allowed"),
        (
            post(endpoint["url"], body, {**signed, "Content-Type": "text/plain"}),
            415,
            "unsupported_media_type",
        ),
        (post(endpoint["url"], b"x" * (300 * 1024), signed), 413, "payload_too_large"),
        (
            post(
                endpoint["url"],
                b'{"type": "tracking.updated"}',
                standard_webhooks_headers(endpoint["secret"], "m", b'{"type": "tracking.updated"}'),
            ),
            400,
            "malformed",
        ),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.json()["error"] == code
        assert endpoint["secret"] not in response.text


def test_dead_letter_raises_a_technical_exception_and_a_replay_clears_it(admin, endpoint):
    event_key = uuid.uuid4().hex
    body = tracking_event(event_key, status="failed_attempt")
    response = post(
        endpoint["url"], body, standard_webhooks_headers(endpoint["secret"], "msg_d", body)
    )
    assert response.status_code == 202, response.text
    event_id = response.json()["id"]

    # the endpoint is reconfigured for supplier acknowledgements before the worker runs: the
    # stored tracking event cannot be read any more, which no retry can fix
    endpoint_model = "distribution.integration.endpoint"
    admin.call(endpoint_model, "write", [endpoint["id"]], {"kind": "supplier_ack"})
    run_worker(admin)
    event = read_event(admin, event_id)
    assert event["state"] == "dead", event
    assert "not accepted by this endpoint" in event["last_error"]
    exceptions = admin.call(
        "distribution.exception",
        "search_read",
        [("res_model", "=", "distribution.integration.event"), ("res_id", "=", event_id)],
        fields=["state", "category", "owner_id", "name"],
    )
    assert [(e["state"], e["category"]) for e in exceptions] == [("open", "technical")]
    assert exceptions[0]["owner_id"][0] == admin.uid

    admin.call(endpoint_model, "write", [endpoint["id"]], {"kind": "carrier_tracking"})
    admin.call("distribution.integration.event", "action_replay", [event_id])
    assert read_event(admin, event_id)["state"] == "received"
    run_worker(admin)
    # processed this time (and ignored: no transfer ships under this tracking reference)
    assert read_event(admin, event_id)["state"] == "ignored"
    [exception] = admin.call("distribution.exception", "read", [exceptions[0]["id"]], ["state"])
    assert exception["state"] == "cleared"


def test_the_api_description_is_served(odoo_server):
    url, _database = odoo_server
    response = requests.get(f"{url}/distribution/webhooks/openapi.json", timeout=30)
    assert response.status_code == 200
    document = response.json()
    assert document["openapi"].startswith("3.")
    post_operation = document["paths"]["/distribution/webhooks/{token}"]["post"]
    assert {"200", "202", "400", "401", "404", "413", "415", "429"} <= set(
        post_operation["responses"]
    )


def test_the_health_route_answers_without_a_session(odoo_server):
    url, _database = odoo_server
    response = requests.get(f"{url}/distribution/integrations/health", timeout=30)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] in ("ok", "degraded")
    assert {"backlog", "dead", "oldest_pending_seconds", "last_worker_run"} <= set(body["inbound"])
    assert {"backlog", "dead", "oldest_pending_seconds", "last_worker_run"} <= set(body["outbound"])
    assert "whsec_" not in response.text
