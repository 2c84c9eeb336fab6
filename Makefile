# Distribution Control — the two commands of the README, and a few helpers.
#   make demo    set up, create/update the demo database, serve Odoo on http://localhost:8069
#   make test    set up, static checks, fresh test database, every test (tours included)
# Odoo 18.0 is found through ODOO_PATH, an importable `odoo`, or /opt/odoo18.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help setup demo test test-module lint bench clean

help:
	@echo "make demo                      set up and serve the demo on http://localhost:8069 (admin/admin)"
	@echo "make test                      set up, run static checks and every test"
	@echo "make test-module MODULE=name   run one module's tests on the existing test database"
	@echo "make lint                      static checks only"
	@echo "make bench                     run the benchmarks in bench/ and print their tables"
	@echo "make clean                     drop the demo and test databases and the virtualenv"

setup:
	@bash scripts/setup.sh

demo:
	@bash scripts/demo.sh

test:
	@bash scripts/test.sh

test-module:
	@bash scripts/test.sh --module "$(MODULE)"

lint:
	@bash scripts/lint.sh

bench:
	@bash scripts/setup.sh && source scripts/common.sh && find_odoo && PGPASSWORD=$$PGPASSWORD_ODOO "$$PY" bench/run.py $(BENCH)

clean:
	@bash scripts/clean.sh
