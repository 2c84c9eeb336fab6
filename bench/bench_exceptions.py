#!/usr/bin/env python3
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Benchmark: the exception engine (distribution_exceptions) against OCA sale_exception.

Detection: ten equivalent rules in both engines run on the same 200 and 10,000 quotations
(BENCH_SIZES); the anchor is OCA's detection, ours is ``distribution.exception.rule._run`` (detect
and record occurrences) and, for reference, the detection alone; ours also runs with 20 rules (the
ten plus ten variants without an OCA counterpart). The offending orders each rule finds on the
first 200 quotations are compared between the engines, and a mismatch is printed loudly.

Confirmation: one clean 30-line quotation confirmed with ``action_confirm`` in a database with
only sale_management and sale_stock (the anchor), in ours with every rule active, in ours with
the guard skipped, and in OCA's; then each engine's check alone on that quotation.

Three databases, created on first use without demo data and reused (updated when their modules'
code changes): BENCH_DB_PREFIX (default ``distribution_bench``) + ``_ours``, ``_oca``,
``_vanilla``. OCA's base_exception and sale_exception 18.0 are downloaded from PyPI with pip (no
dependency resolution) into bench/.oca/addons, which is not versioned. The generated partners,
products and quotations (fixed random seed, identical in every database; one process per
database creates them, at once, as the ORM needs about ten minutes for 10,000 quotations) are
kept; every write the measurements make is rolled back, except OCA's own: it records its findings
in a second, committed transaction, which the bench undoes after each run. The databases are
vacuumed and analysed before measuring, and vacuumed before each round (see ``vacuum``). Nothing
is asserted on timing.
Environment: ODOO_PATH (default /opt/odoo18), PGHOST/PGPORT (default 127.0.0.1/5432),
PGUSER_ODOO/PGPASSWORD_ODOO (default odoo/odoo), BENCH_SIZES (default "200,10000"; the first size
is the one compared rule by rule), BENCH_OCA_BUDGET (seconds one OCA run may take at most,
default 120: beyond, OCA is measured on fewer orders and the table says so).
"""

import functools
import hashlib
import os
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import NamedTuple

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
OCA_DIR = ROOT / "bench" / ".oca"
OCA_ADDONS = OCA_DIR / "addons"
OCA_REQUIREMENTS = [
    "odoo-addon-base-exception>=18.0,<18.1",
    "odoo-addon-sale-exception>=18.0,<18.1",
]
ODOO_PATH = Path(os.environ.get("ODOO_PATH") or "/opt/odoo18")
PREFIX = os.environ.get("BENCH_DB_PREFIX") or "distribution_bench"
PG = {
    "host": os.environ.get("PGHOST") or "127.0.0.1",
    "port": os.environ.get("PGPORT") or "5432",
    "user": os.environ.get("PGUSER_ODOO") or "odoo",
    "password": os.environ.get("PGPASSWORD_ODOO") or "odoo",
}
SIZES = [int(n) for n in (os.environ.get("BENCH_SIZES") or "200,10000").split(",")]
OCA_BUDGET = float(os.environ.get("BENCH_OCA_BUDGET") or 120)
REPEAT = 3
CONFIRM_REPEAT = 10
REPEAT_BUDGET = 60.0  # seconds of runs after which a case is not run again
FINGERPRINT_KEY = "distribution_bench.module_fingerprint"

# name -> (database, modules to install, folders whose code the database is fingerprinted on)
DATABASES = {
    "ours": (
        f"{PREFIX}_ours",
        ["distribution_exceptions"],
        [ROOT / "addons" / "distribution_base", ROOT / "distribution_exceptions"],
    ),
    "oca": (f"{PREFIX}_oca", ["sale_management", "sale_stock", "sale_exception"], [OCA_ADDONS]),
    "vanilla": (f"{PREFIX}_vanilla", ["sale_management", "sale_stock"], []),
}


# ---------------------------------------------------------------------- setup


def fetch_oca():
    """Unpack OCA's base_exception and sale_exception wheels into bench/.oca/addons, once."""
    if all(
        (OCA_ADDONS / name / "__manifest__.py").exists()
        for name in ("base_exception", "sale_exception")
    ):
        return
    print("bench: downloading OCA base_exception and sale_exception 18.0 from PyPI...", flush=True)
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
    """Install (or update) ``modules`` with odoo-bin when needed; return True when odoo-bin ran."""
    wanted = fingerprint(folders)
    installed, stored = database_state(database, modules)
    if installed and stored == wanted:
        return False
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
    return True


# ---------------------------------------------------------------------- data

SEED = 20250518
CATEGORIES = ["Bench Standard", "Bench Fragile", "Bench Restricted", "Bench Bulk"]
PRODUCT_COUNT = 60
CUSTOMER_COUNT = 80
FIRST_DAY = datetime(2025, 3, 3)  # a Monday
CONFIRM_ORIGIN = "xbench-confirm"
CONFIRM_LINES = 30


def working_day(rng, day):
    """Most days that fall at the weekend move to the Monday after."""
    if day.weekday() >= 5 and rng.random() < 0.85:
        day += timedelta(days=7 - day.weekday())
    return day


def dataset(order_count):
    """Products, customers and quotations as plain values, the same for a given seed.

    Orders are drawn one after the other, so the first N orders do not depend on order_count.
    """
    rng = random.Random(SEED)
    products = []
    for index in range(PRODUCT_COUNT):
        price = round(rng.uniform(5, 500), 2)
        products.append(
            {
                "code": f"XB-{index:03d}",
                "category": CATEGORIES[rng.randrange(len(CATEGORIES))],
                "list_price": price,
                "standard_price": round(price * rng.uniform(0.45, 0.8), 2),
                "stock": rng.randint(20, 400),
            }
        )
    customers = [
        {
            "ref": f"xbench-c{index:03d}",
            "zip": False if rng.random() < 0.04 else f"{rng.randint(1000, 9999)}",
            "email": False if rng.random() < 0.05 else f"buyer{index}@bench.example.com",
            "credit_limit": rng.choice([10000, 25000, 50000]) if rng.random() < 0.25 else 0.0,
        }
        for index in range(CUSTOMER_COUNT)
    ]
    orders = []
    for index in range(order_count):
        day = working_day(rng, FIRST_DAY + timedelta(days=rng.randint(0, 89)))
        hour = rng.randint(0, 6) if rng.random() < 0.03 else rng.randint(8, 18)
        lines = []
        for _line in range(rng.randint(2, 6)):
            product = rng.randrange(PRODUCT_COUNT)
            quantity = rng.randint(41, 80) if rng.random() < 0.01 else rng.randint(1, 20)
            factor = rng.uniform(0.5, 0.95) if rng.random() < 0.02 else 1.0
            draw = rng.random()
            discount = rng.choice([22, 25, 30]) if draw < 0.01 else 0
            discount = rng.choice([5, 10, 15]) if 0.01 <= draw < 0.08 else discount
            price = round(products[product]["list_price"] * factor, 2)
            lines.append((product, quantity, price, discount))
        orders.append(
            {
                "origin": f"xbench-{index:05d}",
                "customer": rng.randrange(CUSTOMER_COUNT),
                "client_order_ref": False if rng.random() < 0.04 else f"PO-{index:05d}",
                "commitment_date": False
                if rng.random() < 0.05
                else working_day(rng, day + timedelta(days=rng.randint(3, 30), hours=12)),
                "date_order": day + timedelta(hours=hour, minutes=rng.randint(0, 59)),
                "lines": lines,
            }
        )
    return products, customers, orders


def confirm_order_values(products):
    """A 30-line quotation that no bench rule finds anything on: a plain, clean confirmation."""
    eligible = [
        index
        for index, product in enumerate(products)
        if 10 <= product["list_price"] < 250
        and product["standard_price"] <= 0.7 * product["list_price"]
    ]
    picked = [eligible[i % len(eligible)] for i in range(CONFIRM_LINES)]
    lines = [(p, 1 + i % 2, products[p]["list_price"], 0) for i, p in enumerate(picked)]
    return {
        "origin": CONFIRM_ORIGIN,
        "client_order_ref": "PO-CONFIRM",
        "commitment_date": FIRST_DAY + timedelta(days=14, hours=12),
        "date_order": FIRST_DAY + timedelta(hours=10),
        "lines": lines,
    }


def ensure_data(env, order_count):
    """Create what is missing of the data set (committed, kept for the next runs)."""
    from odoo import Command

    env = env(su=True, context={"tracking_disable": True, "mail_create_nosubscribe": True})
    products, customers, orders = dataset(order_count)
    categories = {c.name: c for c in env["product.category"].search([("name", "in", CATEGORIES)])}
    for name in CATEGORIES:
        categories.setdefault(name, env["product.category"].create({"name": name}))

    Product = env["product.product"].with_context(active_test=False)
    found = {p.default_code: p for p in Product.search([("default_code", "=like", "XB-%")])}
    missing = [p for p in products if p["code"] not in found]
    if missing:
        created = Product.create(
            [
                {
                    "name": f"Bench product {p['code']}",
                    "default_code": p["code"],
                    "categ_id": categories[p["category"]].id,
                    "list_price": p["list_price"],
                    "standard_price": p["standard_price"],
                    "type": "consu",
                    "is_storable": True,
                }
                for p in missing
            ]
        )
        stock = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
        for product, values in zip(created, missing, strict=True):
            env["stock.quant"]._update_available_quantity(
                product, stock.lot_stock_id, values["stock"]
            )
        found.update({p.default_code: p for p in created})
    product_ids = [found[p["code"]].id for p in products]

    confirm_customer = {
        "ref": CONFIRM_ORIGIN,
        "zip": "1000",
        "email": "confirm@bench.example.com",
        "credit_limit": 0.0,
    }
    Partner = env["res.partner"].with_context(active_test=False)
    wanted = [*customers, confirm_customer]
    found = {p.ref: p for p in Partner.search([("ref", "in", [c["ref"] for c in wanted])])}
    missing = [c for c in wanted if c["ref"] not in found]
    if missing:
        created = Partner.create(
            [
                {
                    "name": f"Bench customer {c['ref']}",
                    "ref": c["ref"],
                    "zip": c["zip"],
                    "email": c["email"],
                    "credit_limit": c["credit_limit"],
                }
                for c in missing
            ]
        )
        found.update({p.ref: p for p in created})
    partner_ids = [found[c["ref"]].id for c in customers]
    env.cr.commit()

    confirm = dict(confirm_order_values(products), partner_id=found[CONFIRM_ORIGIN].id)
    orders = [dict(o, partner_id=partner_ids[o["customer"]]) for o in orders]
    SaleOrder = env["sale.order"]
    existing = set(SaleOrder.search([("origin", "=like", "xbench-%")]).mapped("origin"))
    todo = [o for o in [confirm, *orders] if o["origin"] not in existing]
    if todo:
        print(f"bench: creating {len(todo)} quotations in {env.cr.dbname} (kept)...", flush=True)
    started = time.perf_counter()
    for start in range(0, len(todo), 250):
        SaleOrder.create(
            [
                {
                    "partner_id": o["partner_id"],
                    "origin": o["origin"],
                    "client_order_ref": o["client_order_ref"],
                    "commitment_date": o["commitment_date"],
                    "date_order": o["date_order"],
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product_ids[product],
                                "product_uom_qty": quantity,
                                "price_unit": price,
                                "discount": discount,
                                # no analytic model exists: spare a search per line
                                "analytic_distribution": False,
                            }
                        )
                        for product, quantity, price, discount in o["lines"]
                    ],
                }
                for o in todo[start : start + 250]
            ]
        )
        env.cr.commit()
    if todo:
        print(f"bench: created in {time.perf_counter() - started:.0f} s", flush=True)


def bench_orders(env, origins):
    orders = env["sale.order"].search([("origin", "in", origins)])
    assert len(orders) == len(origins), f"{env.cr.dbname}: {len(orders)} of {len(origins)} orders"
    return orders


# ---------------------------------------------------------------------- rules
# key -> (name, our rule's values, OCA rule's values or None). The first ten say the same thing in
# both engines; the last ten are variants for the 20-rule runs of our engine.
TOTAL_LIMIT, TOTAL_LIMIT_2 = 40000, 60000
RULES = {
    "discount_20": (
        "Discount above 20%",
        {"detector": "discount", "level": "line", "threshold": 20},
        {"model": "sale.order.line", "domain": "[('discount', '>', 20)]"},
    ),
    "no_reference": (
        "No customer reference",
        {"detector": "missing_data", "required_fields": ["client_order_ref"]},
        {"model": "sale.order", "domain": "[('client_order_ref', '=', False)]"},
    ),
    "no_commitment": (
        "No delivery date promised",
        {"domain": "[('commitment_date', '=', False)]"},
        {"model": "sale.order", "domain": "[('commitment_date', '=', False)]"},
    ),
    "large_order": (
        f"Total above {TOTAL_LIMIT}",
        {"domain": f"[('amount_total', '>', {TOTAL_LIMIT})]"},
        {"model": "sale.order", "domain": f"[('amount_total', '>', {TOTAL_LIMIT})]"},
    ),
    "margin_10": (
        "Margin below 10%",
        {"detector": "margin", "level": "line", "threshold": 10},
        {
            "model": "sale.order.line",
            "code": "failed = self.price_subtotal > 0 and "
            "self.product_id.standard_price * self.product_uom_qty > 0.9 * self.price_subtotal",
        },
    ),
    "restricted_qty": (
        "Restricted product above 19 units",
        {
            "level": "line",
            "domain": "[('product_id.categ_id.name', '=', 'Bench Restricted'), "
            "('product_uom_qty', '>', 19)]",
        },
        {
            "model": "sale.order.line",
            "domain": "[('product_id.categ_id.name', '=', 'Bench Restricted'), "
            "('product_uom_qty', '>', 19)]",
        },
    ),
    "credit_limit": (
        "Credit limit exceeded",
        {"detector": "credit_limit"},
        {
            "model": "sale.order",
            "code": "partner = self.partner_id.commercial_partner_id\n"
            "failed = bool(partner.credit_limit) and "
            "partner.credit + self.amount_total > partner.credit_limit",
        },
    ),
    "no_zip": (
        "Delivery address without ZIP",
        {"domain": "[('partner_shipping_id.zip', '=', False)]"},
        {"model": "sale.order", "domain": "[('partner_shipping_id.zip', '=', False)]"},
    ),
    "bulk_line": (
        "Line above 40 units",
        {"level": "line", "domain": "[('product_uom_qty', '>', 40)]"},
        {"model": "sale.order.line", "domain": "[('product_uom_qty', '>', 40)]"},
    ),
    "weekend": (
        "Delivery promised at the weekend",
        {
            "detector": "python",
            "python_code": "document.commitment_date and document.commitment_date.weekday() >= 5",
        },
        {
            "model": "sale.order",
            "code": "failed = bool(self.commitment_date) and self.commitment_date.weekday() >= 5",
        },
    ),
    "discount_10": (
        "Discount above 10%",
        {"detector": "discount", "level": "line", "threshold": 10},
        None,
    ),
    "missing_data": (
        "Reference, date or address missing",
        {
            "detector": "missing_data",
            "required_fields": ["client_order_ref", "commitment_date", "partner_shipping_id"],
        },
        None,
    ),
    "margin_15": (
        "Margin below 15%",
        {"detector": "margin", "level": "line", "threshold": 15},
        None,
    ),
    "huge_order": (
        f"Total above {TOTAL_LIMIT_2}",
        {"domain": f"[('amount_total', '>', {TOTAL_LIMIT_2})]"},
        None,
    ),
    "fragile_qty": (
        "Fragile product above 19 units",
        {
            "level": "line",
            "domain": "[('product_id.categ_id.name', '=', 'Bench Fragile'), "
            "('product_uom_qty', '>', 19)]",
        },
        None,
    ),
    "stock_shortage": ("Stock shortage", {"detector": "stock_shortage", "level": "line"}, None),
    "overdue": ("Overdue invoices", {"detector": "overdue_invoices", "days": 30}, None),
    "night": (
        "Ordered at night",
        {"detector": "python", "python_code": "document.date_order.hour < 7"},
        None,
    ),
    "cheap_line": (
        "Unit price below 10",
        {"level": "line", "domain": "[('price_unit', '<', 10)]"},
        None,
    ),
    "no_email": ("Customer without email", {"domain": "[('partner_id.email', '=', False)]"}, None),
}
CORE = [key for key, (_name, _ours, oca) in RULES.items() if oca]


def create_our_rules(env):
    """Our 20 rules (the variants archived), in the transaction: rolled back at the end."""
    Rule = env["distribution.exception.rule"]
    Rule.search([]).action_archive()  # only the bench's rules apply
    rules = {}
    for sequence, (key, (name, values, _oca)) in enumerate(RULES.items()):
        values = dict(values)
        fields = values.pop("required_fields", [])
        rules[key] = Rule.create(
            {
                "name": f"Bench: {name}",
                "sequence": sequence,
                "target_model": "sale.order",
                "detector": "domain",
                "severity": "warning",
                "transition": "confirm",
                "required_field_ids": [
                    env["ir.model.fields"]._get("sale.order", f).id for f in fields
                ],
                "active": key in CORE,
                **values,
            }
        )
    return rules


def create_oca_rules(env):
    """OCA's ten rules, committed: OCA writes its findings from a second transaction."""
    Rule = env["exception.rule"].sudo().with_context(active_test=False)
    Rule.search([("name", "=like", "Bench: %")]).unlink()
    rules = {}
    for sequence, key in enumerate(CORE):
        name, _ours, values = RULES[key]
        rules[key] = Rule.create(
            {
                "name": f"Bench: {name}",
                "description": name,
                "sequence": sequence,
                "exception_type": "by_py_code" if "code" in values else "by_domain",
                **values,
            }
        )
    env.cr.commit()
    return rules


# ---------------------------------------------------------------------- the two engines


def oca_detect(orders):
    """OCA's whole detection: its header rules, then its line rules.

    ``sale.order.detect_exceptions()`` raises as soon as its header rules found something new,
    before it checks the lines, so the bench runs base_exception's detection on the orders and on
    their lines one after the other (each raises, as it does for a user, when it found something).
    """
    from odoo.addons.base_exception.exceptions import BaseExceptionError

    detect = type(orders.env["base.exception.method"]).detect_exceptions
    for records in (orders, orders.order_line):
        try:
            detect(records)
        except BaseExceptionError:
            pass


def undo_oca(env):
    """Forget what OCA recorded (in its own committed transaction) on the bench's database."""
    env.cr.rollback()
    env.cr.execute("DELETE FROM exception_rule_sale_order_rel")
    env.cr.execute("DELETE FROM exception_rule_sale_order_line_rel")
    env.cr.execute("UPDATE sale_order SET main_exception_id = NULL WHERE main_exception_id > 0")
    env.cr.commit()
    env.invalidate_all()


def our_run(orders):
    orders.env["distribution.exception.rule"]._run(orders)


def our_detect(rules, orders):
    """Detection alone: what each rule finds, no occurrence written."""
    return {rule: rule._detect(orders) for rule in rules.filtered("active")}


def line_keys(cr, orders):
    """{line id: (order origin, rank of the line in its order)}: the same line in every database."""
    cr.execute(
        """SELECT line.id, o.origin, row_number() OVER (PARTITION BY o.id ORDER BY line.id)
             FROM sale_order_line line JOIN sale_order o ON o.id = line.order_id
            WHERE o.id IN %s""",
        [tuple(orders.ids)],
    )
    return {line_id: (origin, rank) for line_id, origin, rank in cr.fetchall()}


def our_findings(rules, orders):
    """{rule key: (offending order origins, offending lines)} of our core rules."""
    origin = {order.id: order.origin for order in orders}
    lines = line_keys(orders.env.cr, orders)
    found = our_detect(orders.env["distribution.exception.rule"].union(*rules.values()), orders)
    return {
        key: (
            {origin[order_id] for order_id, _line in found[rules[key]]},
            {lines[line_id] for _order, line_id in found[rules[key]] if line_id},
        )
        for key in CORE
    }


def oca_findings(rules, orders):
    """The same for OCA: run its detection, then read what it recorded."""
    env = orders.env
    oca_detect(orders)
    env.cr.rollback()  # a new snapshot, to see OCA's committed transaction
    keys = {rule.id: key for key, rule in rules.items()}
    result = {key: (set(), set()) for key in CORE}
    env.cr.execute(
        """SELECT rel.exception_rule_id, o.origin FROM exception_rule_sale_order_rel rel
             JOIN sale_order o ON o.id = rel.sale_order_id WHERE o.id IN %s""",
        [tuple(orders.ids)],
    )
    for rule_id, origin in env.cr.fetchall():
        result[keys[rule_id]][0].add(origin)
    lines = line_keys(env.cr, orders)
    env.cr.execute(
        """SELECT exception_rule_id, sale_order_line_id FROM exception_rule_sale_order_line_rel
            WHERE sale_order_line_id IN %s""",
        [tuple(lines)],
    )
    for rule_id, line_id in env.cr.fetchall():
        result[keys[rule_id]][1].add(lines[line_id])
    undo_oca(env)
    return result


# ---------------------------------------------------------------------- measuring


class Case(NamedTuple):
    """One thing to measure: ``method()`` on ``env``; ``undo(env)`` cleans what it committed."""

    env: object
    method: object
    undo: object = None


class Measure(NamedTuple):
    ms: float
    queries: int
    runs: int


def vacuum(databases, analyze=False):
    """VACUUM (with ANALYZE) ``databases``, from connections of their own.

    Every measured run is rolled back and leaves its rows behind as dead tuples; a server with
    autovacuum off (as this machine's) never removes them, so that each run would find fatter
    tables and indexes than the one before, and a planner without statistics picks plans for
    empty tables. Dead rows of rolled-back runs can be removed while the bench's transactions
    stay open.
    """
    for database in sorted(databases):
        conn = psycopg2.connect(dbname=database, **PG)
        conn.autocommit = True
        with conn.cursor() as cr:
            cr.execute("VACUUM (ANALYZE)" if analyze else "VACUUM")
        conn.close()


def best_of(cases, repeat=REPEAT):
    """The fastest run of each case (and how many were made), each from a cold ORM cache.

    The cases take turns, so a busy moment of the machine does not fall on one of them only; a
    case stops once its runs took REPEAT_BUDGET seconds.
    Queries are counted on every cursor (OCA writes from a second one). Each run's writes are
    rolled back to a savepoint, then ``undo`` cleans what was committed elsewhere; the databases
    are vacuumed before each round.
    """
    from odoo import sql_db

    best, spent, runs = [None] * len(cases), [0.0] * len(cases), [0] * len(cases)
    for _round in range(repeat):
        vacuum({env.cr.dbname for env, _method, _undo in cases})
        for index, (env, method, undo) in enumerate(cases):
            if spent[index] >= REPEAT_BUDGET:
                continue
            savepoint = env.cr.savepoint()
            env.invalidate_all()
            queries_before = sql_db.sql_counter
            start = time.perf_counter()
            method()
            env.flush_all()
            elapsed = time.perf_counter() - start
            queries = sql_db.sql_counter - queries_before
            savepoint.close(rollback=True)
            if undo:
                undo(env)
            spent[index] += elapsed
            runs[index] += 1
            if best[index] is None or elapsed < best[index][0]:
                best[index] = (elapsed, queries)
    return [
        Measure(seconds * 1000, queries, count)
        for (seconds, queries), count in zip(best, runs, strict=True)
    ]


def origins(count):
    return [f"xbench-{index:05d}" for index in range(count)]


def compare_findings(ours, oca):
    """Print the per-rule comparison on the first size; return the keys that differ."""
    print(f"### Findings on the first {SIZES[0]} quotations, rule by rule")
    print()
    print("| rule | level | orders (ours) | orders (OCA) | lines (ours) | lines (OCA) | same |")
    print("|---|---|---:|---:|---:|---:|---|")
    mismatched = []
    for key in CORE:
        level = RULES[key][1].get("level", "header")
        same = ours[key] == oca[key]
        mismatched += [] if same else [key]
        lines = (len(ours[key][1]), len(oca[key][1])) if level == "line" else ("", "")
        print(
            f"| {RULES[key][0]} | {level} | {len(ours[key][0])} | {len(oca[key][0])} "
            f"| {lines[0]} | {lines[1]} | {'yes' if same else '**NO**'} |"
        )
    print()
    for key in mismatched:
        only_ours = sorted(ours[key][0] - oca[key][0])[:5]
        only_oca = sorted(oca[key][0] - ours[key][0])[:5]
        print(f"MISMATCH {key}: only ours {only_ours}, only OCA {only_oca}")
    return mismatched


def measure_detection(envs, rules):
    """Rows (N, rules, method, Measure, anchor ms) for every size."""
    ours = envs["ours"]
    all_rules = ours["distribution.exception.rule"].union(*rules.values())
    variants = all_rules.filtered(lambda rule: not rule.active)
    rows, oca_seconds_per_order = [], None
    for size in SIZES:
        oca_size = size
        if oca_seconds_per_order and oca_seconds_per_order * size > OCA_BUDGET:
            oca_size = max(SIZES[0], int(OCA_BUDGET / oca_seconds_per_order) // 1000 * 1000)
        oca_orders = bench_orders(envs["oca"], origins(oca_size))
        orders = bench_orders(ours, origins(size))
        run = Case(ours, functools.partial(our_run, orders))
        detect = Case(ours, functools.partial(our_detect, all_rules, orders))
        oca = Case(envs["oca"], functools.partial(oca_detect, oca_orders), undo_oca)
        oca_measure, run_10, detect_10 = best_of([oca, run, detect])
        variants.active = True
        run_20, detect_20 = best_of([run, detect])
        variants.active = False

        oca_seconds_per_order = oca_measure.ms / 1000 / oca_size
        anchor_ms = oca_measure.ms * size / oca_size
        label = "OCA sale_exception (anchor)"
        if oca_size != size:
            label = f"OCA sale_exception (anchor: on {oca_size} orders, time x{size / oca_size:g})"
        rows += [
            (size, 10, label, oca_measure, anchor_ms),
            (size, 10, "distribution_exceptions `_run`", run_10, anchor_ms),
            (size, 10, "distribution_exceptions detection alone", detect_10, anchor_ms),
            (size, 20, "distribution_exceptions `_run`", run_20, anchor_ms),
            (size, 20, "distribution_exceptions detection alone", detect_20, anchor_ms),
        ]
    return rows


def measure_confirm(envs, rules):
    """Rows (method, Measure) of confirming the clean 30-line quotation."""
    orders = {name: bench_orders(env, [CONFIRM_ORIGIN]) for name, env in envs.items()}
    envs["ours"]["distribution.exception.rule"].union(*rules.values()).active = True
    found = our_detect(envs["ours"]["distribution.exception.rule"].search([]), orders["ours"])
    if any(found.values()):
        print(f"WARNING: the quotation to confirm is not clean: {found}")
    ours, oca = orders["ours"], orders["oca"]
    vanilla, skip = orders["vanilla"], ours.with_context(distribution_skip_guard=True)
    cases = [
        ("vanilla Odoo (sale_management + sale_stock, anchor)", "vanilla", vanilla.action_confirm),
        ("distribution_exceptions, guard skipped", "ours", skip.action_confirm),
        ("distribution_exceptions, 20 rules", "ours", ours.action_confirm),
        ("OCA sale_exception, 10 rules", "oca", oca.action_confirm),
        (
            "(our guard alone, 20 rules)",
            "ours",
            functools.partial(ours._distribution_guard, "confirm"),
        ),
        ("(OCA detect_exceptions alone, 10 rules)", "oca", oca.detect_exceptions),
    ]
    results = best_of([Case(envs[db], method) for _l, db, method in cases], repeat=CONFIRM_REPEAT)
    return [(label, result) for (label, _db, _m), result in zip(cases, results, strict=True)]


def order_count(database):
    conn = psycopg2.connect(dbname=database, **PG)
    with conn, conn.cursor() as cr:
        cr.execute("SELECT count(*) FROM sale_order WHERE origin LIKE 'xbench-%%'")
        count = cr.fetchone()[0]
    conn.close()
    return count


def wanted_orders(name):
    return 0 if name == "vanilla" else max(SIZES)


def generate_data():
    """Create the missing data, one process per database at once: the ORM's creation is slow."""
    jobs = [
        subprocess.Popen([sys.executable, __file__, "--data", name])
        for name, (database, _modules, _folders) in DATABASES.items()
        if order_count(database) < wanted_orders(name) + 1  # + the quotation to confirm
    ]
    if [job for job in jobs if job.wait()]:  # wait for all of them
        raise SystemExit("bench: creating the data failed")


def open_env(name):
    """An environment of the administrator on the bench database ``name``, in a new cursor."""
    sys.path.insert(0, str(ODOO_PATH))
    import odoo  # importable once ODOO_PATH is on sys.path
    from odoo import SUPERUSER_ID, api
    from odoo.modules.registry import Registry

    if not odoo.tools.config["db_host"]:
        odoo.tools.config.parse_config(odoo_args(DATABASES["ours"][0]), setup_logging=True)
    env = api.Environment(Registry(DATABASES[name][0]).cursor(), SUPERUSER_ID, {})
    return env(user=env.ref("base.user_admin"))


def main():
    started = time.perf_counter()
    fetch_oca()
    for database, modules, folders in DATABASES.values():
        prepare_database(database, modules, folders)
    generate_data()
    vacuum([database for database, _modules, _folders in DATABASES.values()], analyze=True)
    setup_seconds = time.perf_counter() - started
    load_before = os.getloadavg()

    envs = {}
    try:
        for name in DATABASES:
            envs[name] = open_env(name)
        rules = create_our_rules(envs["ours"])
        oca_rules = create_oca_rules(envs["oca"])
        undo_oca(envs["oca"])
        first = origins(SIZES[0])
        ours = our_findings(rules, bench_orders(envs["ours"], first))
        oca = oca_findings(oca_rules, bench_orders(envs["oca"], first))
        detection = measure_detection(envs, rules)
        confirm = measure_confirm(envs, rules)
    finally:
        for env in envs.values():
            env.cr.rollback()
            env.cr.close()

    print()
    mismatched = compare_findings(ours, oca)
    print(
        "Both engines find the same orders and lines for every rule."
        if not mismatched
        else f"**MISMATCH**: the engines disagree on {len(mismatched)} rule(s): "
        f"{', '.join(mismatched)}."
    )
    print()
    print(f"### Exception detection on N quotations (best of up to {REPEAT} runs, cold ORM cache)")
    print()
    print("| N | rules | method | runs | ms | queries | ratio vs anchor |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    for size, count, label, (ms, queries, runs), anchor_ms in detection:
        ratio = ms / anchor_ms
        print(f"| {size} | {count} | {label} | {runs} | {ms:.1f} | {queries} | {ratio:.2f}x |")
    print()
    print(f"### Confirming a clean 30-line quotation (best of {CONFIRM_REPEAT}, cold ORM cache)")
    print()
    print("| method | ms | queries | ratio vs anchor |")
    print("|---|---:|---:|---:|")
    for label, (ms, queries, _runs) in confirm:
        print(f"| {label} | {ms:.1f} | {queries} | {ms / confirm[0][1].ms:.2f}x |")
    print()
    total = time.perf_counter() - started
    print(
        "ratio = time / anchor time for the same N (below 1 is faster); the 20-rule rows are "
        "compared with OCA's 10 rules, the variants having no OCA counterpart. A case is run "
        f"again only while its runs took less than {REPEAT_BUDGET:.0f} s. "
        f"Setup {setup_seconds:.0f} s, total {total:.0f} s. Load average (1, 5, 15 min) "
        f"{' '.join(f'{load:.2f}' for load in load_before)} when measuring began, "
        f"{' '.join(f'{load:.2f}' for load in os.getloadavg())} at the end."
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["--data"]:  # a child of generate_data()
        env = open_env(sys.argv[2])
        ensure_data(env, wanted_orders(sys.argv[2]))
        env.cr.close()
    else:
        main()
