#!/usr/bin/env bash
# The production stack on this machine: nginx → gunicorn (unix socket) → PostgreSQL (one long-lived
# connection per thread, prepared statements), background job workers on Redis (RQ) through pgbouncer
# (transaction pooling), job state in PostgreSQL. PROD_WEB_DATABASE=pgbouncer puts gunicorn behind
# pgbouncer too.
#
#   scripts/prod.sh up       set up the database and start whatever is not running (idempotent); prints the URL
#   scripts/prod.sh down     stop everything `up` started (by pid; PostgreSQL and Redis are the machine's, untouched)
#   scripts/prod.sh status   what runs, and the health check's answer
#
# Every runtime file (rendered configs, pid files, logs, the socket) lives under $PROD_DIR. The variables
# below choose ports and names so that several stacks (make prod, the smoke test, a load test) can run
# side by side; docs/deployment.md and docs/configuration.md explain them.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
PY="$ROOT/.venv/bin/python"
TEMPLATES="$ROOT/scripts/prod"

PROD_DIR="${PROD_DIR:-var/prod}"
mkdir -p "$PROD_DIR"
PROD_DIR="$(cd "$PROD_DIR" && pwd)"
export PROD_DIR
export PROD_PORT="${PROD_PORT:-8080}"
export PROD_PGBOUNCER_PORT="${PROD_PGBOUNCER_PORT:-6433}"
export PROD_DB="${PROD_DB:-binhdan_prod}"
export PROD_PG_HOST="${PROD_PG_HOST:-127.0.0.1}"
export PROD_PG_PORT="${PROD_PG_PORT:-5432}"
export PROD_PG_USER="${PROD_PG_USER:-binhdan}"
export PROD_REDIS_URL="${PROD_REDIS_URL:-redis://127.0.0.1:6379/0}"
export PROD_JOBS_QUEUE="${PROD_JOBS_QUEUE:-binhdan_prod}"
PROD_JOB_WORKERS="${PROD_JOB_WORKERS:-2}"
PROD_DEMO="${PROD_DEMO:-1}"
PROD_DEMO_HOUSEHOLDS="${PROD_DEMO_HOUSEHOLDS:-160}"
PROD_SECRET_FILE="${PROD_SECRET_FILE:-$ROOT/var/secret_key}"
PROD_GUNICORN_BIND="${PROD_GUNICORN_BIND:-unix:$PROD_DIR/run/gunicorn.sock}"
NGINX="${NGINX:-/usr/sbin/nginx}"
PGBOUNCER="${PGBOUNCER:-/usr/sbin/pgbouncer}"
# As root, nginx's workers and pgbouncer drop to these users (pgbouncer refuses to run as root).
PROD_NGINX_USER="${PROD_NGINX_USER:-www-data}"
PROD_PGBOUNCER_USER="${PROD_PGBOUNCER_USER:-postgres}"

RUN="$PROD_DIR/run"
LOG="$PROD_DIR/log"
URL="http://127.0.0.1:$PROD_PORT/"
PG_ADMIN_URL="postgres://$PROD_PG_USER@$PROD_PG_HOST:$PROD_PG_PORT/postgres"
DIRECT_URL="postgres://$PROD_PG_USER@$PROD_PG_HOST:$PROD_PG_PORT/$PROD_DB"
POOLED_URL="postgres://$PROD_PG_USER@127.0.0.1:$PROD_PGBOUNCER_PORT/$PROD_DB"
# The web tier: PostgreSQL itself (direct: prepared statements, a pool of workers × threads) or pgbouncer.
PROD_WEB_DATABASE="${PROD_WEB_DATABASE:-direct}"
case "$PROD_WEB_DATABASE" in
  direct) export PROD_WEB_DATABASE_URL="$DIRECT_URL" PROD_WEB_POOLER="" ;;
  pgbouncer) export PROD_WEB_DATABASE_URL="$POOLED_URL" PROD_WEB_POOLER="pgbouncer" ;;
  *) printf 'prod: PROD_WEB_DATABASE is direct or pgbouncer, not %s\n' "$PROD_WEB_DATABASE" >&2; exit 1 ;;
esac
STATIC_ROOT="$ROOT/var/static"  # settings.STATIC_ROOT
IS_ROOT=0
[ "$(id -u)" = 0 ] && IS_ROOT=1

say() { printf "prod: %s (%ss)\n" "$*" "$SECONDS"; }
die() { printf 'prod: %s\n' "$*" >&2; exit 1; }

# --- processes -------------------------------------------------------------------------------------------

pid_of() {  # the pid recorded for a component, if that process still runs
  local file="$RUN/$1.pid" pid
  [ -f "$file" ] || return 1
  pid="$(cat "$file" 2>/dev/null)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

start_bg() {  # start_bg NAME COMMAND…: run in its own session (a process group `down` can stop whole)
  local name="$1"
  shift
  setsid "$@" >>"$LOG/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
}

stop_many() {  # stop_many GRACE NAME…: TERM each one's process group, KILL what is left after GRACE seconds
  local grace="$1" name pid i left
  shift
  local -a names=() pids=()
  for name in "$@"; do
    if pid="$(pid_of "$name")"; then
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      names+=("$name") pids+=("$pid")
    fi
    rm -f "$RUN/$name.pid"
  done
  for ((i = 0; i < grace * 10; i++)); do
    left=0
    for pid in "${pids[@]}"; do kill -0 -- "-$pid" 2>/dev/null && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if kill -0 -- "-${pids[$i]}" 2>/dev/null; then
      say "${names[$i]} did not stop in ${grace}s: killed"
      kill -KILL -- "-${pids[$i]}" 2>/dev/null || true
    fi
    say "stopped ${names[$i]} (pid ${pids[$i]})"
  done
}

wait_for() {  # wait_for NAME SECONDS COMMAND…: until the command succeeds; fails at once if NAME's process died
  local what="$1" seconds="$2" i
  shift 2
  for ((i = 0; i < seconds * 10; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    if [ -f "$RUN/$what.pid" ] && ! pid_of "$what" >/dev/null; then
      tail -n 20 "$LOG/$what.log" >&2 2>/dev/null || true
      die "$what exited while starting (log: $LOG/$what.log)"
    fi
    sleep 0.1
  done
  die "$what did not come up in ${seconds}s (logs: $LOG)"
}

worker_names() {
  local i
  for ((i = 1; i <= PROD_JOB_WORKERS; i++)); do echo "jobs-$i"; done
}

components() { echo pgbouncer gunicorn $(worker_names) nginx; }

# --- configuration ---------------------------------------------------------------------------------------

render() {  # render TEMPLATE OUTPUT: @@NAME@@ → $NAME (an unknown name is an error, never an empty value)
  "$PY" - "$1" "$2" <<'EOF'
import os, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
def value(match):
    name = match.group(1)
    if name not in os.environ:
        sys.exit(f"prod: {sys.argv[1]} needs {name}")
    return os.environ[name]
open(sys.argv[2], "w", encoding="utf-8").write(re.sub(r"@@([A-Z0-9_]+)@@", value, text))
EOF
}

jobs_command() {  # helper E's worker (RQ worker + sweeper) once it exists; the database queue before that
  if compgen -G "$ROOT/binhdan/*/management/commands/jobs_worker.py" >/dev/null; then
    echo "jobs_worker"
  else
    echo "db_worker"
  fi
}

render_configs() {
  mkdir -p "$RUN" "$LOG" "$PROD_DIR/nginx/tmp" "$PROD_DIR/nginx/html" "$PROD_DIR/pgbouncer"
  if [ "$(jobs_command)" = jobs_worker ]; then
    export PROD_TASKS_BACKEND="django_tasks_rq.RQBackend"
  else
    export PROD_TASKS_BACKEND="django_tasks_db.DatabaseBackend"
  fi
  export NGINX_UPSTREAM="$PROD_GUNICORN_BIND"  # `unix:/path` or `host:port`, as nginx writes them too
  export STATIC_ROOT
  if [ "$IS_ROOT" = 1 ]; then
    export NGINX_USER_LINE="user $PROD_NGINX_USER;"
    export PGBOUNCER_USER_LINE="user = $PROD_PGBOUNCER_USER"
  else
    export NGINX_USER_LINE="" PGBOUNCER_USER_LINE=""
  fi
  render "$TEMPLATES/binhdan.env" "$PROD_DIR/binhdan.env"
  render "$TEMPLATES/nginx.conf" "$PROD_DIR/nginx/nginx.conf"
  render "$TEMPLATES/proxy.conf" "$PROD_DIR/nginx/proxy.conf"
  cp "$TEMPLATES/50x.html" "$PROD_DIR/nginx/html/50x.html"
  render "$TEMPLATES/pgbouncer.ini" "$PROD_DIR/pgbouncer/pgbouncer.ini"
  render "$TEMPLATES/userlist.txt" "$PROD_DIR/pgbouncer/userlist.txt"
  chmod 600 "$PROD_DIR/binhdan.env"
  if [ "$IS_ROOT" = 1 ]; then
    # nginx's workers read the static files, write their temp files and reach the gunicorn socket; pgbouncer,
    # once it has dropped root, writes its log and pid file. Nothing else is opened to them.
    chmod 755 "$PROD_DIR" "$PROD_DIR/nginx" "$PROD_DIR/nginx/html"
    chown -R "$PROD_NGINX_USER" "$PROD_DIR/nginx/tmp"
    chgrp "$(id -gn "$PROD_NGINX_USER")" "$RUN" && chmod 2750 "$RUN"
    chown -R "$PROD_PGBOUNCER_USER" "$PROD_DIR/pgbouncer"
    chmod 700 "$PROD_DIR/pgbouncer"
    if command -v runuser >/dev/null; then
      runuser -u "$PROD_NGINX_USER" -- test -x "$PROD_DIR/nginx" \
        || die "nginx's user $PROD_NGINX_USER cannot enter $PROD_DIR (a parent directory is closed to others, like pytest's tmp_path): choose a PROD_DIR under /tmp or var/"
      runuser -u "$PROD_PGBOUNCER_USER" -- test -w "$PROD_DIR/pgbouncer" \
        || die "pgbouncer's user $PROD_PGBOUNCER_USER cannot write $PROD_DIR/pgbouncer"
    fi
  fi
}

app_env() {  # the application's environment: the rendered file and the secret key
  set -a
  # shellcheck disable=SC1091
  . "$PROD_DIR/binhdan.env"
  set +a
  SECRET_KEY="$(cat "$PROD_SECRET_FILE")"
  export SECRET_KEY
  unset DJANGO_SETTINGS_MODULE
}

# --- up / down / status ----------------------------------------------------------------------------------

check_tools() {
  [ -x "$PY" ] || die "no .venv: run make install"
  [ -x "$NGINX" ] || die "no nginx at $NGINX: run make prod-deps"
  [ -x "$PGBOUNCER" ] || die "no pgbouncer at $PGBOUNCER: run make prod-deps"
  psql "$PG_ADMIN_URL" -qAtc "SELECT 1" >/dev/null 2>&1 \
    || die "PostgreSQL is not reachable at $PROD_PG_HOST:$PROD_PG_PORT as $PROD_PG_USER"
  "$PY" -c "import redis, sys; redis.Redis.from_url(sys.argv[1], socket_timeout=2).ping()" "$PROD_REDIS_URL" \
    2>/dev/null || die "Redis is not reachable at $PROD_REDIS_URL"
}

ensure_secret() {
  if [ ! -s "$PROD_SECRET_FILE" ]; then
    mkdir -p "$(dirname "$PROD_SECRET_FILE")"
    (umask 077 && "$PY" -c "import secrets; print(secrets.token_urlsafe(50))" >"$PROD_SECRET_FILE")
  fi
}

ensure_database() {
  if [ -z "$(psql "$PG_ADMIN_URL" -qAtc "SELECT 1 FROM pg_database WHERE datname = '$PROD_DB'")" ]; then
    psql "$PG_ADMIN_URL" -qc "CREATE DATABASE \"$PROD_DB\" OWNER \"$PROD_PG_USER\""
    say "created database $PROD_DB"
  fi
}

set_up_app() {  # against PostgreSQL itself, not through the pooler (migrations hold locks across statements)
  local setup="$LOG/setup.log" before
  before=$( (wc -l <"$setup") 2>/dev/null || echo 0)
  say "migrate, cache table, static files, places$([ "$PROD_DEMO" = 1 ] && echo ", demo commune") (log: $setup)"
  (app_env && export PROD_DEMO PROD_DEMO_HOUSEHOLDS && DATABASE_URL="$DIRECT_URL" DATABASE_POOLER="" \
    "$PY" "$TEMPLATES/setup.py") >>"$setup" 2>&1 || die "setup failed: see $setup"
  # (setup's warnings of this run, on the terminal too: a server without autovacuum)
  tail -n +"$((before + 1))" "$setup" | grep '^prod setup: WARNING' >&2 || true
}

gunicorn_health() {
  case "$PROD_GUNICORN_BIND" in
    unix:*) curl -fsS --max-time 2 --unix-socket "${PROD_GUNICORN_BIND#unix:}" -H "Host: 127.0.0.1" http://127.0.0.1/healthz ;;
    *) curl -fsS --max-time 2 "http://$PROD_GUNICORN_BIND/healthz" ;;
  esac
}

nginx_health() { curl -fsS --max-time 2 "${URL}healthz"; }

pgbouncer_up() { psql "postgres://$PROD_PG_USER@127.0.0.1:$PROD_PGBOUNCER_PORT/$PROD_DB" -qAtc "SELECT 1"; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

start_pgbouncer() {
  pid_of pgbouncer >/dev/null && return 0
  port_free "$PROD_PGBOUNCER_PORT" || die "port $PROD_PGBOUNCER_PORT (PROD_PGBOUNCER_PORT) is taken"
  start_bg pgbouncer "$PGBOUNCER" "$PROD_DIR/pgbouncer/pgbouncer.ini"
  wait_for pgbouncer 30 pgbouncer_up
  say "pgbouncer on 127.0.0.1:$PROD_PGBOUNCER_PORT (transaction pooling) → PostgreSQL $PROD_PG_HOST:$PROD_PG_PORT/$PROD_DB"
}

start_gunicorn() {
  pid_of gunicorn >/dev/null && return 0
  rm -f "$RUN/gunicorn.sock"
  (
    app_env
    export PROD_GUNICORN_BIND PROD_GUNICORN_PIDFILE="$RUN/gunicorn.master.pid" PROD_GUNICORN_ERRORLOG="-" \
      PROD_GUNICORN_CONTROL_SOCKET="$RUN/gunicorn.ctl"
    start_bg gunicorn "$ROOT/.venv/bin/gunicorn" -c "$TEMPLATES/gunicorn.conf.py" config.wsgi:application
  )
  wait_for gunicorn 180 gunicorn_health  # each worker builds the assistant's index
  # The socket is nginx's way in: its group (umask 007 in gunicorn.conf.py leaves owner and group only).
  if [ "$IS_ROOT" = 1 ] && [ -S "$RUN/gunicorn.sock" ]; then chgrp "$(id -gn "$PROD_NGINX_USER")" "$RUN/gunicorn.sock"; fi
  say "gunicorn on $PROD_GUNICORN_BIND"
}

start_workers() {
  local name command
  command="$(jobs_command)"
  [ "$command" = jobs_worker ] || say "manage.py jobs_worker does not exist yet: the job workers run db_worker on the database queue"
  for name in $(worker_names); do
    pid_of "$name" >/dev/null && continue
    # (through pgbouncer: jobs are short transactions in bursts — imports, reports, the rollups' drainer)
    (app_env && export DATABASE_URL="$POOLED_URL" DATABASE_POOLER=pgbouncer && start_bg "$name" "$PY" manage.py "$command")
    say "job worker $name (manage.py $command, queue $PROD_JOBS_QUEUE)"
  done
}

start_nginx() {
  pid_of nginx >/dev/null && return 0
  port_free "$PROD_PORT" || die "port $PROD_PORT (PROD_PORT) is taken"
  "$NGINX" -t -q -c "$PROD_DIR/nginx/nginx.conf" -p "$PROD_DIR/nginx/" >>"$LOG/nginx.log" 2>&1 \
    || die "nginx configuration refused: see $LOG/nginx.log"
  start_bg nginx "$NGINX" -c "$PROD_DIR/nginx/nginx.conf" -p "$PROD_DIR/nginx/"
  wait_for nginx 30 nginx_health
  say "nginx on 127.0.0.1:$PROD_PORT"
}

all_running() {
  local name
  for name in $(components); do pid_of "$name" >/dev/null || return 1; done
}

up() {
  if all_running && nginx_health >/dev/null 2>&1; then
    say "already running: $URL"
    return 0
  fi
  check_tools
  ensure_secret
  render_configs
  ensure_database
  set_up_app
  start_pgbouncer
  start_gunicorn
  start_workers
  start_nginx
  say "binhdan: $URL  (make prod-stop to stop; logs in $LOG)"
  [ "$PROD_DEMO" = 1 ] && say "demo accounts: canbo.sondong, tovien.dongthinh, … (password SonDong@2025; officers need two-factor)"
  return 0
}

down() {
  local -a workers
  mapfile -t workers < <(ls "$RUN" 2>/dev/null | sed -n 's/^\(jobs-[0-9]*\)\.pid$/\1/p')
  # The front first (no new requests), then the app and the job workers together (each finishes what it
  # holds: gunicorn its requests, a job worker its job, within the grace period), the pooler last.
  stop_many 10 nginx
  stop_many 60 gunicorn "${workers[@]}"
  stop_many 10 pgbouncer
  rm -f "$RUN/gunicorn.sock" "$RUN/gunicorn.ctl" "$RUN/gunicorn.master.pid"
}

status() {
  local name pid state=0
  for name in $(components); do
    if pid="$(pid_of "$name")"; then
      printf '  %-10s running  pid %s\n' "$name" "$pid"
    else
      printf '  %-10s stopped\n' "$name"
      state=1
    fi
  done
  if pid_of pgbouncer >/dev/null; then
    psql "postgres://$PROD_PG_USER@127.0.0.1:$PROD_PGBOUNCER_PORT/pgbouncer" -qc "SHOW POOLS" 2>/dev/null \
      | sed -n "1,2p;/ $PROD_DB /p" || true
  fi
  if nginx_health >/dev/null 2>&1; then
    say "healthy: ${URL}healthz answers ok"
  else
    say "not answering at $URL"
    state=1
  fi
  return "$state"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  *) die "usage: $0 up|down|status" ;;
esac
