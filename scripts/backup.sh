#!/usr/bin/env bash
# `make backup`: back up the configured database (DATABASE_URL, or the demo's SQLite var/binhdan.sqlite3)
# to var/backups/<timestamp>-<name>.sqlite3 or .pgdump, and print the file's path. See docs/backups.md.
set -euo pipefail
cd "$(dirname "$0")/.."
# The settings need a SECRET_KEY when DEBUG is off: the one `make demo` made, unless one is given.
if [ -z "${SECRET_KEY:-}" ] && [ -f var/secret_key ]; then SECRET_KEY="$(cat var/secret_key)"; fi
export SECRET_KEY="${SECRET_KEY:-}" DEBUG="${DEBUG:-0}"
exec .venv/bin/python manage.py backup_db "$@"
