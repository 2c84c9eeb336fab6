# Shared settings for the make targets. Sourced, never run.
# Every value can be overridden from the environment.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER_ODOO="${PGUSER_ODOO:-odoo}"
PGPASSWORD_ODOO="${PGPASSWORD_ODOO:-odoo}"
DEMO_DB="${DEMO_DB:-distribution_demo}"
TEST_DB="${TEST_DB:-distribution_test}"
HTTP_PORT="${HTTP_PORT:-8069}"
SUITE_MODULES="distribution_base,distribution_demo"
# Top-level modules join the list once their folders exist.
for module in distribution_exceptions distribution_approvals distribution_integrations; do
  [ -f "$ROOT/$module/__manifest__.py" ] && SUITE_MODULES="$SUITE_MODULES,$module"
done
export PGHOST PGPORT

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# Locate Odoo 18.0: $ODOO_PATH, else an importable `odoo`, else /opt/odoo18.
find_odoo() {
  if [ -n "${ODOO_PATH:-}" ]; then
    [ -f "$ODOO_PATH/odoo/release.py" ] || die "ODOO_PATH=$ODOO_PATH does not contain an Odoo source tree (no odoo/release.py)."
  elif odoo_pkg=$(python3 -c 'import odoo, os; print(os.path.dirname(os.path.dirname(odoo.__file__)))' 2>/dev/null); then
    ODOO_PATH="$odoo_pkg"
  elif [ -f /opt/odoo18/odoo/release.py ]; then
    ODOO_PATH=/opt/odoo18
  else
    cat >&2 <<'MSG'
ERROR: Odoo 18.0 was not found.

Distribution Control runs on an Odoo 18.0 Community source tree. Give it one of:
  * a git checkout:   git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo /opt/odoo18
                      (then `make test`, or set ODOO_PATH=/path/to/odoo if you cloned elsewhere)
  * an importable `odoo` package on python3's path, or
  * Docker instead of a local install: `docker compose up` (see README.md, "Docker").
MSG
    exit 1
  fi
  version=$(sed -n "s/^version_info = (\([0-9]*\), \([0-9]*\).*/\1.\2/p" "$ODOO_PATH/odoo/release.py")
  [ "$version" = "18.0" ] || die "Odoo at $ODOO_PATH is version ${version:-unknown}; Distribution Control needs 18.0."
  export ODOO_PATH
}

# The addons path Odoo and pytest-odoo both use.
# The repository root joins once it holds a module (Odoo refuses an addons folder without one).
addons_path() {
  local path="$ODOO_PATH/odoo/addons,$ROOT/addons"
  compgen -G "$ROOT/*/__manifest__.py" >/dev/null && path="$path,$ROOT"
  printf '%s' "$path"
}

odoo_bin() {
  "$PY" "$ODOO_PATH/odoo-bin" -c "$ROOT/odoo.conf" --addons-path="$(addons_path)" \
    --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER_ODOO" --db_password="$PGPASSWORD_ODOO" "$@"
}

db_exists() {
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER_ODOO" -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = '$1'" 2>/dev/null | grep -q 1
}

db_has_module() {  # db, module
  psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER_ODOO" -d "$1" -tAc \
    "SELECT 1 FROM ir_module_module WHERE name = '$2' AND state = 'installed'" 2>/dev/null | grep -q 1
}
