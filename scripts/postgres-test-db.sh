#!/usr/bin/env bash
# Make sure a local PostgreSQL is up and has the test role and database (idempotent).
# Used by `make test-postgres` (TEST_POSTGRES=1 make test) and by .ci/run, so a fresh machine needs nothing by hand.
set -euo pipefail
HOST=${PGHOST_TEST:-127.0.0.1}
PORT=${PGPORT_TEST:-5432}
ROLE=${PG_TEST_ROLE:-binhdan}

if ! command -v pg_isready >/dev/null; then
  echo "PostgreSQL không có trên máy này (thiếu pg_isready); cài postgresql hoặc đặt DATABASE_URL." >&2
  exit 1
fi
if ! pg_isready -q -h "$HOST" -p "$PORT"; then
  cluster=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "$cluster" ] && command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$cluster" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -q -h "$HOST" -p "$PORT" && break; sleep 1; done
fi
pg_isready -q -h "$HOST" -p "$PORT" || { echo "PostgreSQL at $HOST:$PORT is not accepting connections" >&2; exit 1; }

# The superuser connection: as the postgres OS user when we are root, else the postgres role over TCP.
as_admin() {
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && [ "$HOST" = 127.0.0.1 ]; then
    su postgres -c "psql -p $PORT -v ON_ERROR_STOP=1 -qt $(printf '%q ' "$@")"
  else
    psql -h "$HOST" -p "$PORT" -U postgres -v ON_ERROR_STOP=1 -qt "$@"
  fi
}
as_admin -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$ROLE') THEN CREATE ROLE $ROLE LOGIN CREATEDB; END IF; END \$\$;" >/dev/null
as_admin -c "SELECT 1 FROM pg_database WHERE datname = '$ROLE'" | grep -q 1 \
  || as_admin -c "CREATE DATABASE $ROLE OWNER $ROLE" >/dev/null
# The access matrix asks ~8,000 requests inside one transaction (each in a savepoint) while the other test
# worker runs; PostgreSQL's shared lock table (max_locks_per_transaction × max_connections) must hold both.
# A postmaster setting: raised once with ALTER SYSTEM, then the server is restarted (only when it was lower).
LOCKS=${PG_TEST_MAX_LOCKS:-256}
current=$(as_admin -c "SHOW max_locks_per_transaction" | tr -d '[:space:]')
if [ "${current:-0}" -lt "$LOCKS" ]; then
  as_admin -c "ALTER SYSTEM SET max_locks_per_transaction = $LOCKS" >/dev/null
  cluster=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "$cluster" ] && command -v pg_ctlcluster >/dev/null; then
    pg_ctlcluster --skip-systemctl-redirect "$cluster" main restart
  else
    as_admin -c "SELECT pg_reload_conf()" >/dev/null
    echo "max_locks_per_transaction set to $LOCKS: restart PostgreSQL for it to take effect" >&2
  fi
  for _ in $(seq 1 30); do pg_isready -q -h "$HOST" -p "$PORT" && break; sleep 1; done
fi
echo "PostgreSQL $HOST:$PORT: role and database '$ROLE' ready (max_locks_per_transaction $(as_admin -c 'SHOW max_locks_per_transaction' | tr -d '[:space:]'))"
