#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark: carrier tracking events applied to transfers by the event worker, 1 worker and 2.

BENCH_CARRIER_EVENTS (default 10,000) native ``tracking.updated`` events for
BENCH_CARRIER_TRANSFERS (default 2,000) validated deliveries, each with its own tracking
reference and carrier: a few updates per transfer (pre-transit, in transit, out for delivery,
then delivered, a failed attempt or a carrier exception; some delivered short), stored as the
webhook intake stores them (``_insert_received``, state received), in shuffled order.

The worker drains the queue as the scheduled action does: ``_cron_process()`` in a loop on a
cursor of its own, one batch of 100 events (the module's batch size) per transaction, committed.

* **1 worker** (the anchor) and **2 workers** at once, two processes (as two cron workers of
  a ``--workers`` server are), on the same data: events per second, total time, SQL queries per
  event (counted on the workers' cursors) and the ratio of 2 workers to 1;
* the same two drains on the same events made due **stepwise** (every transfer's first update,
  then every second one...): two batches claimed one after the other then never name the same
  transfer, which shows what the workers' conflicts on shared transfers cost in the shuffled
  case (a worker's batch is one transaction, holding the transfers it updated until it commits);
* **queries per event against the number of transfers**: the 1-worker drain of a tenth of the
  data (200 transfers, 1,000 events by default, shuffled) beside the full one.

Every drain starts from the same state: a copy (``CREATE DATABASE ... TEMPLATE``) of a database
that holds the data and is kept; the copy is dropped after the drain. An event that fails during
a drain is rolled back and its retry scheduled (30 to 60 s later) by the worker; after the
measured drain, one worker retries such events at once, as if their delay had passed, so that
the final state can be checked as well. The bench checks that every event ended done or ignored
after one attempt, that each left one line in its transfer's carrier history (in the transfer's
company), that every transfer ends with the status of its latest update, and that the 1-worker
and 2-worker drains leave the same transfer statuses and open exceptions. It exits non-zero on a
crash or when one of these checks fails; nothing is asserted on timing.

Databases (BENCH_CARRIER_DB, default ``distribution_bench_carrier``): the base, created on first
use with distribution_integrations without demo data and updated when the modules' code or data
change; ``<base>_<transfers>x<events>`` per data size, built from the base and kept while the
modules and the data generator are unchanged; ``<base>_run``, the copy a drain works on. Their
scheduled actions are switched off, so that no Odoo server on the machine works their queue.
Environment: ODOO_PATH (default /opt/odoo18), PGHOST/PGPORT, PGUSER_ODOO/PGPASSWORD_ODOO,
BENCH_CARRIER_TRANSFERS, BENCH_CARRIER_EVENTS, BENCH_CARRIER_ROUNDS (drains per case, taking
turns, the best kept; default 2).
"""

import json
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

from benchlib import ODOO_PATH, ROOT, connect, module_fingerprint, odoo_args

DB = os.environ.get("BENCH_CARRIER_DB") or "distribution_bench_carrier"
RUN_DB = f"{DB}_run"
TRANSFERS = int(os.environ.get("BENCH_CARRIER_TRANSFERS") or 2000)
EVENTS = int(os.environ.get("BENCH_CARRIER_EVENTS") or 10000)
SMALL = (max(1, TRANSFERS // 10), max(1, EVENTS // 10))
ROUNDS = int(os.environ.get("BENCH_CARRIER_ROUNDS") or 2)
BATCH = 100  # the scheduled action calls _cron_process() with its default batch size
MODULES = ["distribution_integrations"]
FINGERPRINT_DIRS = [
    ROOT / "addons" / "distribution_base",
    ROOT / "distribution_exceptions",
    ROOT / "distribution_integrations",
]
FINGERPRINT_KEY = "distribution_bench_carrier.module_fingerprint"
DATA_KEY = "distribution_bench_carrier.data"
DATA_VERSION = 1  # change when the generator below changes
SEED = 20250610
ENDPOINT_NAME = "bench: carrier events"
CARRIER_NAME = "Bench Swift Freight"
REF_PREFIX = "BCE"
UNIT_WEIGHT = 2.0
CITIES = ["Columbus, OH", "Memphis, TN", "Louisville, KY", "Indianapolis, IN", "Chicago, IL"]
FIRST_DAY = datetime(2025, 3, 3, 7, 0)
QUEUED = ("received", "failed", "processing")
SETTLE_PASSES = 10


# ---------------------------------------------------------------------- databases


def query(database, sql, params=None):
    conn = connect(database)
    try:
        with conn.cursor() as cr:
            cr.execute(sql, params)
            return cr.fetchall() if cr.description else None
    finally:
        conn.close()


def database_exists(database):
    return bool(query("postgres", "SELECT 1 FROM pg_database WHERE datname = %s", [database]))


def parameter(database, key):
    """An ir.config_parameter of ``database``; None when the database or the table is absent."""
    if not database_exists(database):
        return None
    if not query(database, "SELECT to_regclass('ir_config_parameter')")[0][0]:
        return None
    rows = query(database, "SELECT value FROM ir_config_parameter WHERE key = %s", [key])
    return rows[0][0] if rows else None


def set_parameter(database, key, value):
    query(
        database,
        """INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)
           ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value""",
        [key, value],
    )


def drop_database(database):
    query("postgres", f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def copy_database(template, database):
    drop_database(database)
    query("postgres", f'CREATE DATABASE "{database}" TEMPLATE "{template}"')


def prepare_base(fingerprint):
    """Install (or update) the modules in the base database when needed."""
    installed = parameter(DB, FINGERPRINT_KEY) is not None and query(
        DB,
        "SELECT count(*) FROM ir_module_module WHERE name IN %s AND state = 'installed'",
        [tuple(MODULES)],
    )[0][0] == len(MODULES)
    if installed and parameter(DB, FINGERPRINT_KEY) == fingerprint:
        return
    action = ["-u" if installed else "-i", ",".join(MODULES)]
    verb = "updating" if installed else "installing"
    print(f"bench: {verb} {', '.join(MODULES)} in {DB} (without demo data)...", flush=True)
    command = [sys.executable, str(ODOO_PATH / "odoo-bin"), *odoo_args(DB), *action]
    subprocess.run([*command, "--without-demo=all", "--stop-after-init"], check=True)
    # no Odoo server on this machine may run this database's scheduled actions
    query(DB, "UPDATE ir_cron SET active = false")
    set_parameter(DB, FINGERPRINT_KEY, fingerprint)


def prepare_template(transfers, events, fingerprint):
    """The database holding the data of one size, built from the base once and kept."""
    database = f"{DB}_{transfers}x{events}"
    wanted = f"{fingerprint}|{transfers}|{events}|{SEED}|{DATA_VERSION}"
    if parameter(database, DATA_KEY) == wanted:
        return database
    print(
        f"bench: creating {transfers} transfers and {events} events in {database} (kept)...",
        flush=True,
    )
    started = time.perf_counter()
    copy_database(DB, database)
    subprocess.run(
        [sys.executable, __file__, "--data", database, str(transfers), str(events)], check=True
    )
    set_parameter(database, DATA_KEY, wanted)
    print(f"bench: created in {time.perf_counter() - started:.0f} s", flush=True)
    return database


# ---------------------------------------------------------------------- data


def iso(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def dataset(transfers, events):
    """The transfers and their carrier updates as plain values, the same for a given seed.

    :return: (transfers: [{ref, qty, final, short}], event bodies in the order they are stored)
    """
    rng = random.Random(SEED)
    plans, bodies = [], []
    for index in range(transfers):
        ref = f"{REF_PREFIX}{index:06d}"
        qty = rng.randint(1, 6)
        count = events // transfers + (1 if index < events % transfers else 0)
        draw = rng.random()
        final = "delivered" if draw < 0.8 else "failed_attempt" if draw < 0.95 else "exception"
        short = final == "delivered" and qty > 1 and rng.random() < 0.05
        pieces = qty - 1 if short else qty
        shipped = FIRST_DAY + timedelta(minutes=rng.randint(0, 14 * 24 * 60))
        for step in range(count):
            if step == count - 1:
                status = final
            elif step == 0:
                status = "pre_transit"
            elif step == count - 2:
                status = "out_for_delivery"
            else:
                status = "in_transit"
            # strictly increasing moments: each update falls in its own six hours
            moment = shipped + timedelta(
                hours=6 * step + rng.randint(0, 5), minutes=rng.randint(0, 59)
            )
            data = {
                "tracking_number": ref,
                "carrier": CARRIER_NAME,
                "status": status,
                "location": rng.choice(CITIES),
                "message": status.replace("_", " ").capitalize(),
            }
            if step == 0:
                data["estimated_delivery"] = iso(shipped + timedelta(days=3))
            if status == "out_for_delivery":
                data["estimated_delivery"] = iso(moment + timedelta(hours=8))
            if status == "failed_attempt":
                data["status_detail"] = "Recipient not available"
            if status == "exception":
                data["status_detail"] = "Address could not be found"
            if status == "delivered":
                data.update(pieces=pieces, weight=UNIT_WEIGHT * qty, weight_unit="kg")
            bodies.append(
                {
                    "id": f"bce-{ref}-{step}",
                    "type": "tracking.updated",
                    "timestamp": iso(moment),
                    "data": data,
                }
            )
        plans.append({"ref": ref, "qty": qty, "final": final if count else None, "short": short})
    rng.shuffle(bodies)
    return plans, bodies


def open_registry(database):
    import odoo  # importable: the child put ODOO_PATH on sys.path
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(odoo_args(database), setup_logging=True)
    return Registry(database)


def create_data(database, transfers, events):
    """In a child process: the endpoint, the validated deliveries and the received events."""
    from odoo import SUPERUSER_ID, Command, api

    registry = open_registry(database)
    from odoo.addons.distribution_integrations.tools import normalisers

    plans, bodies = dataset(transfers, events)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env = env(context={"tracking_disable": True, "mail_create_nosubscribe": True})
        company = env.company
        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        out_type = warehouse.out_type_id
        customers_location = env.ref("stock.stock_location_customers")
        product = env["product.product"].create(
            {
                "name": "Bench boxed widget",
                "default_code": "BCE-WDG",
                "is_storable": True,
                "weight": UNIT_WEIGHT,
                "list_price": 10.0,
            }
        )
        env["stock.quant"]._update_available_quantity(
            product, warehouse.lot_stock_id, sum(plan["qty"] for plan in plans)
        )
        freight = env["product.product"].create({"name": "Bench freight", "type": "service"})
        carrier = env["delivery.carrier"].create({"name": CARRIER_NAME, "product_id": freight.id})
        customers = env["res.partner"].create(
            [{"name": f"Bench carrier customer {n:02d}"} for n in range(50)]
        )
        cr.commit()
        Picking = env["stock.picking"]
        for start in range(0, len(plans), 250):
            chunk = plans[start : start + 250]
            pickings = Picking.create(
                [
                    {
                        "partner_id": customers[number % len(customers)].id,
                        "picking_type_id": out_type.id,
                        "location_id": out_type.default_location_src_id.id,
                        "location_dest_id": customers_location.id,
                        "carrier_id": carrier.id,
                        # set before validation: Odoo does not send a transfer that has one
                        "carrier_tracking_ref": plan["ref"],
                        "origin": f"bench carrier {plan['ref']}",
                        "move_ids": [
                            Command.create(
                                {
                                    "name": product.name,
                                    "product_id": product.id,
                                    "product_uom_qty": plan["qty"],
                                    "product_uom": product.uom_id.id,
                                    "location_id": out_type.default_location_src_id.id,
                                    "location_dest_id": customers_location.id,
                                }
                            )
                        ],
                    }
                    for number, plan in enumerate(chunk, start)
                ]
            )
            pickings.action_confirm()
            pickings.action_assign()
            pickings.move_ids.picked = True
            pickings._action_done()
            wrong = pickings.filtered(lambda p: p.state != "done" or not p.carrier_tracking_ref)
            if wrong:
                raise RuntimeError(f"transfers not validated as planned: {wrong.ids[:10]}")
            cr.commit()
        endpoint = env["distribution.integration.endpoint"].create(
            {
                "name": ENDPOINT_NAME,
                "kind": "carrier_tracking",
                "payload_format": "native",
                "auth_scheme": "url_token",
                "rate_limit": 0,
            }
        )
        config = {"id": endpoint.id, "company_id": endpoint.company_id.id or company.id}
        Event = env["distribution.integration.event"]
        for body in bodies:
            normalised = normalisers.normalise("native", body, "carrier_tracking", {})
            Event._insert_received(config, json.dumps(body), normalised)
        cr.commit()


# ---------------------------------------------------------------------- workers


def work(database, settle=False):
    """In a child process: drain the queue as the scheduled action does, once told to start.

    Prints ``ready`` once the registry is loaded, waits for a line on stdin, then prints one
    JSON line: events claimed and applied (done or ignored), batches, queries, start and end
    (epoch seconds). With ``settle``, events that failed and wait for their retry are made due
    at once (as if their delay had passed) and processed, until none is left or after
    SETTLE_PASSES passes.
    """
    from odoo import SUPERUSER_ID, api

    registry = open_registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        Event = env["distribution.integration.event"]
        print("ready", flush=True)
        sys.stdin.readline()
        claimed = applied = batches = queries = passes = 0
        started = ended = time.time()
        while True:
            before = cr.sql_log_count
            events = Event._cron_process(batch_size=BATCH, auto_commit=True)
            applied += len(events.filtered(lambda event: event.state in ("done", "ignored")))
            cr.commit()
            queries += cr.sql_log_count - before
            if events:
                claimed += len(events)
                batches += 1
                ended = time.time()
                continue
            # nothing claimed: done, unless the other worker held every due row for a moment,
            # or rows wait for a shipment the other worker was applying (due in 2 s)
            cr.execute(
                "SELECT count(*) FROM distribution_integration_event "
                "WHERE state IN %s "
                "AND next_attempt_at <= now() AT TIME ZONE 'UTC' + interval '5 seconds'",
                [QUEUED],
            )
            if cr.fetchone()[0]:
                cr.rollback()
                time.sleep(0.05)
                continue
            if not settle or passes >= SETTLE_PASSES:
                break
            cr.execute(
                "UPDATE distribution_integration_event SET next_attempt_at = "
                "now() AT TIME ZONE 'UTC' WHERE state = 'failed'"
            )
            if not cr.rowcount:
                break
            cr.commit()
            passes += 1
    result = {"claimed": claimed, "applied": applied, "batches": batches, "queries": queries}
    print(json.dumps(result | {"start": started, "end": ended, "passes": passes}), flush=True)


def run_workers(database, count, log_path, settle=False):
    """Start ``count`` worker processes, let them go at once, return their results."""
    command = [sys.executable, __file__, "--work", database] + (["--settle"] if settle else [])
    with log_path.open("a") as log:
        processes = [
            subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True
            )
            for _ in range(count)
        ]
        try:
            for process in processes:
                if process.stdout.readline().strip() != "ready":
                    raise RuntimeError(f"a worker did not start; see {log_path}")
            for process in processes:
                process.stdin.write("go\n")
                process.stdin.flush()
            results = []
            for process in processes:
                line = process.stdout.readline()
                if process.wait() or not line:
                    raise RuntimeError(f"a worker crashed; see {log_path}")
                results.append(json.loads(line))
        finally:
            for process in processes:
                if process.poll() is None:
                    process.kill()
                    process.wait()
    return results


def make_stepwise(database):
    """Make the events due in stepwise order: every transfer's first update, then every second
    one, and so on (the worker claims by due time, then id). 100 events in a row (a batch) then
    name 100 transfers, and the batches claimed just before and after it other ones."""
    query(
        database,
        """WITH ranked AS (
               SELECT id, row_number() OVER (
                          ORDER BY split_part(external_id, '-', 3)::int,
                                   split_part(external_id, '-', 2)) AS position
                 FROM distribution_integration_event
                WHERE external_id LIKE %s)
           UPDATE distribution_integration_event event
              SET next_attempt_at = event.received_at - interval '1 day'
                                    + ranked.position * interval '1 millisecond'
             FROM ranked
            WHERE ranked.id = event.id""",
        ["bce-%"],
    )


def drain(template, order, workers, log_path):
    """Copy ``template``, drain its queue with ``workers`` processes at once, check the outcome.

    ``order``: ``shuffled``, the order the events were stored in, or ``stepwise``.

    Events that failed during the drain (their retry is scheduled) are then retried at once by
    one worker, outside the measure, so that the final state can be checked too.

    :return: a dict of measures, of what the drain left and of the final state
    """
    copy_database(template, RUN_DB)
    try:
        if order == "stepwise":
            make_stepwise(RUN_DB)
        load_before = os.getloadavg()[0]
        results = run_workers(RUN_DB, workers, log_path)
        load_after = os.getloadavg()[0]
        after_drain = check(RUN_DB)
        passes = 0
        if after_drain["states"].get("failed"):
            passes = run_workers(RUN_DB, 1, log_path, settle=True)[0]["passes"]
        final = check(RUN_DB) if passes else after_drain
    finally:
        drop_database(RUN_DB)
    applied = sum(r["applied"] for r in results)
    seconds = max(r["end"] for r in results) - min(r["start"] for r in results)
    return {
        "workers": workers,
        "claimed": sum(r["claimed"] for r in results),
        "applied": applied,
        "per_worker": [r["applied"] for r in results],
        "batches": sum(r["batches"] for r in results),
        "queries": sum(r["queries"] for r in results),
        "seconds": seconds,
        "rate": applied / seconds if seconds else 0.0,
        "load": (load_before, load_after),
        "after_drain": after_drain,
        "passes": passes,
        "final": final,
    }


def check(database):
    """The state of the queue and the transfers: event states, attempts, errors, carrier
    history, transfer statuses, open carrier exceptions."""
    [(endpoint_id,)] = query(
        database,
        "SELECT id FROM distribution_integration_endpoint WHERE name = %s",
        [ENDPOINT_NAME],
    )
    states = dict(
        query(
            database,
            """SELECT state, count(*) FROM distribution_integration_event
                WHERE endpoint_id = %s GROUP BY state""",
            [endpoint_id],
        )
    )
    [(events, max_attempts, retried)] = query(
        database,
        """SELECT count(*), max(attempts), count(*) FILTER (WHERE attempts <> 1)
             FROM distribution_integration_event WHERE endpoint_id = %s""",
        [endpoint_id],
    )
    # the kind of error of the events that failed (the exception class leads the message)
    errors = dict(
        query(
            database,
            """SELECT split_part(last_error, ':', 1), count(*)
                 FROM distribution_integration_event
                WHERE endpoint_id = %s AND state IN ('failed', 'dead')
                GROUP BY 1""",
            [endpoint_id],
        )
    )
    [(history, history_events, other_company)] = query(
        database,
        """SELECT count(*), count(DISTINCT status.event_id),
                  count(*) FILTER (WHERE status.company_id IS DISTINCT FROM picking.company_id)
             FROM distribution_carrier_status status
             JOIN distribution_integration_event event ON event.id = status.event_id
             JOIN stock_picking picking ON picking.id = status.picking_id
            WHERE event.endpoint_id = %s""",
        [endpoint_id],
    )
    transfers = {
        ref: (status, bool(partial))
        for ref, status, partial in query(
            database,
            """SELECT carrier_tracking_ref, distribution_carrier_status,
                      distribution_carrier_partial
                 FROM stock_picking WHERE carrier_tracking_ref LIKE %s""",
            [f"{REF_PREFIX}%"],
        )
    }
    exceptions = dict(
        query(
            database,
            """SELECT rule.name->>'en_US', count(*)
                 FROM distribution_exception exception
                 JOIN distribution_exception_rule rule ON rule.id = exception.rule_id
                WHERE exception.res_model = 'stock.picking'
                  AND exception.state IN ('open', 'acknowledged')
                GROUP BY 1""",
        )
    )
    return {
        "events": events,
        "states": states,
        "max_attempts": max_attempts,
        "retried": retried,
        "errors": errors,
        "history": (history, history_events),
        "history_other_company": other_company,
        "transfers": transfers,
        "exceptions": exceptions,
    }


def stale(state, plans):
    """The tracking references whose transfer does not show the status of its latest update."""
    expected = {plan["ref"]: (plan["final"], plan["short"]) for plan in plans}
    return [ref for ref, value in expected.items() if state["transfers"].get(ref) != value]


def problems(run, plans):
    """What is wrong with a drain's final state, in words (empty: nothing)."""
    final, found = run["final"], []
    finished = final["states"].get("done", 0) + final["states"].get("ignored", 0)
    if finished != final["events"]:
        found.append(
            f"{final['events'] - finished} event(s) not done or ignored: {final['states']}"
        )
    if final["retried"]:
        causes = ", ".join(
            f"{n} {kind}" for kind, n in sorted(run["after_drain"]["errors"].items())
        )
        found.append(
            f"{final['retried']} event(s) attempted more than once (up to "
            f"{final['max_attempts']}); the drain's failures: {causes or '-'}"
        )
    if final["history"] != (final["events"], final["events"]):
        found.append(f"carrier history {final['history']} (lines, events) for {final['events']}")
    if final["history_other_company"]:
        found.append(f"{final['history_other_company']} history line(s) of another company")
    wrong = stale(final, plans)
    if wrong:
        expected = {plan["ref"]: (plan["final"], plan["short"]) for plan in plans}
        examples = ", ".join(
            f"{ref}: {final['transfers'].get(ref)} != {expected[ref]}" for ref in wrong[:3]
        )
        found.append(
            f"{len(wrong)} transfer(s) without the status of their latest update: {examples}"
        )
    return found


# ---------------------------------------------------------------------- report


# (data, order of the events, workers); the first full one is the anchor
CASES = [
    ("small", "shuffled", 1),
    ("full", "shuffled", 1),
    ("full", "shuffled", 2),
    ("full", "stepwise", 1),
    ("full", "stepwise", 2),
]
SIZES = {"small": SMALL, "full": (TRANSFERS, EVENTS)}
ORDERS = {
    "shuffled": "shuffled",
    "stepwise": "due stepwise (no transfer in two adjacent batches)",
}


def main():
    started = time.perf_counter()
    fingerprint = module_fingerprint(FINGERPRINT_DIRS)
    prepare_base(fingerprint)
    templates = {size: prepare_template(*counts, fingerprint) for size, counts in SIZES.items()}
    setup_seconds = time.perf_counter() - started
    log_path = Path(tempfile.gettempdir()) / f"bench_carrier_events_{os.getpid()}.log"
    plans = {size: dataset(*counts)[0] for size, counts in SIZES.items()}
    runs = {case: [] for case in CASES}
    failures = []
    for round_number in range(ROUNDS):
        for case in CASES if round_number % 2 == 0 else list(reversed(CASES)):
            size, order, workers = case
            run = drain(templates[size], order, workers, log_path)
            print(
                f"bench: round {round_number + 1}, {size} data, {order}, {workers} worker(s): "
                f"{run['applied']} events applied in {run['seconds']:.1f} s "
                f"({run['rate']:.0f}/s, {run['queries'] / max(run['applied'], 1):.2f} "
                f"queries/event), {run['claimed'] - run['applied']} failed attempts; load "
                f"{run['load'][0]:.2f} -> {run['load'][1]:.2f}",
                flush=True,
            )
            label = f"{size} data, {order}, {workers} worker(s)"
            failures += [f"{label}: {problem}" for problem in problems(run, plans[size])]
            runs[case].append(run)
    best_runs = {case: max(case_runs, key=lambda r: r["rate"]) for case, case_runs in runs.items()}
    anchor = best_runs["full", "shuffled", 1]
    for (size, order, workers), case_runs in runs.items():
        if size != "full" or (order, workers) == ("shuffled", 1):
            continue
        for run in case_runs:
            if run["final"]["transfers"] != anchor["final"]["transfers"]:
                failures.append(f"{order}, {workers} worker(s): other transfer statuses")
            if run["final"]["exceptions"] != anchor["final"]["exceptions"]:
                failures.append(
                    f"{order}, {workers} worker(s): other open exceptions, "
                    f"{run['final']['exceptions']} against {anchor['final']['exceptions']}"
                )
    print_tables(best_runs, runs, plans)
    print(
        "events/s = events applied (done or ignored) / (last batch committed - workers "
        "started). A failed attempt is an event claimed, rolled back and scheduled again (30 to "
        "60 s later; a drain that lasts longer applies it in its retry). Queries are those of "
        "_cron_process and its commits on the workers' cursors, per event applied. Every drain "
        "works on a fresh copy of the same data. "
        f"Setup {setup_seconds:.0f} s, total {time.perf_counter() - started:.0f} s."
    )
    if failures:
        print()
        for failure in failures:
            print(f"CORRECTNESS FAILURE: {failure}")
        sys.exit(1)


def print_tables(best_runs, runs, plans):
    anchor = best_runs["full", "shuffled", 1]
    print()
    print(
        f"### Draining {EVENTS} carrier events onto {TRANSFERS} transfers: 1 worker and 2 "
        f"(batches of {BATCH}, best of {ROUNDS})"
    )
    print()
    print(
        "| events stored | workers | events applied (per worker) | failed attempts | s "
        "| events/s | queries | queries/event | events/s ratio vs anchor "
        "| 2 workers vs 1, same order |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|")
    for (size, order, workers), run in best_runs.items():
        if size != "full":
            continue
        label = "1 (anchor)" if run is anchor else str(workers)
        split = " + ".join(str(count) for count in run["per_worker"])
        same = best_runs["full", order, 1]
        versus = f"{run['rate'] / same['rate']:.2f}x" if workers == 2 else ""
        print(
            f"| {ORDERS[order]} | {label} | {run['applied']} ({split}) "
            f"| {run['claimed'] - run['applied']} | {run['seconds']:.1f} | {run['rate']:.1f} "
            f"| {run['queries']} | {run['queries'] / run['applied']:.2f} "
            f"| {run['rate'] / anchor['rate']:.2f}x | {versus} |"
        )
    print()
    print("### Queries per event against the number of transfers (1 worker, shuffled)")
    print()
    print("| transfers | events | s | events/s | queries/event | queries/event ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    small = best_runs["small", "shuffled", 1]
    base = small["queries"] / small["applied"]
    for size, run in (("small", small), ("full", anchor)):
        per_event = run["queries"] / run["applied"]
        transfers, events = SIZES[size]
        print(
            f"| {transfers} | {events} | {run['seconds']:.1f} | {run['rate']:.1f} "
            f"| {per_event:.2f} | {per_event / base:.2f}x |"
        )
    print()
    print("### What each drain left, then the final state (failed events retried at once)")
    print()
    print(
        "| data | events stored | workers | after the drain: done / failed (why) "
        "| stale transfers after it | retry passes | final: done / ignored / other "
        "| attempted twice or more | carrier history lines (events) | stale transfers at the end "
        "| open carrier exceptions | load avg before -> after |"
    )
    print("|---|---|---:|---|---:|---:|---|---:|---|---:|---|---|")
    for (size, order, workers), case_runs in runs.items():
        for run in case_runs:
            first, final = run["after_drain"], run["final"]
            why = ", ".join(f"{n} {kind}" for kind, n in sorted(first["errors"].items()))
            done = final["states"].get("done", 0)
            ignored = final["states"].get("ignored", 0)
            exceptions = ", ".join(f"{n} {name}" for name, n in sorted(final["exceptions"].items()))
            print(
                f"| {size} | {order} | {workers} | {first['states'].get('done', 0)} / "
                f"{first['states'].get('failed', 0)}{f' ({why})' if why else ''} "
                f"| {len(stale(first, plans[size]))} | {run['passes']} "
                f"| {done} / {ignored} / {final['events'] - done - ignored} | {final['retried']} "
                f"| {final['history'][0]} ({final['history'][1]}) "
                f"| {len(stale(final, plans[size]))} "
                f"| {exceptions or '-'} | {run['load'][0]:.2f} -> {run['load'][1]:.2f} |"
            )
    print()


if __name__ == "__main__":
    if sys.argv[1:2] in (["--data"], ["--work"]):
        sys.path.insert(0, str(ODOO_PATH))
    if sys.argv[1:2] == ["--data"]:
        create_data(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1:2] == ["--work"]:
        work(sys.argv[2], settle="--settle" in sys.argv[3:])
    else:
        main()
