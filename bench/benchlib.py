# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""What the benchmarks share: where Odoo and the suite are, how to reach PostgreSQL, the
command-line options of an Odoo on a bench database, and the fingerprint of the modules' code
that tells when a bench database must be updated. Not a benchmark itself (run.py runs
``bench_*.py`` only)."""

import hashlib
import os
from pathlib import Path

import psycopg2

ROOT = Path(__file__).resolve().parent.parent
ODOO_PATH = Path(os.environ.get("ODOO_PATH") or "/opt/odoo18")
PG = {
    "host": os.environ.get("PGHOST") or "127.0.0.1",
    "port": os.environ.get("PGPORT") or "5432",
    "user": os.environ.get("PGUSER_ODOO") or "odoo",
    "password": os.environ.get("PGPASSWORD_ODOO") or "odoo",
}
SUITE_ADDONS = [ODOO_PATH / "odoo" / "addons", ROOT / "addons", ROOT]


def addons_path(extra=()):
    return ",".join(str(folder) for folder in [*SUITE_ADDONS, *extra])


def odoo_args(database, extra_addons=()):
    """Options for odoo-bin or ``config.parse_config`` on ``database``."""
    return [
        "-c",
        str(ROOT / "odoo.conf"),
        f"--addons-path={addons_path(extra_addons)}",
        f"--db_host={PG['host']}",
        f"--db_port={PG['port']}",
        f"--db_user={PG['user']}",
        f"--db_password={PG['password']}",
        "-d",
        database,
        "--log-level=warn",
    ]


def module_fingerprint(folders):
    """A digest of the modules' Python, XML and CSV files (tests and static files left out)."""
    digest = hashlib.sha1()
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            parts = path.relative_to(folder).parts
            if (
                path.is_file()
                and path.suffix in (".py", ".xml", ".csv")
                and not {"tests", "static", "__pycache__"} & set(parts)
            ):
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def connect(database):
    conn = psycopg2.connect(dbname=database, **PG)
    conn.autocommit = True
    return conn
