#!/usr/bin/env bash
# `make clean`: drop the demo and test databases (and their filestores) and the virtualenv.
source "$(dirname "$0")/common.sh"
export PGPASSWORD="$PGPASSWORD_ODOO"
for db in "$DEMO_DB" "$TEST_DB"; do
  if db_exists "$db"; then
    log "Dropping database $db"
    dropdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER_ODOO" "$db"
  fi
  rm -rf "${HOME}/.local/share/Odoo/filestore/$db"
done
log "Removing $VENV"
rm -rf "$VENV"
