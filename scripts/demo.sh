#!/usr/bin/env bash
# `make demo`: set up, make sure the demo database has every suite module, then serve Odoo.
source "$(dirname "$0")/setup.sh"

if db_exists "$DEMO_DB" && db_has_module "$DEMO_DB" distribution_demo; then
  # Modules added to the suite since the database was made are installed, the others updated.
  installed=() missing=()
  for module in ${SUITE_MODULES//,/ }; do
    if db_has_module "$DEMO_DB" "$module"; then installed+=("$module"); else missing+=("$module"); fi
  done
  args=(-u "$(IFS=,; echo "${installed[*]}")")
  [ ${#missing[@]} -eq 0 ] || args+=(-i "$(IFS=,; echo "${missing[*]}")")
  log "Updating the suite in the existing database $DEMO_DB ${missing[*]:+(installing ${missing[*]})}"
  odoo_bin -d "$DEMO_DB" "${args[@]}" --stop-after-init --log-level=warn
else
  db_exists "$DEMO_DB" && die "Database $DEMO_DB exists but is not a Distribution Control demo; drop it (make clean) or set DEMO_DB."
  log "Creating the demo database $DEMO_DB with $SUITE_MODULES and demo data (about 3 minutes)"
  odoo_bin -d "$DEMO_DB" -i "$SUITE_MODULES" --stop-after-init --log-level=warn
  db_has_module "$DEMO_DB" distribution_demo || die "Installing the suite into $DEMO_DB failed; see the log above."
fi

log "Serving Odoo on http://localhost:$HTTP_PORT — log in as admin / admin (Ctrl-C stops)"
exec_args=(-d "$DEMO_DB" --db-filter="^${DEMO_DB}\$" --http-port="$HTTP_PORT")
odoo_bin "${exec_args[@]}"
