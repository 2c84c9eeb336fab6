#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark: approval routing (distribution_approvals) against OCA purchase_tier_validation.

The same purchase orders and three equivalent tiers in both engines:

| tier | ours (matrix levels, in sequence) | OCA (tier definitions, approve by sequence) |
|---|---|---|
| 1 | amount from 5,000 -> reviewer A | domain amount_untaxed >= 5,000 -> reviewer A |
| 2 | amount from 20,000 -> reviewer B | domain amount_untaxed >= 20,000 -> reviewer B |
| 3 | domain: a strategic supplier -> reviewer C | same domain -> reviewer C |

For N draft purchase orders (BENCH_SIZES, default 100 and 1,000), each from a cold ORM cache,
best of 3, every write rolled back:

* routing: which orders need an approval and which tiers apply. OCA (the anchor): its
  ``need_validation`` field, computed per order (one tier search and one domain evaluation per
  tier and order). Ours: ``_approval_plan("confirm")``, the matrix resolution of the guard;
* requesting: asking the approvals. OCA (the anchor): ``request_validation()``, reviews created
  and reviewers notified (``notify_on_create``). Ours: ``action_request_approval()``: requests,
  their levels and approvers, the first level's activities and e-mails with signed links, chatter
  notes, business events.

Before measuring, the reviewers each engine routes every order to are compared on the first N
orders; a disagreement is printed as **MISMATCH**.

Two databases, created on first use without demo data and reused (updated when their modules'
code changes): BENCH_DB_PREFIX (default ``distribution_bench_approvals``) + ``_ours`` with
distribution_approvals, ``_oca`` with purchase_stock and purchase_tier_validation. OCA's
base_tier_validation and purchase_tier_validation 18.0 are downloaded from PyPI with pip (no
dependency resolution) into bench/.oca/addons, which is not versioned. The users, suppliers,
products and orders (fixed random seed, identical in both databases) are created once and kept.
Nothing is asserted on timing.
Environment: ODOO_PATH (default /opt/odoo18), PGHOST/PGPORT (default 127.0.0.1/5432),
PGUSER_ODOO/PGPASSWORD_ODOO (default odoo/odoo), BENCH_SIZES (default "100,1000").
"""

import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import NamedTuple

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
OCA_DIR = ROOT / "bench" / ".oca"
OCA_ADDONS = OCA_DIR / "addons"
OCA_REQUIREMENTS = [
    "odoo-addon-base-tier-validation>=18.0,<18.1",
    "odoo-addon-purchase-tier-validation>=18.0,<18.1",
]
ODOO_PATH = Path(os.environ.get("ODOO_PATH") or "/opt/odoo18")
PREFIX = os.environ.get("BENCH_DB_PREFIX") or "distribution_bench_approvals"
PG = {
    "host": os.environ.get("PGHOST") or "127.0.0.1",
    "port": os.environ.get("PGPORT") or "5432",
    "user": os.environ.get("PGUSER_ODOO") or "odoo",
    "password": os.environ.get("PGPASSWORD_ODOO") or "odoo",
}
SIZES = [int(n) for n in (os.environ.get("BENCH_SIZES") or "100,1000").split(",")]
REPEAT = 3
FINGERPRINT_KEY = "distribution_bench.module_fingerprint"

# name -> (database, modules to install, folders whose code the database is fingerprinted on)
DATABASES = {
    "ours": (
        f"{PREFIX}_ours",
        ["distribution_approvals"],
        [
            ROOT / "addons" / "distribution_base",
            ROOT / "distribution_exceptions",
            ROOT / "distribution_approvals",
        ],
    ),
    "oca": (
        f"{PREFIX}_oca",
        ["purchase_stock", "purchase_tier_validation"],
        [OCA_ADDONS / "base_tier_validation", OCA_ADDONS / "purchase_tier_validation"],
    ),
}


# ---------------------------------------------------------------------- setup


def fetch_oca():
    """Unpack OCA's base_tier_validation and purchase_tier_validation wheels, once."""
    if all(
        (OCA_ADDONS / name / "__manifest__.py").exists()
        for name in ("base_tier_validation", "purchase_tier_validation")
    ):
        return
    print("bench: downloading OCA (purchase_)tier_validation 18.0 from PyPI...", flush=True)
    with tempfile.TemporaryDirectory() as wheels:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command += ["--only-binary=:all:", "-d", wheels, *OCA_REQUIREMENTS]
        subprocess.run(command, check=True)
        for wheel in sorted(Path(wheels).glob("*.whl")):
            with zipfile.ZipFile(wheel) as archive:
                for member in archive.namelist():
                    if member.startswith("odoo/addons/") and not member.endswith("/"):
                        target = OCA_ADDONS / member.removeprefix("odoo/addons/")
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_bytes(archive.read(member))
            print(f"bench: unpacked {wheel.name} into {OCA_ADDONS}", flush=True)


def addons_path():
    path = [ODOO_PATH / "odoo" / "addons", ROOT / "addons", ROOT, OCA_ADDONS]
    return ",".join(str(folder) for folder in path)


def odoo_args(database):
    return [
        "-c",
        str(ROOT / "odoo.conf"),
        f"--addons-path={addons_path()}",
        f"--db_host={PG['host']}",
        f"--db_port={PG['port']}",
        f"--db_user={PG['user']}",
        f"--db_password={PG['password']}",
        "-d",
        database,
        "--log-level=warn",
    ]


def fingerprint(folders):
    """A digest of the code and data files of ``folders`` (tests and assets left out)."""
    digest = hashlib.sha1()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            parts = path.relative_to(folder).parts
            if (
                path.is_file()
                and path.suffix in (".py", ".xml", ".csv")
                and not {"tests", "static", "__pycache__"} & set(parts)
            ):
                digest.update(str(path.relative_to(folder)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def database_state(database, modules):
    """(every module installed?, stored fingerprint); (False, None) when the database is absent."""
    with psycopg2.connect(dbname="postgres", **PG) as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database])
        exists = cr.fetchone()
    conn.close()
    if not exists:
        return False, None
    conn = psycopg2.connect(dbname=database, **PG)
    try:
        with conn.cursor() as cr:
            cr.execute("SELECT to_regclass('ir_module_module'), to_regclass('ir_config_parameter')")
            if None in cr.fetchone():
                return False, None
            cr.execute(
                "SELECT count(*) FROM ir_module_module WHERE name IN %s AND state = 'installed'",
                [tuple(modules)],
            )
            installed = cr.fetchone()[0] == len(modules)
            cr.execute("SELECT value FROM ir_config_parameter WHERE key = %s", [FINGERPRINT_KEY])
            row = cr.fetchone()
            return installed, row and row[0]
    finally:
        conn.close()


def prepare_database(database, modules, folders):
    """Install (or update) ``modules`` with odoo-bin when needed."""
    wanted = fingerprint(folders)
    installed, stored = database_state(database, modules)
    if installed and stored == wanted:
        return
    action = ["-u" if installed else "-i", ",".join(modules)]
    verb = "updating" if installed else "installing"
    print(f"bench: {verb} {', '.join(modules)} in {database} (without demo data)...", flush=True)
    command = [sys.executable, str(ODOO_PATH / "odoo-bin"), *odoo_args(database), *action]
    subprocess.run([*command, "--without-demo=all", "--stop-after-init"], check=True)
    conn = psycopg2.connect(dbname=database, **PG)
    with conn, conn.cursor() as cr:
        cr.execute(
            """INSERT INTO ir_config_parameter (key, value) VALUES (%s, %s)
               ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value""",
            [FINGERPRINT_KEY, wanted],
        )
    conn.close()


def open_env(name):
    """A superuser environment on the bench database ``name``, in a new cursor."""
    sys.path.insert(0, str(ODOO_PATH))
    import odoo  # importable once ODOO_PATH is on sys.path
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    if not odoo.tools.config["db_host"]:
        odoo.tools.config.parse_config(odoo_args(DATABASES["ours"][0]), setup_logging=True)
    return api.Environment(Registry(DATABASES[name][0]).cursor(), SUPERUSER_ID, {})


# ---------------------------------------------------------------------- data

SEED = 20251122
SUPPLIER_COUNT = 20
STRATEGIC = 5  # the first suppliers are strategic
PRODUCT_COUNT = 30
TIER_1, TIER_2 = 5000.0, 20000.0
USERS = {
    "bench_appr_buyer": "Bench Buyer",
    "bench_appr_a": "Bench Reviewer A",
    "bench_appr_b": "Bench Reviewer B",
    "bench_appr_c": "Bench Reviewer C",
}


def ensure_data(env, count):
    """Users, suppliers, products and ``count`` draft orders, created once and committed."""
    from odoo import Command

    Users = env["res.users"].with_context(no_reset_password=True, tracking_disable=True)
    users = Users.search([("login", "in", list(USERS))])
    if len(users) < len(USERS):
        groups = [env.ref("base.group_user").id, env.ref("purchase.group_purchase_user").id]
        Users.create(
            [
                {
                    "login": login,
                    "name": name,
                    "email": f"{login}@bench.example",
                    "groups_id": [Command.set(groups)],
                }
                for login, name in USERS.items()
                if login not in users.mapped("login")
            ]
        )
    Partner = env["res.partner"].with_context(tracking_disable=True)
    suppliers = Partner.search([("ref", "=like", "bench-appr-supplier-%")], order="ref")
    if not suppliers:
        suppliers = Partner.create(
            [
                {"name": f"Bench Supplier {i:02d}", "ref": f"bench-appr-supplier-{i:02d}"}
                for i in range(SUPPLIER_COUNT)
            ]
        )
    Product = env["product.product"].with_context(tracking_disable=True)
    products = Product.search([("default_code", "=like", "BENCH-APPR-%")], order="default_code")
    if not products:
        products = Product.create(
            [
                {
                    "name": f"Bench item {i:02d}",
                    "default_code": f"BENCH-APPR-{i:02d}",
                    "type": "consu",
                }
                for i in range(PRODUCT_COUNT)
            ]
        )
    Order = env["purchase.order"].with_context(tracking_disable=True)
    existing = Order.search_count([("origin", "=like", "bench-appr-%")])
    if existing < count:
        print(
            f"bench: creating {count - existing} purchase orders in {env.cr.dbname}...", flush=True
        )
        rng = random.Random(SEED)
        vals_list = []
        for index in range(count):
            lines = []
            for _line in range(rng.randint(1, 4)):
                # a third of the orders reach tier 1, a tenth tier 2
                price = rng.choice([40.0, 90.0, 300.0, 900.0, 2500.0, 6000.0])
                lines.append(
                    Command.create(
                        {
                            "product_id": products[rng.randrange(PRODUCT_COUNT)].id,
                            "product_qty": rng.randint(1, 4),
                            "price_unit": price,
                            "taxes_id": [Command.clear()],
                        }
                    )
                )
            supplier = suppliers[rng.randrange(SUPPLIER_COUNT)]
            if index >= existing:
                vals_list.append(
                    {
                        "partner_id": supplier.id,
                        "origin": f"bench-appr-{index:05d}",
                        "order_line": lines,
                    }
                )
        for start in range(0, len(vals_list), 200):
            Order.create(vals_list[start : start + 200])
            env.cr.commit()
    env.cr.commit()


def bench_orders(env, count):
    return env["purchase.order"].search([("origin", "=like", "bench-appr-%")], order="origin")[
        :count
    ]


def reviewers(env):
    users = env["res.users"].search([("login", "in", list(USERS))])
    return {user.login: user for user in users}


def strategic_domain(env):
    suppliers = env["res.partner"].search([("ref", "=like", "bench-appr-supplier-%")], order="ref")
    return repr([("partner_id", "in", suppliers[:STRATEGIC].ids)])


def configure_ours(env):
    from odoo import Command

    users = reviewers(env)
    Matrix = env["distribution.approval.matrix"]
    Matrix.search([]).action_archive()
    return Matrix.create(
        {
            "name": "Bench purchases",
            "document_type": "purchase_confirm",
            "company_id": env.company.id,
            "level_ids": [
                Command.create(
                    {
                        "name": "Tier 1",
                        "sequence": 1,
                        "amount_min": TIER_1,
                        "user_ids": [Command.set(users["bench_appr_a"].ids)],
                    }
                ),
                Command.create(
                    {
                        "name": "Tier 2",
                        "sequence": 2,
                        "amount_min": TIER_2,
                        "user_ids": [Command.set(users["bench_appr_b"].ids)],
                    }
                ),
                Command.create(
                    {
                        "name": "Tier 3",
                        "sequence": 3,
                        "domain": strategic_domain(env),
                        "user_ids": [Command.set(users["bench_appr_c"].ids)],
                    }
                ),
            ],
        }
    )


def configure_oca(env):
    users = reviewers(env)
    Definition = env["tier.definition"]
    Definition.search([]).unlink()
    model = env["ir.model"]._get("purchase.order")
    common = {
        "model_id": model.id,
        "review_type": "individual",
        "definition_type": "domain",
        "approve_sequence": True,
        "notify_on_create": True,
        "company_id": env.company.id,
    }
    return Definition.create(
        [
            {
                **common,
                "name": "Tier 1",
                "sequence": 30,
                "reviewer_id": users["bench_appr_a"].id,
                "definition_domain": repr([("amount_untaxed", ">=", TIER_1)]),
            },
            {
                **common,
                "name": "Tier 2",
                "sequence": 20,
                "reviewer_id": users["bench_appr_b"].id,
                "definition_domain": repr([("amount_untaxed", ">=", TIER_2)]),
            },
            {
                **common,
                "name": "Tier 3",
                "sequence": 10,
                "reviewer_id": users["bench_appr_c"].id,
                "definition_domain": strategic_domain(env),
            },
        ]
    )


# ---------------------------------------------------------------------- engines


def our_route(orders):
    return orders._approval_plan("confirm")


def oca_route(orders):
    return [order.need_validation for order in orders]


def our_request(orders):
    return orders.action_request_approval()


def oca_request(orders):
    return orders.request_validation()


def our_reviewers(env, count):
    """{origin: reviewer logins} as our matrix routes the first ``count`` orders."""
    orders = bench_orders(env, count)
    plans = orders._approval_plan("confirm")
    users = reviewers(env)
    by_level = {
        "Tier 1": users["bench_appr_a"].login,
        "Tier 2": users["bench_appr_b"].login,
        "Tier 3": users["bench_appr_c"].login,
    }
    return {
        order.origin: frozenset(by_level[name] for name in plans[order.id].levels.mapped("name"))
        for order in orders
    }


def oca_reviewers(env, count):
    """{origin: reviewer logins} of the reviews OCA creates for the first ``count`` orders."""
    orders = bench_orders(env, count)
    savepoint = env.cr.savepoint()
    reviews = orders.request_validation()
    result = {order.origin: frozenset() for order in orders}
    for review in reviews:
        order = env["purchase.order"].browse(review.res_id)
        result[order.origin] |= frozenset(review.reviewer_ids.mapped("login"))
    savepoint.close(rollback=True)
    return result


class Measure(NamedTuple):
    ms: float
    queries: int


def best_of(cases):
    """The fastest run of each case, each from a cold ORM cache, its writes rolled back.

    The cases take turns, so a busy moment of the machine does not fall on one of them only.
    """
    from odoo import sql_db

    best = [None] * len(cases)
    for _round in range(REPEAT):
        for index, (env, method) in enumerate(cases):
            savepoint = env.cr.savepoint()
            env.invalidate_all()
            queries_before = sql_db.sql_counter
            start = time.perf_counter()
            method()
            env.flush_all()
            elapsed = time.perf_counter() - start
            queries = sql_db.sql_counter - queries_before
            savepoint.close(rollback=True)
            if best[index] is None or elapsed < best[index][0]:
                best[index] = (elapsed, queries)
    return [Measure(seconds * 1000, queries) for seconds, queries in best]


def measure(envs):
    rows = []
    for size in SIZES:
        buyer = {name: reviewers(env)["bench_appr_buyer"] for name, env in envs.items()}
        orders = {
            name: bench_orders(env, size).with_user(buyer[name]) for name, env in envs.items()
        }
        routing = best_of(
            [
                (envs["oca"], lambda o=orders["oca"]: oca_route(o)),
                (envs["ours"], lambda o=orders["ours"]: our_route(o)),
            ]
        )
        rows.append((size, "routing", "OCA need_validation (anchor)", routing[0], routing[0].ms))
        rows.append((size, "routing", "ours _approval_plan", routing[1], routing[0].ms))
        requesting = best_of(
            [
                (envs["oca"], lambda o=orders["oca"]: oca_request(o)),
                (envs["ours"], lambda o=orders["ours"]: our_request(o)),
            ]
        )
        rows.append(
            (size, "requesting", "OCA request_validation (anchor)", requesting[0], requesting[0].ms)
        )
        rows.append(
            (size, "requesting", "ours action_request_approval", requesting[1], requesting[0].ms)
        )
    return rows


def count_orders(database):
    conn = psycopg2.connect(dbname=database, **PG)
    with conn.cursor() as cr:
        cr.execute("SELECT to_regclass('purchase_order')")
        if cr.fetchone()[0] is None:
            count = 0
        else:
            cr.execute("SELECT count(*) FROM purchase_order WHERE origin LIKE 'bench-appr-%%'")
            count = cr.fetchone()[0]
    conn.close()
    return count


def generate_data():
    """Create the missing data, one process per database at once."""
    jobs = [
        subprocess.Popen([sys.executable, __file__, "--data", name])
        for name, (database, _modules, _folders) in DATABASES.items()
        if count_orders(database) < max(SIZES)
    ]
    if [job for job in jobs if job.wait()]:
        raise SystemExit("bench: creating the data failed")


def main():
    started = time.perf_counter()
    fetch_oca()
    for database, modules, folders in DATABASES.values():
        prepare_database(database, modules, folders)
    generate_data()
    setup_seconds = time.perf_counter() - started

    envs = {}
    try:
        for name in DATABASES:
            envs[name] = open_env(name)
        configure_ours(envs["ours"])
        configure_oca(envs["oca"])
        ours = our_reviewers(envs["ours"], SIZES[0])
        oca = oca_reviewers(envs["oca"], SIZES[0])
        rows = measure(envs)
    finally:
        for env in envs.values():
            env.cr.rollback()
            env.cr.close()

    print()
    differing = sorted(origin for origin in ours if ours[origin] != oca.get(origin))
    needing = sum(1 for reviewers_ in ours.values() if reviewers_)
    if differing:
        print(
            f"**MISMATCH**: the engines route {len(differing)} of the first {SIZES[0]} orders "
            f"differently, e.g. {differing[0]}: ours {sorted(ours[differing[0]])}, "
            f"OCA {sorted(oca.get(differing[0], ()))}."
        )
    else:
        print(
            f"Both engines route the first {SIZES[0]} orders to the same reviewers "
            f"({needing} need an approval)."
        )
    print()
    print(f"### Approval routing for N purchase orders (best of {REPEAT}, cold ORM cache)")
    print()
    print("| N | step | method | ms | queries | ratio vs anchor |")
    print("|---:|---|---|---:|---:|---:|")
    for size, step, label, (ms, queries), anchor_ms in rows:
        print(f"| {size} | {step} | {label} | {ms:.1f} | {queries} | {ms / anchor_ms:.2f}x |")
    print()
    total = time.perf_counter() - started
    print(
        "ratio = time / anchor time for the same N (below 1 is faster). Requesting includes, on "
        "our side, the first level's activities, e-mails with signed links, chatter notes and "
        "business events; on OCA's, the reviews and the reviewers' notification. "
        f"Setup {setup_seconds:.0f} s, total {total:.0f} s."
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--data"]:  # a child of generate_data()
        env = open_env(sys.argv[2])
        ensure_data(env, max(SIZES))
        env.cr.close()
    else:
        main()
