#!/usr/bin/env bash
# `make restore BACKUP=<file>`: replace the configured database's content (DATABASE_URL, or the demo's
# SQLite var/binhdan.sqlite3) with a backup made by `make backup`, then migrate. Asks for a "có" first
# (skip it with --noinput after the file, or RESTORE_NOINPUT=1 in the environment). Stop the app server
# and the workers before. See docs/backups.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${1:-}" ]; then
  echo "Hãy chỉ tệp sao lưu: make restore BACKUP=var/backups/<tệp> (danh sách: ls var/backups/)" >&2
  exit 2
fi
if [ -z "${SECRET_KEY:-}" ] && [ -f var/secret_key ]; then SECRET_KEY="$(cat var/secret_key)"; fi
export SECRET_KEY="${SECRET_KEY:-}" DEBUG="${DEBUG:-0}"
extra=()
if [ "${RESTORE_NOINPUT:-0}" = 1 ]; then extra=(--noinput); fi
exec .venv/bin/python manage.py restore_db "$@" "${extra[@]}"
