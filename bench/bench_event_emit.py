#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark: writing business events with ``distribution.event._emit`` versus the ORM.

For N partners (N in BENCH_SIZES, default 100, 1000 and 10000) it measures, in one transaction
that is rolled back, the three ways of writing one event per partner:

* ``orm create multi`` (the anchor): ``create()`` with one vals dict per partner;
* ``orm create loop``: one ``create()`` per partner (only up to 1000, it is slow by design);
* ``_emit``: the outbox API, one INSERT for all of them.

Each row is the best wall time of 3 runs and the number of SQL queries of that run, each run
starting from a cold ORM cache, so every method pays for reading the partners it describes, and
rolled back to a savepoint afterwards. The ratio is the method's time divided by the anchor's
time for the same N in the same run; nothing is asserted on timing.

The database ``distribution_bench`` (BENCH_DB) is created on first use with distribution_base
installed without demo data, updated when the module's code or data files change, and reused
otherwise; the partners (ref ``bench-NNNNN``) are created once and kept, no event is.
Environment: ODOO_PATH (default /opt/odoo18), PGHOST/PGPORT (default 127.0.0.1/5432),
PGUSER_ODOO/PGPASSWORD_ODOO (default odoo/odoo), BENCH_SIZES (e.g. "100,1000").
"""

import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
MODULE = "distribution_base"
MODULE_DIR = ROOT / "addons" / MODULE
ODOO_PATH = Path(os.environ.get("ODOO_PATH") or "/opt/odoo18")
DB = os.environ.get("BENCH_DB") or "distribution_bench"
PG = {
    "host": os.environ.get("PGHOST") or "127.0.0.1",
    "port": os.environ.get("PGPORT") or "5432",
    "user": os.environ.get("PGUSER_ODOO") or "odoo",
    "password": os.environ.get("PGPASSWORD_ODOO") or "odoo",
}
SIZES = [int(n) for n in (os.environ.get("BENCH_SIZES") or "100,1000,10000").split(",")]
LOOP_MAX = 1000  # the per-record loop is only measured up to this N
REPEAT = 3
EVENT_TYPE = "bench.emitted"
FINGERPRINT_KEY = "distribution_bench.module_fingerprint"


def odoo_args():
    addons = [str(ODOO_PATH / "odoo" / "addons"), str(ROOT / "addons")]
    if any(ROOT.glob("*/__manifest__.py")):  # Odoo refuses an addons folder without a module
        addons.append(str(ROOT))
    return [
        "-c",
        str(ROOT / "odoo.conf"),
        f"--addons-path={','.join(addons)}",
        f"--db_host={PG['host']}",
        f"--db_port={PG['port']}",
        f"--db_user={PG['user']}",
        f"--db_password={PG['password']}",
        "-d",
        DB,
        "--log-level=warn",
    ]


def module_fingerprint():
    """A digest of the module's code and data files, to know when the database needs an update.

    Tests, assets and documentation are left out: changing them needs no update.
    """
    digest = hashlib.sha1()
    for path in sorted(MODULE_DIR.rglob("*")):
        parts = path.relative_to(MODULE_DIR).parts
        if (
            path.is_file()
            and path.suffix in (".py", ".xml", ".csv")
            and not {"tests", "static", "__pycache__"} & set(parts)
        ):
            digest.update(str(path.relative_to(MODULE_DIR)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def database_state():
    """(module installed?, stored fingerprint) of the bench database; (False, None) if absent."""
    with psycopg2.connect(dbname="postgres", **PG) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB])
        exists = cr.fetchone()
    conn.close()
    if not exists:
        return False, None
    conn = psycopg2.connect(dbname=DB, **PG)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT to_regclass('ir_module_module'), to_regclass('ir_config_parameter')")
            if None in cr.fetchone():
                return False, None
            cr.execute(
                "SELECT state FROM ir_module_module WHERE name = %s AND state = 'installed'",
                [MODULE],
            )
            installed = bool(cr.fetchone())
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [FINGERPRINT_KEY])
            row = cr.fetchone()
            return installed, row and row[0]
    finally:
        conn.close()


def prepare_database(fingerprint):
    """Install (or update) the module with odoo-bin; return True when odoo-bin ran."""
    installed, stored = database_state()
    if installed and stored == fingerprint:
        return False
    action = ["-u", MODULE] if installed else ["-i", MODULE]
    verb = "updating" if installed else "installing"
    print(f"bench: {verb} {MODULE} in database {DB} (without demo data)...", flush=True)
    command = [sys.executable, str(ODOO_PATH / "odoo-bin"), *odoo_args()]
    command += [*action, "--without-demo=all", "--stop-after-init"]
    subprocess.run(command, check=True)
    return True


def best_of(cr, env, method, partners):
    """Best wall time (ms) over REPEAT runs and the query count of the best run."""
    best = None
    for _ in range(REPEAT):
        savepoint = cr.savepoint()  # flushes, then SAVEPOINT
        env.invalidate_all()
        queries_before = cr.sql_log_count
        start = time.perf_counter()
        method(env, partners)
        env.flush_all()
        elapsed = (time.perf_counter() - start) * 1000
        queries = cr.sql_log_count - queries_before
        savepoint.close(rollback=True)  # clears the ORM cache, ROLLBACK TO SAVEPOINT
        if best is None or elapsed < best[0]:
            best = (elapsed, queries)
    return best


def bench_partners(env, count):
    """The first ``count`` bench partners, creating (and committing) the missing ones."""
    partners = env["res.partner"].with_context(active_test=False)
    partners = partners.search([("ref", "=like", "bench-%")], order="id")
    if len(partners) < count:
        print(f"bench: creating {count - len(partners)} partners in {DB} (kept for next runs)...")
        partners |= (
            env["res.partner"]
            .with_context(tracking_disable=True)
            .create(
                [
                    {"name": f"Bench partner {i:05d}", "ref": f"bench-{i:05d}"}
                    for i in range(len(partners), count)
                ]
            )
        )
        env.cr.commit()
    return partners[:count]


def payload(partner):
    return {"source": "bench", "partner_id": partner.id}


def event_vals(env, partners):
    model_id = env["ir.model"]._get_id(partners._name)
    now = env.cr.now().replace(tzinfo=None)
    return [
        {
            "event_type": EVENT_TYPE,
            "model_id": model_id,
            "res_model": partners._name,
            "res_id": partner.id,
            "res_name": partner.display_name,
            "company_id": partner.company_id.id,
            "user_id": env.uid,
            "occurred_at": now,
            "payload": payload(partner),
        }
        for partner in partners
    ]


def orm_create_multi(env, partners):
    env["distribution.event"].create(event_vals(env, partners))


def orm_create_loop(env, partners):
    events = env["distribution.event"]
    for vals in event_vals(env, partners):
        events.create(vals)


def emit(env, partners):
    env["distribution.event"]._emit(EVENT_TYPE, partners, payload=payload)


METHODS = [
    ("orm create multi (anchor)", orm_create_multi, None),
    ("orm create loop", orm_create_loop, LOOP_MAX),
    ("_emit", emit, None),
]


def main():
    started = time.perf_counter()
    sys.path.insert(0, str(ODOO_PATH))
    fingerprint = module_fingerprint()
    updated = prepare_database(fingerprint)

    import odoo  # importable once ODOO_PATH is on sys.path
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(odoo_args(), setup_logging=True)
    registry = Registry(DB)
    cr = registry.cursor()
    try:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if updated:
            env["ir.config_parameter"].set_param(FINGERPRINT_KEY, fingerprint)
            cr.commit()
        partners = bench_partners(env, max(SIZES))
        rows = []
        for size in SIZES:
            subset = partners[:size]
            anchor_ms = None
            for label, method, limit in METHODS:
                if limit is not None and size > limit:
                    continue
                ms, queries = best_of(cr, env, method, subset)
                anchor_ms = anchor_ms or ms
                rows.append((size, label, ms, queries, ms / anchor_ms))
    finally:
        cr.rollback()
        cr.close()

    print()
    print(f"### distribution.event: one event per res.partner (best of {REPEAT}, warm registry)")
    print()
    print("| N | method | ms | queries | ratio vs anchor |")
    print("|---:|---|---:|---:|---:|")
    for size, label, ms, queries, ratio in rows:
        print(f"| {size} | {label} | {ms:.1f} | {queries} | {ratio:.2f}x |")
    print()
    print(
        f"ratio = time / time of `orm create multi` for the same N (below 1 is faster); "
        f"the loop is measured up to N={LOOP_MAX}. Total {time.perf_counter() - started:.0f} s."
    )


if __name__ == "__main__":
    main()
