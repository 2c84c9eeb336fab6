# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json
import shutil
import subprocess
import time

from odoo.tests import TransactionCase, tagged

from ..tools import standard_webhooks
from .common import DATA

WORKFLOW = DATA / "n8n" / "distribution_control_events.json"
SECRET = "whsec_" + "c2VjcmV0LWZvci10aGUtbjhuLXdvcmtmbG93LXRlc3Q="

# Runs the Code node's JavaScript as n8n would (an async function, $input and $env given),
# with the item the Webhook node hands over, and prints what the node returns.
HARNESS = """
const received = JSON.parse(process.argv[1]);
const $input = { all: () => [received] };
const $env = { DISTRIBUTION_CONTROL_WEBHOOK_SECRET: process.argv[2] };
const helpers = { getBinaryDataBuffer: async () => Buffer.from(received.raw, 'utf8') };
const run = async function () {
%s
};
run.call({ helpers }).then((result) => console.log(JSON.stringify(result)));
"""


@tagged("post_install", "-at_install")
class TestN8nWorkflow(TransactionCase):
    """data/n8n: an importable workflow that verifies our signatures and branches on type."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workflow = json.loads(WORKFLOW.read_text())
        cls.nodes = {node["name"]: node for node in cls.workflow["nodes"]}

    def test_workflow_shape(self):
        types = {node["type"] for node in self.workflow["nodes"]}
        self.assertLessEqual(
            {
                "n8n-nodes-base.webhook",
                "n8n-nodes-base.code",
                "n8n-nodes-base.if",
                "n8n-nodes-base.switch",
                "n8n-nodes-base.respondToWebhook",
            },
            types,
        )
        webhook = self.nodes["Distribution Control event"]
        self.assertTrue(webhook["parameters"]["options"]["rawBody"], "the body as signed")
        # every connection names a node of the workflow, and every node but the trigger is fed
        fed = set()
        for source, outputs in self.workflow["connections"].items():
            self.assertIn(source, self.nodes)
            for output in outputs["main"]:
                for link in output:
                    self.assertIn(link["node"], self.nodes)
                    fed.add(link["node"])
        self.assertEqual(fed, set(self.nodes) - {"Distribution Control event"})
        rules = self.nodes["Branch on event type"]["parameters"]["rules"]["values"]
        prefixes = [rule["conditions"]["conditions"][0]["rightValue"] for rule in rules]
        self.assertEqual(prefixes, ["exception.", "approval.", "integration."])

    def _run_code_node(self, headers, raw):
        node = shutil.which("node")
        self.assertTrue(node, "Node.js runs the workflow's Code node in this test")
        code = self.nodes["Verify signature"]["parameters"]["jsCode"]
        item = {"json": {"headers": headers, "body": json.loads(raw)}, "binary": {"data": {}}}
        item["raw"] = raw
        output = subprocess.run(
            [node, "-e", HARNESS % code, "--", json.dumps(item), SECRET],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
        return json.loads(output)[0]["json"]

    def test_code_node_verifies_our_signature(self):
        raw = json.dumps(
            {
                "type": "exception.raised",
                "timestamp": "2026-11-22T09:14:03Z",
                "data": {"document": {"model": "sale.order", "id": 57, "name": "S00057"}},
            },
            separators=(",", ":"),
        )
        headers = standard_webhooks.sign_headers(SECRET, "msg_n8n_1", raw.encode())
        result = self._run_code_node(headers, raw)
        self.assertTrue(result["valid"])
        self.assertEqual(result["type"], "exception.raised")
        self.assertEqual(result["data"]["document"]["name"], "S00057")
        # a changed body, another secret or an old timestamp are refused
        tampered = raw.replace("S00057", "S00058")
        self.assertFalse(self._run_code_node(headers, tampered)["valid"])
        other = standard_webhooks.sign_headers(
            "whsec_" + "b3RoZXItc2VjcmV0LW9mLTMyLWJ5dGVzLWxvbmctLS0=", "msg_n8n_1", raw.encode()
        )
        self.assertFalse(self._run_code_node(other, raw)["valid"])
        old = standard_webhooks.sign_headers(
            SECRET, "msg_n8n_1", raw.encode(), timestamp=int(time.time()) - 3600
        )
        self.assertFalse(self._run_code_node(old, raw)["valid"])
