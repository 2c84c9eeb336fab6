#!/usr/bin/env bash
# Static checks: ruff (lint + format), pylint-odoo, and the Compose file against its schema.
source "$(dirname "$0")/common.sh"
cd "$ROOT"
modules=(addons/*/)
for dir in */; do [ -f "$dir/__manifest__.py" ] && modules+=("$dir"); done

log "ruff check"
"$VENV/bin/ruff" check .
log "ruff format --check"
"$VENV/bin/ruff" format --check .
log "pylint-odoo (${modules[*]})"
"$VENV/bin/pylint" --rcfile=.pylintrc "${modules[@]%/}"
log "module READMEs are generated from readme/"
"$PY" scripts/gen_module_readme.py --check
log "docker-compose.yml"
"$PY" scripts/check_compose.py
