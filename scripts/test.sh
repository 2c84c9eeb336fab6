#!/usr/bin/env bash
# `make test`: set up, static checks, a fresh test database with every suite module, then one
# pytest run: each module's tests (pytest-odoo, browser tours through --odoo-http) followed by the
# end-to-end tests in tests/ against a live Odoo server on the same database.
#   --module NAME   only that module's tests, on the existing test database (no reinstall)
source "$(dirname "$0")/setup.sh"
cd "$ROOT"

only_module=""
if [ "${1:-}" = "--module" ]; then
  only_module="${2:?usage: make test-module MODULE=distribution_base}"
fi

if [ -z "$only_module" ]; then
  bash scripts/lint.sh

  log "Creating a fresh test database $TEST_DB with $SUITE_MODULES"
  dropdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER_ODOO" --if-exists "$TEST_DB"
  rm -rf "${HOME}/.local/share/Odoo/filestore/$TEST_DB"
  install_log="$ROOT/.install.log"
  odoo_bin -d "$TEST_DB" -i "$SUITE_MODULES" --stop-after-init --log-level=warn \
    --logfile="$install_log" || { tail -50 "$install_log"; die "Installing the suite failed."; }
  if grep -E " (ERROR|CRITICAL) " "$install_log"; then
    die "Installing the suite logged errors (full log: $install_log)."
  fi
  for module in ${SUITE_MODULES//,/ }; do
    db_has_module "$TEST_DB" "$module" || die "$module is not installed in $TEST_DB (log: $install_log)."
  done
  targets=()
  for module in ${SUITE_MODULES//,/ }; do
    [ -d "addons/$module/tests" ] && targets+=("addons/$module/tests")
    [ -d "$module/tests" ] && targets+=("$module/tests")
  done
  targets+=(tests)
else
  db_has_module "$TEST_DB" "$only_module" || die "$only_module is not installed in $TEST_DB: run make test once first."
  targets=()
  for dir in "addons/$only_module/tests" "$only_module/tests"; do [ -d "$dir" ] && targets+=("$dir"); done
  [ ${#targets[@]} -gt 0 ] || die "No tests found for module $only_module."
fi

log "Running the tests"
export DC_EXPECT_ALL_TOURS=1 DC_ODOO_DB="$TEST_DB" DC_ADDONS_PATH="$(addons_path)"
"$PY" -m pytest "${targets[@]}" \
  --odoo-config="$ROOT/odoo.conf" --odoo-database="$TEST_DB" --odoo-addons-path="$(addons_path)" \
  --odoo-http --odoo-log-level=warn \
  --odoo-extra="db_host=$PGHOST" --odoo-extra="db_port=$PGPORT" \
  --odoo-extra="db_user=$PGUSER_ODOO" --odoo-extra="db_password=$PGPASSWORD_ODOO"
