# binhdan — the two commands are `make run` and `make test`; `make help` lists the rest.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_TEST_URL ?= postgres://binhdan@127.0.0.1:5432/binhdan
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed

.DEFAULT_GOAL := help
.PHONY: help install run serve test test-sqlite test-postgres browser-deps report-deps prod-deps quality security sbom format bench bench-sync bench-import bench-reports bench-load demo prod prod-stop backup restore

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | column -t -s $$'\t'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $(NPM_STAMP)

install: $(STAMP) $(NPM_STAMP)  ## create .venv and install Python and npm packages (reuses what exists)

browser-deps:  ## install Debian's chromium for the browser tests (apt-get, as root or with sudo)
	@if [ ! -x /usr/bin/chromium ]; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-core >/dev/null; \
	fi
	@/usr/bin/chromium --version

# Reports: headless LibreOffice turns the DOCX into PDF; Liberation 2 / Croscore are metric-compatible with
# Times New Roman and cover every Vietnamese letter (the old fonts-liberation lacks most); poppler-utils gives
# pdffonts, pdftotext and pdftoppm for the tests and the page images.
REPORT_PACKAGES := libreoffice-writer-nogui fonts-liberation2 fonts-croscore poppler-utils
report-deps:  ## install Debian's LibreOffice (writer, no GUI), fonts and poppler for the reports (apt-get, as root or with sudo)
	@if ! command -v soffice >/dev/null || ! command -v pdffonts >/dev/null || ! fc-list | grep -q "Liberation Serif"; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(REPORT_PACKAGES) >/dev/null; \
	fi
	@soffice --version

# The production stack (`make prod`, its smoke test, `make bench-load`): Debian's nginx and pgbouncer.
PROD_PACKAGES := nginx-light pgbouncer
prod-deps:  ## install Debian's nginx and pgbouncer for the production stack (apt-get, as root or with sudo)
	@if [ ! -x /usr/sbin/nginx ] || [ ! -x /usr/sbin/pgbouncer ]; then \
	  SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(PROD_PACKAGES) >/dev/null; \
	  $$SUDO systemctl disable --now nginx pgbouncer >/dev/null 2>&1 || true; \
	  $$SUDO service nginx stop >/dev/null 2>&1 || true; $$SUDO service pgbouncer stop >/dev/null 2>&1 || true; \
	fi
	@/usr/sbin/nginx -v 2>&1; /usr/sbin/pgbouncer --version | head -1

var/secret_key:
	@mkdir -p var
	@$(PYTHON) -c "import secrets; print(secrets.token_urlsafe(50))" > var/secret_key

# The local demo: embedded SQLite under var/, two-factor relaxed (the pages say so), a task worker beside the web server.
DEMO_ENV = DEBUG=0 SECURE_COOKIES=0 TWO_FACTOR_RELAXED=1 SECRET_KEY="$$(cat var/secret_key)"

demo: install report-deps var/secret_key  ## migrate, load the official places and the demo commune (idempotent)
	$(DEMO_ENV) $(PY) manage.py migrate --noinput -v0
	$(DEMO_ENV) $(PY) manage.py createcachetable
	$(DEMO_ENV) $(PY) manage.py load_places
	$(DEMO_ENV) $(PY) manage.py load_demo
	$(DEMO_ENV) $(PY) manage.py collectstatic --noinput -v0

run: demo  ## set everything up and serve the demo at http://127.0.0.1:$(PORT)
	@echo "binhdan: http://127.0.0.1:$(PORT)  (Ctrl+C để dừng)"
	@$(DEMO_ENV) ./scripts/serve.sh $(PORT)

test: install browser-deps report-deps prod-deps  ## run the whole suite on SQLite, and on PostgreSQL when TEST_POSTGRES=1 or DATABASE_URL is PostgreSQL
	@$(MAKE) --no-print-directory test-sqlite
	@if [ "$${TEST_POSTGRES:-0}" = 1 ] || [[ "$${DATABASE_URL:-}" == postgres* ]]; then $(MAKE) --no-print-directory test-postgres; fi

test-sqlite:
	@echo "== test suite on SQLite =="
	env -u DATABASE_URL $(PY) -m pytest -n 2 --dist loadgroup

test-postgres:
	@echo "== test suite on PostgreSQL =="
	@if [ -z "$${DATABASE_URL:-}" ]; then ./scripts/postgres-test-db.sh; fi
	DATABASE_URL="$${DATABASE_URL:-$(PG_TEST_URL)}" $(PY) -m pytest -n 2 --dist loadgroup

quality: install  ## ruff format --check, ruff check, mypy, makemigrations --check
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	DEBUG=1 $(VENV)/bin/mypy binhdan config
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	@$(MAKE) --no-print-directory security

security: install  ## pip-audit (known vulnerabilities in the installed packages) and bandit (the code), with the reasoned exceptions of docs/security.md; writes the SBOM first
	@$(MAKE) --no-print-directory sbom
	./scripts/security-audit.sh

sbom: install  ## var/sbom.cdx.json: CycloneDX 1.5 list of the installed Python packages and the npm packages (package-lock.json)
	$(PY) scripts/sbom.py --output var/sbom.cdx.json

format: install  ## apply ruff format and safe fixes
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install  ## run every benchmark in benchmarks/ and print its figures (bench-dashboard at BENCH_SCALE=0.1 unless set)
	bash scripts/postgres-test-db.sh
	@for script in benchmarks/bench_*.py; do echo "== $$script =="; BENCH_SCALE=$${BENCH_SCALE:-0.1} DEBUG=1 $(PY) $$script || exit 1; done

bench-sync: install  ## sync API on PostgreSQL: batched and single-visit pushes vs COPY (binhdan_bench, made and dropped)
	bash scripts/postgres-test-db.sh
	DEBUG=1 $(PY) benchmarks/bench_sync.py

bench-import: install  ## import a generated 30,000-row resident list on SQLite and PostgreSQL (binhdan_bench_import, made and dropped)
	bash scripts/postgres-test-db.sh
	DEBUG=1 $(PY) benchmarks/bench_import.py

.PHONY: bench-dashboard
bench-dashboard: install  ## dashboards on a synthetic province (PostgreSQL, binhdan_bench_dashboard, made and dropped; BENCH_SCALE=0.1 for a quick run)
	@if [ -z "$${BENCH_DATABASE_URL:-}" ]; then ./scripts/postgres-test-db.sh; fi
	DEBUG=1 $(PY) benchmarks/bench_dashboard.py

bench-reports: install report-deps  ## commune summary DOCX and PDF for the demo commune and a synthetic 30,000-resident commune (PostgreSQL, binhdan_bench_reports, made and dropped)
	bash scripts/postgres-test-db.sh
	DEBUG=1 $(PY) benchmarks/bench_reports.py

prod: install report-deps prod-deps var/secret_key  ## the production stack on this machine: nginx → gunicorn, PostgreSQL via pgbouncer, RQ workers on Redis (`make prod-stop` stops it)
	./scripts/prod.sh up

prod-stop:  ## stop the stack that `make prod` started
	./scripts/prod.sh down

bench-push-cpu: install  ## where a sync push's CPU goes (this process and its PostgreSQL backend), against /healthz (binhdan_bench_cpu, made and dropped)
	bash scripts/postgres-test-db.sh
	DEBUG=1 $(PY) benchmarks/bench_push_cpu.py

.PHONY: bench-me
bench-me: install  ## what GET /api/v1/me costs (this process and its PostgreSQL backend), against /healthz (binhdan_m_bench, made and dropped; BENCH_PROFILE=1 for cProfile)
	bash scripts/postgres-test-db.sh
	DEBUG=1 $(PY) benchmarks/bench_me.py

bench-load: install prod-deps  ## mixed load at 64, 128 and 256 clients against the production stack (throughput, p50/p99 per kind, errors)
	bash scripts/postgres-test-db.sh
	DEBUG=1 $(PY) benchmarks/bench_load.py

backup: install var/secret_key  ## back up the configured database to var/backups/ and print the file's path
	./scripts/backup.sh

restore: install var/secret_key  ## restore BACKUP=<file> into the configured database
	./scripts/restore.sh "$(BACKUP)"
