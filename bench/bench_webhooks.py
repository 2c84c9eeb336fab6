#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark: our signed webhook intake against Odoo's native ``/web/hook/<uuid>`` automation.

One Odoo server (``--workers=2 --max-cron-threads=1``, as odoo.conf's production advice scaled
to this machine) is started on its own database and serves both routes, so both run with the
same server and worker settings, measured side by side in the same run:

* ``/web/hook/<uuid>`` (the anchor): a ``base.automation`` "On webhook" rule on res.partner with
  *Log Calls* on (each call's payload is stored in ``ir.logging``) and one *Execute Code* action;
  no signature, no de-duplication, the action runs inside the request.
* ``/distribution/webhooks/<token>``: Standard Webhooks signature verified on the raw body, the
  event inserted once (``INSERT ... ON CONFLICT DO NOTHING``), the worker woken, 202.

Phases:

0. Service time: one sender, BENCH_SEQUENTIAL requests (default 300) per route one at a time,
   beside ``GET /web/health``, which opens no transaction: the floor every Odoo request pays
   on this server. The table gives p50/p99 and what each route adds to the floor.
1. Throughput: BENCH_REQUESTS requests (default 2000) per route from 32 concurrent senders
   (threads, one ``requests.Session`` each), in two alternating rounds; the table gives the
   best round's requests per second and p50/p99 acknowledgement latency, with ratios to the
   anchor. Between rounds the event worker drains our queue, so neither route pays for it.
2. Soak: BENCH_SOAK events (default 10,000) of which 30% are re-deliveries of others, shuffled,
   from 32 senders; then the worker (one cron thread) drains the queue. It checks that every
   event is stored once, none is lost and none is processed twice (one attempt each), and
   reports the processing lag (``processed_at - received_at``, which has 1 s resolution).
3. Wake-up cost: ``_trigger()`` writes an ``ir.cron.trigger`` row and, after commit, sends a
   NOTIFY on a connection to the ``postgres`` database; ``_distribution_wake()`` (what the
   intake calls) does so only when no trigger is waiting. Measured in-process over BENCH_WAKE
   (default 500) transactions: store only, store + ``_trigger()``, store + ours.

Nothing is asserted on timing; the exit status is non-zero only on a crash. The database
``distribution_bench_webhooks`` (BENCH_WEBHOOKS_DB) is created on first use without demo data
and updated when the modules' code or data change; each run deletes the bench events it made
before. Environment: ODOO_PATH (default /opt/odoo18), PGHOST/PGPORT, PGUSER_ODOO/
PGPASSWORD_ODOO, BENCH_PORT (default: a free port), BENCH_REQUESTS, BENCH_SOAK, BENCH_WAKE.
"""

import importlib.util
import itertools
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from benchlib import ODOO_PATH, ROOT, connect, module_fingerprint, odoo_args

DB = os.environ.get("BENCH_WEBHOOKS_DB") or "distribution_bench_webhooks"
MODULES = ["distribution_integrations", "base_automation"]
FINGERPRINT_DIRS = [
    ROOT / "addons" / "distribution_base",
    ROOT / "distribution_exceptions",
    ROOT / "distribution_integrations",
]
FINGERPRINT_KEY = "distribution_bench_webhooks.module_fingerprint"
SENDERS = 32
WORKERS = 2
ROUNDS = int(os.environ.get("BENCH_ROUNDS") or 2)
REQUESTS = int(os.environ.get("BENCH_REQUESTS") or 2000)
SOAK = int(os.environ.get("BENCH_SOAK") or 10000)
DUPLICATE_SHARE = 0.3
WAKE = int(os.environ.get("BENCH_WAKE") or 500)
SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL") or 300)
DRAIN_TIMEOUT = 900
SEND_TRIES = 3  # a request that times out (60 s) is sent again, up to this many times
ENDPOINT_NAME = "bench: signed intake"
SOAK_ENDPOINT_NAME = "bench: soak"
AUTOMATION_NAME = "bench: native webhook"

_spec = importlib.util.spec_from_file_location(
    "standard_webhooks", ROOT / "distribution_integrations" / "tools" / "standard_webhooks.py"
)
standard_webhooks = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(standard_webhooks)


# ---------------------------------------------------------------------- database


def query(sql, params=None):
    conn = connect(DB)
    try:
        with conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


def database_state():
    conn = connect("postgres")
    with conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB])
        exists = cr.fetchone()
    conn.close()
    if not exists:
        return False, None
    rows = query("SELECT to_regclass('ir_module_module'), to_regclass('ir_config_parameter')")
    if None in rows[0]:
        return False, None
    installed = query(
        "SELECT count(*) FROM ir_module_module WHERE name IN %s AND state = 'installed'",
        [tuple(MODULES)],
    )[0][0] == len(MODULES)
    stored = query("SELECT value FROM ir_config_parameter WHERE key = %s", [FINGERPRINT_KEY])
    return installed, stored[0][0] if stored else None


def prepare_database(fingerprint):
    installed, stored = database_state()
    if installed and stored == fingerprint:
        return
    action = ["-u" if installed else "-i", ",".join(MODULES)]
    verb = "updating" if installed else "installing"
    print(f"bench: {verb} {', '.join(MODULES)} in database {DB} (without demo data)...")
    command = [sys.executable, str(ODOO_PATH / "odoo-bin"), *odoo_args(DB)]
    subprocess.run([*command, *action, "--without-demo=all", "--stop-after-init"], check=True)
    query(
        """INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value""",
        [FINGERPRINT_KEY, fingerprint],
    )


def prepare_fixtures():
    """Endpoints and the native automation (created once), minus the previous runs' events."""
    sys.path.insert(0, str(ODOO_PATH))
    import odoo
    from odoo import SUPERUSER_ID, Command, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(odoo_args(DB), setup_logging=True)
    registry = Registry(DB)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Endpoint = env["distribution.integration.endpoint"].with_context(active_test=False)
        endpoints = {}
        for name in (ENDPOINT_NAME, SOAK_ENDPOINT_NAME):
            endpoint = Endpoint.search([("name", "=", name)], limit=1) or Endpoint.create(
                {
                    "name": name,
                    "kind": "carrier_tracking",
                    "payload_format": "native",
                    "auth_scheme": "standard_webhooks",
                    "rate_limit": 0,
                    "max_attempts": 6,
                }
            )
            endpoint.write({"active": True, "rate_limit": 0})
            endpoints[name] = endpoint
        partner = env.ref("base.main_partner")
        automation = env["base.automation"].search([("name", "=", AUTOMATION_NAME)], limit=1)
        if not automation:
            model = env["ir.model"]._get("res.partner")
            automation = env["base.automation"].create(
                {
                    "name": AUTOMATION_NAME,
                    "model_id": model.id,
                    "trigger": "on_webhook",
                    "log_webhook_calls": True,
                    "action_server_ids": [
                        Command.create(
                            {
                                "name": "bench: acknowledge",
                                "model_id": model.id,
                                "usage": "base_automation",
                                "state": "code",
                                "code": "record.ensure_one()",
                            }
                        )
                    ],
                }
            )
        cr.execute(
            "DELETE FROM distribution_integration_event WHERE endpoint_id IN %s",
            [tuple(e.id for e in endpoints.values())],
        )
        cr.execute("DELETE FROM ir_logging WHERE func = 'webhook' OR name = %s", [AUTOMATION_NAME])
        fixtures = {
            "token": endpoints[ENDPOINT_NAME].token,
            "secret": endpoints[ENDPOINT_NAME].secret,
            "endpoint_id": endpoints[ENDPOINT_NAME].id,
            "soak_token": endpoints[SOAK_ENDPOINT_NAME].token,
            "soak_secret": endpoints[SOAK_ENDPOINT_NAME].secret,
            "soak_endpoint_id": endpoints[SOAK_ENDPOINT_NAME].id,
            "hook_uuid": automation.webhook_uuid,
            "partner_id": partner.id,
        }
        cr.commit()
    return registry, fixtures


# ---------------------------------------------------------------------- server


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port, log_path):
    command = [
        sys.executable,
        str(ODOO_PATH / "odoo-bin"),
        *odoo_args(DB),
        f"--db-filter=^{DB}$",
        f"--http-port={port}",
        "--http-interface=127.0.0.1",
        f"--workers={WORKERS}",
        "--max-cron-threads=1",
        "--limit-time-real=600",
        f"--logfile={log_path}",
    ]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"Odoo exited with {process.returncode}; see {log_path}")
        try:
            if requests.get(f"{url}/web/health", timeout=2).status_code == 200:
                return process, url
        except requests.RequestException:
            pass
        time.sleep(0.5)
    process.terminate()
    raise RuntimeError(f"Odoo did not answer on {url}; see {log_path}")


def stop_server(process):
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


# ---------------------------------------------------------------------- load


def run_load(url, requests_to_send):
    """POST ``requests_to_send`` (a list of (body, headers factory)) from SENDERS threads.

    :return: (wall seconds, latencies in ms, {status: count})
    """
    counter = itertools.count()
    latencies, statuses = [], {}
    lock = threading.Lock()

    def sender():
        session = requests.Session()
        mine, seen = [], {}
        while True:
            index = next(counter)
            if index >= len(requests_to_send):
                break
            body, make_headers = requests_to_send[index]
            headers = make_headers()
            start = time.perf_counter()
            status = "error"
            for _try in range(SEND_TRIES):
                # a partner that hears nothing sends again (signed anew), as a real one does
                try:
                    status = session.post(url, data=body, headers=headers, timeout=60).status_code
                    break
                except requests.RequestException:
                    headers = make_headers()
            mine.append((time.perf_counter() - start) * 1000)
            seen[status] = seen.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for status, count in seen.items():
                statuses[status] = statuses.get(status, 0) + count

    threads = [threading.Thread(target=sender) for _ in range(SENDERS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, latencies, statuses


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def tracking_body(event_id, number, **extra):
    return json.dumps(
        {
            "id": event_id,
            "type": "tracking.updated",
            "timestamp": "2025-03-04T10:00:00Z",
            "data": {"tracking_number": f"BENCH{number:06d}", "status": "in_transit"},
            **extra,
        }
    ).encode()


def signed(secret, msg_id, body):
    def make_headers():
        headers = standard_webhooks.sign_headers(secret, msg_id, body)
        headers["Content-Type"] = "application/json"
        return headers

    return make_headers


def ours_requests(fixtures, tag, count):
    result = []
    for number in range(count):
        body = tracking_body(f"{tag}-{number}", number)
        result.append((body, signed(fixtures["secret"], f"msg_{tag}_{number}", body)))
    return result


def native_requests(fixtures, tag, count):
    headers = {"Content-Type": "application/json"}
    return [
        (
            tracking_body(
                f"{tag}-{number}", number, _model="res.partner", _id=fixtures["partner_id"]
            ),
            lambda: headers,
        )
        for number in range(count)
    ]


def queued(endpoint_id):
    return query(
        """SELECT count(*) FROM distribution_integration_event
            WHERE endpoint_id = %s AND state IN ('received', 'processing', 'failed')""",
        [endpoint_id],
    )[0][0]


def drain(endpoint_id):
    """Wait until the worker emptied the endpoint's queue; return the seconds it took."""
    start = time.perf_counter()
    while queued(endpoint_id) and time.perf_counter() - start < DRAIN_TIMEOUT:
        time.sleep(0.5)
    return time.perf_counter() - start


# ---------------------------------------------------------------------- phases


def set_worker_active(active):
    """Switch the event worker's scheduled action: inactive, ``_trigger()`` writes no trigger
    row and sends no NOTIFY, and the cron does not run."""
    query(
        """UPDATE ir_cron SET active = %s WHERE id = (
               SELECT res_id FROM ir_model_data
                WHERE module = 'distribution_integrations'
                  AND name = 'ir_cron_integration_event_worker')""",
        [active],
    )


def wake_worker():
    """What ``_trigger()`` does: a trigger row, then NOTIFY the cron workers."""
    query(
        """INSERT INTO ir_cron_trigger (cron_id, call_at, create_date, write_date)
           SELECT res_id, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC',
                  now() AT TIME ZONE 'UTC'
             FROM ir_model_data
            WHERE module = 'distribution_integrations'
              AND name = 'ir_cron_integration_event_worker'"""
    )
    conn = connect("postgres")
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT pg_notify('cron_trigger', %s)", [DB])
    finally:
        conn.close()


def throughput(url, fixtures):
    ours_url = f"{url}/distribution/webhooks/{fixtures['token']}"
    targets = [
        ("native `/web/hook` (anchor)", f"{url}/web/hook/{fixtures['hook_uuid']}", native_requests),
        ("ours `/distribution/webhooks`", ours_url, ours_requests),
        ("ours, worker paused (no trigger row, no NOTIFY)", ours_url, ours_requests),
    ]
    # warm the routes up (registry, caches, connections)
    for _label, target_url, build in targets[:2]:
        run_load(target_url, build(fixtures, f"warm-{uuid.uuid4().hex[:8]}", 64))
    drain(fixtures["endpoint_id"])
    best = {}
    triggers_before = query("SELECT count(*) FROM ir_cron_trigger")[0][0]
    for round_number in range(ROUNDS):
        order = targets if round_number % 2 == 0 else list(reversed(targets))
        for label, target_url, build in order:
            paused = "paused" in label
            if paused:
                set_worker_active(False)
            work = build(fixtures, f"r{round_number}-{uuid.uuid4().hex[:8]}", REQUESTS)
            try:
                wall, latencies, statuses = run_load(target_url, work)
            finally:
                if paused:
                    set_worker_active(True)
            rps = len(latencies) / wall
            print(f"bench: round {round_number + 1}, {label}: {rps:.0f} req/s {statuses}")
            if label not in best or rps > best[label][0]:
                best[label] = (rps, latencies, statuses)
            if paused:
                wake_worker()
            drain(fixtures["endpoint_id"])
    triggers_after = query("SELECT count(*) FROM ir_cron_trigger")[0][0]
    return [(label, *best[label]) for label, _url, _build in targets], (
        triggers_before,
        triggers_after,
    )


def service_time(url, fixtures):
    """One sender, one request at a time: what each route costs the server without queueing.

    ``/web/health`` answers without a transaction: the floor any Odoo route pays (accepting the
    connection, werkzeug, Odoo's dispatcher, the answer) on this server.
    """
    session = requests.Session()
    ours_url = f"{url}/distribution/webhooks/{fixtures['token']}"
    targets = [
        ("Odoo's floor: `GET /web/health`", f"{url}/web/health", None),
        ("native `/web/hook` (anchor)", f"{url}/web/hook/{fixtures['hook_uuid']}", native_requests),
        ("ours `/distribution/webhooks`", ours_url, ours_requests),
    ]
    best = {}
    for round_number in range(ROUNDS):
        for label, target_url, build in targets:
            work = (
                build(fixtures, f"seq{round_number}-{uuid.uuid4().hex[:8]}", SEQUENTIAL)
                if build
                else None
            )
            latencies = []
            for index in range(SEQUENTIAL):
                start = time.perf_counter()
                if work is None:
                    response = session.get(target_url, timeout=60)
                else:
                    body, make_headers = work[index]
                    response = session.post(
                        target_url, data=body, headers=make_headers(), timeout=60
                    )
                latencies.append((time.perf_counter() - start) * 1000)
                response.raise_for_status()
            p50 = percentile(latencies, 0.5)
            if label not in best or p50 < best[label][0]:
                best[label] = (p50, percentile(latencies, 0.99))
        drain(fixtures["endpoint_id"])
    return [(label, *best[label]) for label, _url, _build in targets]


def soak(url, fixtures):
    tag = f"soak-{uuid.uuid4().hex[:8]}"
    unique = round(SOAK * (1 - DUPLICATE_SHARE))
    bodies = [tracking_body(f"{tag}-{number}", number) for number in range(unique)]
    rng = random.Random(20250304)
    picks = list(range(unique)) + [rng.randrange(unique) for _ in range(SOAK - unique)]
    rng.shuffle(picks)
    work = [
        (bodies[number], signed(fixtures["soak_secret"], f"msg_{tag}_{index}", bodies[number]))
        for index, number in enumerate(picks)
    ]
    started = time.perf_counter()
    wall, latencies, statuses = run_load(
        f"{url}/distribution/webhooks/{fixtures['soak_token']}", work
    )
    drain_seconds = drain(fixtures["soak_endpoint_id"])
    total_seconds = time.perf_counter() - started
    [(stored, distinct, processed, max_attempts, p50, p95, p99, lag_max)] = query(
        """SELECT count(*), count(DISTINCT external_id),
                  count(*) FILTER (WHERE state IN ('done', 'ignored')),
                  max(attempts),
                  percentile_cont(0.5) WITHIN GROUP (ORDER BY lag),
                  percentile_cont(0.95) WITHIN GROUP (ORDER BY lag),
                  percentile_cont(0.99) WITHIN GROUP (ORDER BY lag),
                  max(lag)
             FROM (SELECT external_id, state, attempts,
                          extract(epoch FROM processed_at - received_at) AS lag
                     FROM distribution_integration_event
                    WHERE endpoint_id = %s AND external_id LIKE %s) soak""",
        [fixtures["soak_endpoint_id"], f"{tag}-%"],
    )
    return {
        "sent": len(work),
        "unique": unique,
        "duplicates": len(work) - unique,
        "statuses": statuses,
        "send_seconds": wall,
        "rps": len(latencies) / wall,
        "p50": percentile(latencies, 0.5),
        "p99": percentile(latencies, 0.99),
        "stored": stored,
        "distinct": distinct,
        "processed": processed,
        "max_attempts": max_attempts,
        "lag": (p50, p95, p99, lag_max),
        "drain_seconds": drain_seconds,
        "total_seconds": total_seconds,
    }


def wake_cost(registry, fixtures):
    """ms per accepted event, each in its own transaction: store only; store and ``_trigger()``
    (a trigger row and a NOTIFY every time); store and ``_distribution_wake()`` (ours: a trigger
    row only when none is waiting)."""
    from odoo import SUPERUSER_ID, api

    xmlid = "distribution_integrations.ir_cron_integration_event_worker"
    tag = f"wake-{uuid.uuid4().hex[:8]}"
    variants = (
        ("store only", None),
        ("store + `_trigger()` every time (row + NOTIFY)", lambda env: env.ref(xmlid)._trigger()),
        (
            "store + `_distribution_wake()` (ours)",
            lambda env: env["ir.cron"]._distribution_wake(xmlid),
        ),
    )
    results = {}
    for label, wake in variants:
        query("DELETE FROM ir_cron_trigger")  # as the worker leaves them after a run
        start = time.perf_counter()
        for number in range(WAKE):
            with registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {})
                config = {"id": fixtures["endpoint_id"], "company_id": env.company.id}
                env["distribution.integration.event"]._insert_received(
                    config,
                    "{}",
                    {"external_id": f"{tag}-{len(results)}-{number}", "event_type": "bench.wake"},
                )
                if wake:
                    wake(env)
        results[label] = (time.perf_counter() - start) * 1000 / WAKE
    query("DELETE FROM ir_cron_trigger")
    with registry.cursor() as cr:
        cr.execute(
            "DELETE FROM distribution_integration_event WHERE external_id LIKE %s", [f"{tag}-%"]
        )
    return results


# ---------------------------------------------------------------------- report


def main():
    started = time.perf_counter()
    prepare_database(module_fingerprint(FINGERPRINT_DIRS))
    registry, fixtures = prepare_fixtures()
    port = int(os.environ.get("BENCH_PORT") or free_port())
    log_path = Path(tempfile.gettempdir()) / f"bench_webhooks_{port}.log"
    process, url = start_server(port, log_path)
    try:
        print_service_time(service_time(url, fixtures))
        rows, (triggers_before, triggers_after) = throughput(url, fixtures)
        print_throughput(rows)
        soaked = soak(url, fixtures)
    finally:
        stop_server(process)
    print_soak(soaked)
    # the server's worker is gone: measure the wake-up in this process, alone on the database
    wake = wake_cost(registry, fixtures)
    print_wake(wake, triggers_before, triggers_after)
    print(f"Total {time.perf_counter() - started:.0f} s.")


def print_throughput(rows):
    print()
    print(
        f"### Acknowledgement: {REQUESTS} requests per route, {SENDERS} concurrent senders, "
        f"workers={WORKERS} (best of {ROUNDS} alternating rounds)"
    )
    print()
    print("| route | answered | statuses | req/s | p50 ms | p99 ms | req/s ratio | p99 ratio |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    anchor = None
    for label, rps, latencies, statuses in rows:
        p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
        anchor = anchor or (rps, p99)
        codes = ", ".join(f"{code}: {count}" for code, count in sorted(statuses.items(), key=str))
        print(
            f"| {label} | {len(latencies)} | {codes} | {rps:.0f} | {p50:.1f} | {p99:.1f} "
            f"| {rps / anchor[0]:.2f}x | {p99 / anchor[1]:.2f}x |"
        )
    print()
    print(
        "req/s ratio = req/s / anchor req/s (above 1 is faster); p99 ratio = p99 / anchor p99 "
        "(below 1 is faster). Ours verifies the signature, de-duplicates and wakes the worker; "
        "the anchor checks nothing and stores the call in ir.logging."
    )
    print()


def print_service_time(rows):
    print()
    print(f"### Service time: one sender, {SEQUENTIAL} requests per route, one at a time")
    print()
    print("| route | p50 ms | p99 ms | p50 above the floor ms | ratio above the floor |")
    print("|---|---:|---:|---:|---:|")
    floor = rows[0][1]
    anchor = rows[1][1] - floor
    for label, p50, p99 in rows:
        above = p50 - floor
        ratio = f"{above / anchor:.2f}x" if label != rows[0][0] and anchor > 0 else "-"
        print(f"| {label} | {p50:.1f} | {p99:.1f} | {above:.1f} | {ratio} |")
    print()
    print(
        "Best p50 of the rounds. The floor is what Odoo's HTTP stack costs any request here; the "
        "ratio compares what each route adds to it (below 1: ours adds less than the anchor)."
    )
    print()


def print_soak(soaked):
    s = soaked
    codes = ", ".join(f"{code}: {count}" for code, count in sorted(s["statuses"].items(), key=str))
    lag = " / ".join("-" if value is None else f"{value:.1f}" for value in s["lag"])
    print(
        f"### Soak: {s['sent']} events, {s['duplicates']} of them duplicates, shuffled, "
        f"{SENDERS} senders"
    )
    print()
    print("| measure | value |")
    print("|---|---:|")
    print(f"| answers | {codes} |")
    print(
        f"| acknowledged req/s (p50 / p99 ms) | {s['rps']:.0f} ({s['p50']:.1f} / {s['p99']:.1f}) |"
    )
    print(f"| unique events sent | {s['unique']} |")
    print(f"| stored (distinct external ids) | {s['stored']} ({s['distinct']}) |")
    print(f"| lost (sent, never stored) | {s['unique'] - s['distinct']} |")
    print(f"| processed (done or ignored) | {s['processed']} |")
    print(f"| most attempts of one event (1 = none processed twice) | {s['max_attempts']} |")
    print(f"| processing lag p50 / p95 / p99 / max (s) | {lag} |")
    print(
        f"| sending took / queue drained after (s) | {s['send_seconds']:.1f} / "
        f"{s['drain_seconds']:.1f} |"
    )
    print()


def print_wake(wake, triggers_before, triggers_after):
    print("### Waking the worker: per accepted event, in its own transaction")
    print()
    print("| per event, own transaction | ms | ratio |")
    print("|---|---:|---:|")
    base = None
    for label, ms in wake.items():
        base = base or ms
        print(f"| {label} | {ms:.2f} | {ms / base:.2f}x |")
    print()
    print(
        f"ir_cron_trigger rows: {triggers_before} before the throughput phase, {triggers_after} "
        "after (the cron deletes the triggers it consumed when it runs; ours writes one while none "
        "is waiting)."
    )


if __name__ == "__main__":
    main()
