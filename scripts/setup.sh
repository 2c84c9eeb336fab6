#!/usr/bin/env bash
# Prepare everything `make demo` and `make test` need; safe to run again (it reuses what exists).
#   * Debian packages Odoo's requirements build against, and Chromium for browser tours
#   * a virtualenv (.venv) with Odoo's own requirements and the project's (requirements.txt)
#   * a reachable PostgreSQL (a local cluster is started or installed if none answers) and a role
source "$(dirname "$0")/common.sh"
find_odoo
log "Odoo 18.0 found at $ODOO_PATH"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
apt_install() {
  command -v apt-get >/dev/null || die "Please install these system packages: $*"
  log "Installing system packages: $*"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

# --- System packages -------------------------------------------------------------------------
missing=()
for pkg in libldap2-dev libsasl2-dev libpq-dev postgresql-client; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
  || command -v google-chrome >/dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# --- PostgreSQL ------------------------------------------------------------------------------
pg_ready() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }
if ! pg_ready; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
  fi
  log "Starting the local PostgreSQL cluster"
  version=$(ls /etc/postgresql | sort -V | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
    || pg_ctlcluster "$version" main start
  for _ in $(seq 30); do pg_ready && break; sleep 1; done
  pg_ready || die "PostgreSQL does not answer on $PGHOST:$PGPORT."
fi
if ! psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER_ODOO" -d postgres -tAc 'SELECT 1' >/dev/null 2>&1; then
  log "Creating the PostgreSQL role $PGUSER_ODOO"
  create_role="CREATE ROLE \"$PGUSER_ODOO\" LOGIN CREATEDB PASSWORD '$PGPASSWORD_ODOO'"
  psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -c "$create_role" >/dev/null 2>&1 \
    || $SUDO -u postgres psql -d postgres -c "$create_role" >/dev/null 2>&1 \
    || su postgres -c "psql -d postgres -c \"$create_role\"" >/dev/null \
    || die "Could not create the PostgreSQL role $PGUSER_ODOO; create it by hand: $create_role"
fi
export PGPASSWORD="$PGPASSWORD_ODOO"

# --- Virtualenv --------------------------------------------------------------------------------
stamp="$VENV/.distribution-stamp"
want=$(cat "$ODOO_PATH/requirements.txt" "$ROOT/requirements.txt" | sha1sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  log "Building the virtualenv in $VENV (first run takes a few minutes)"
  [ -x "$PY" ] || python3 -m venv "$VENV"
  export PIP_DISABLE_PIP_VERSION_CHECK=1
  constraints="$VENV/build-constraints.txt"
  # Odoo's pinned packages still build with setup.py features removed from setuptools 70.
  echo "setuptools<70" >"$constraints"
  pip_install() {  # quiet, but for errors (a package index folder missing on a host is no error)
    PIP_CONSTRAINT="$constraints" "$PY" -m pip install -q "$@" 2>&1 \
      | { grep -v "is ignored: it is neither a file nor a directory" || true; }
  }
  pip_install --upgrade "pip<25" wheel "setuptools<70"
  pip_install -r "$ODOO_PATH/requirements.txt"
  pip_install -r "$ROOT/requirements.txt"
  echo "$want" >"$stamp"
fi
# Make `import odoo` work in the virtualenv (pytest-odoo needs it); rewritten each run so a new
# ODOO_PATH takes effect.
site=$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
echo "$ODOO_PATH" >"$site/distribution-odoo.pth"
"$PY" -c 'import odoo.release as r; assert r.serie == "18.0", r.serie' \
  || die "The virtualenv cannot import Odoo 18.0 from $ODOO_PATH."
log "Environment ready"
