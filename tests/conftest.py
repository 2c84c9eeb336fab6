# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A live Odoo for the end-to-end tests, which only talk HTTP to it.

With DC_E2E_URL set (e.g. http://localhost:8069 while `make demo` runs, and DC_E2E_DB naming its
database) the tests use that server. Otherwise they start one on a free port against the test
database DC_ODOO_DB, as `make test` does, and stop it at the end.
"""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _odoo_path():
    if os.environ.get("ODOO_PATH"):
        return Path(os.environ["ODOO_PATH"])
    import odoo

    return Path(odoo.__file__).resolve().parent.parent


def _wait_until_up(url, process, log_path, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"Odoo exited with {process.returncode}; log:\n{log_path.read_text()}"
            )
        try:
            if requests.get(f"{url}/web/health", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            # not listening yet, or still loading the registry on a busy machine
            pass
        time.sleep(0.5)
    raise RuntimeError(f"Odoo did not answer on {url} within {timeout}s")


@pytest.fixture(scope="session")
def odoo_server(tmp_path_factory):
    """(base URL, database name) of a running Odoo with the suite installed."""
    if os.environ.get("DC_E2E_URL"):
        yield os.environ["DC_E2E_URL"].rstrip("/"), os.environ.get("DC_E2E_DB", "distribution_demo")
        return
    database = os.environ.get("DC_ODOO_DB", "distribution_test")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("odoo") / "odoo.log"
    odoo_path = _odoo_path()
    addons_path = os.environ.get("DC_ADDONS_PATH", f"{odoo_path}/odoo/addons,{ROOT}/addons")
    command = [
        sys.executable,
        str(odoo_path / "odoo-bin"),
        f"--config={ROOT / 'odoo.conf'}",
        f"--addons-path={addons_path}",
        f"--database={database}",
        f"--db-filter=^{database}$",
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        "--max-cron-threads=0",
        "--log-level=warn",
        f"--logfile={log_path}",
        f"--db_host={os.environ.get('PGHOST', '127.0.0.1')}",
        f"--db_port={os.environ.get('PGPORT', '5432')}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, process, log_path)
        yield url, database
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


class JsonRpcError(Exception):
    def __init__(self, error):
        super().__init__(error.get("data", {}).get("message") or error.get("message"))
        self.error = error
        self.name = error.get("data", {}).get("name", "")


class OdooSession:
    """A logged-in browser-like session speaking Odoo's JSON-RPC."""

    def __init__(self, url, database):
        self.url, self.database = url, database
        self.http = requests.Session()

    def rpc(self, route, params):
        response = self.http.post(
            f"{self.url}{route}",
            json={"jsonrpc": "2.0", "method": "call", "id": 1, "params": params},
            timeout=30,
        )
        response.raise_for_status()
        body = response.json()
        if "error" in body:
            raise JsonRpcError(body["error"])
        return body["result"]

    def login(self, login, password):
        self.uid = self.rpc(
            "/web/session/authenticate",
            {"db": self.database, "login": login, "password": password},
        )["uid"]
        return self

    def call(self, model, method, *args, **kwargs):
        return self.rpc(
            "/web/dataset/call_kw",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


@pytest.fixture(scope="session")
def connect(odoo_server):
    url, database = odoo_server

    def _connect(login, password):
        return OdooSession(url, database).login(login, password)

    return _connect


@pytest.fixture(scope="session")
def admin(connect):
    return connect(
        os.environ.get("DC_E2E_LOGIN", "admin"), os.environ.get("DC_E2E_PASSWORD", "admin")
    )
