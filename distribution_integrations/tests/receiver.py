# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A subscriber on loopback: a real HTTP server in a thread that checks each delivery's
Standard Webhooks signature and answers what the test scripted."""

import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ..tools import standard_webhooks

_logger = logging.getLogger(__name__)


class Receiver:
    def __init__(self, secret):
        self.secret = secret
        self.received = []  # one dict per request, in arrival order
        self.statuses = []  # answers to give, in order; 200 once exhausted
        self.delay = 0.0  # seconds to wait before answering
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {key.lower(): value for key, value in self.headers.items()}
                try:
                    standard_webhooks.verify([receiver.secret], headers, body)
                    verified = True
                except standard_webhooks.WebhookVerificationError:
                    verified = False
                with receiver._lock:
                    receiver.received.append(
                        {
                            "webhook_id": headers.get("webhook-id"),
                            "timestamp": headers.get("webhook-timestamp"),
                            "verified": verified,
                            "body": body,
                            "path": self.path,
                        }
                    )
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                if receiver.delay:
                    time.sleep(receiver.delay)
                answer = b'{"ok": true}' if status < 300 else b'{"error": "scripted"}'
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError as error:  # the sender gave up (timeout)
                    _logger.debug("the sender closed the connection: %s", error)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self):
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/odoo"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
