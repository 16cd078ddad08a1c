#!/usr/bin/env bash
# Serve binhdan with a task worker (and its sweeper: lost or orphaned jobs are re-run) beside the web server;
# stopping one stops both.
set -euo pipefail
port="${1:-8000}"
cd "$(dirname "$0")/.."
.venv/bin/python manage.py jobs_worker &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
exec_server() {
  .venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:${port}" --workers 2 --threads 4 \
    --access-logfile - --error-logfile - --graceful-timeout 5
}
exec_server
