#!/usr/bin/env bash
# A private PostgreSQL primary and its streaming standby for trying the read replica by hand
# (docs/scaling.md). Never touches the machine's shared PostgreSQL server: both clusters live in
# $REPLICA_DIR (default var/replica) on their own ports, as the `postgres` system user when run as root.
#
#   scripts/replica.sh start     # initdb + migrate the primary, pg_basebackup -R the standby, start both
#   scripts/replica.sh env       # the DATABASE_URL / DATABASE_REPLICA_URL lines to export
#   scripts/replica.sh status    # each cluster's state and the standby's replay lag
#   scripts/replica.sh stop      # stop both (the data stays; `start` again resumes)
#   scripts/replica.sh destroy   # stop and delete both clusters
#
# Then e.g.  eval "$(scripts/replica.sh env)"; DEBUG=1 .venv/bin/python manage.py runserver
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
DIR="$(realpath -m "${REPLICA_DIR:-var/replica}")"
PRIMARY_PORT="${REPLICA_PRIMARY_PORT:-55432}"
STANDBY_PORT="${REPLICA_STANDBY_PORT:-55433}"
DB=binhdan
AS=()
if [ "$(id -u)" = 0 ]; then AS=(runuser -u postgres --); fi

pg() { "${AS[@]}" "$PG_BIN/$1" "${@:2}"; }
url() { echo "postgres://binhdan@127.0.0.1:$1/$DB"; }
running() { [ -f "$DIR/$1/postmaster.pid" ] && pg pg_ctl -D "$DIR/$1" status >/dev/null 2>&1; }
start_one() {
  running "$1" || pg pg_ctl -D "$DIR/$1" -o "-p $2 -k $DIR" -l "$DIR/$1.log" -w start >/dev/null
}

start() {
  mkdir -p "$DIR"
  [ ${#AS[@]} = 0 ] || chown postgres "$DIR"
  if [ ! -d "$DIR/primary" ]; then
    pg initdb -D "$DIR/primary" -U binhdan --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$DIR/primary/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 4
hot_standby = on
max_connections = 60
EOF
    start_one primary "$PRIMARY_PORT"
    pg createdb -h 127.0.0.1 -p "$PRIMARY_PORT" -U binhdan "$DB"
    for command in "migrate -v0" createcachetable; do
      env -u DATABASE_REPLICA_URL DEBUG=1 DATABASE_URL="$(url "$PRIMARY_PORT")" \
        "$ROOT/.venv/bin/python" manage.py $command
    done
  fi
  start_one primary "$PRIMARY_PORT"
  if [ ! -d "$DIR/standby" ]; then
    pg pg_basebackup -h 127.0.0.1 -p "$PRIMARY_PORT" -U binhdan -D "$DIR/standby" -R -X stream -c fast
  fi
  start_one standby "$STANDBY_PORT"
  status
  echo "eval \"\$(scripts/replica.sh env)\" to use them."
}

stop() {
  for name in standby primary; do
    if running "$name"; then pg pg_ctl -D "$DIR/$name" -m fast -w stop >/dev/null; fi
  done
}

status() {
  for name in primary standby; do
    if running "$name"; then echo "$name: running"; else echo "$name: stopped"; fi
  done
  if running standby; then
    "$PG_BIN/psql" "$(url "$STANDBY_PORT")" -qAtc \
      "SELECT 'standby replayed ' || pg_last_wal_replay_lsn() || ', last commit replayed ' ||
              coalesce(round(extract(epoch FROM now() - pg_last_xact_replay_timestamp()))::text, '?') || ' s ago'"
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env)
    echo "export DATABASE_URL=$(url "$PRIMARY_PORT")"
    echo "export DATABASE_REPLICA_URL=$(url "$STANDBY_PORT")"
    ;;
  destroy) stop; rm -rf "$DIR" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
