#!/usr/bin/env bash
# Makes sure a PostgreSQL server answers and holds Attestry's database, then prints the admin
# connection URL on stdout (one line, nothing else).
#
# - DATABASE_URL set: that server is used as it is (it must exist and accept the URL's role,
#   which needs CREATEROLE for the service roles); nothing is installed or started.
# - Otherwise the local Debian cluster: installs Debian's `postgresql` package when it is missing
#   (root on Debian only), creates the cluster if there is none, starts it with pg_ctlcluster,
#   then, as the postgres OS user (peer auth: root cannot connect as postgres directly), creates
#   the role <db>_admin (LOGIN CREATEROLE CREATEDB, password kept in $ATTESTRY_HOME/secrets, mode 0600)
#   and the database <db> owned by it. Idempotent.
#
# Environment: DATABASE_URL, ATTESTRY_DB_NAME (default attestry), ATTESTRY_HOME (default <repo>/.attestry),
# ATTESTRY_DB_RECREATE=1 (drop the local database first: the test runner starts from nothing).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HOME_DIR="${ATTESTRY_HOME:-$ROOT/.attestry}"
DB="${ATTESTRY_DB_NAME:-attestry}"
log() { printf 'postgres: %s\n' "$*" >&2; }

if [ -n "${DATABASE_URL:-}" ]; then
  if command -v psql >/dev/null; then
    psql "$DATABASE_URL" -XAtqc 'select 1' >/dev/null || { log "DATABASE_URL does not answer"; exit 1; }
  fi
  printf '%s\n' "$DATABASE_URL"
  exit 0
fi

[[ "$DB" =~ ^[a-z_][a-z0-9_]{0,40}$ ]] || { log "ATTESTRY_DB_NAME must match ^[a-z_][a-z0-9_]*$"; exit 1; }

if ! command -v pg_ctlcluster >/dev/null || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  if [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ]; then
    log "installing Debian's postgresql package"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
  else
    log "no PostgreSQL server here: install one, or set DATABASE_URL to an existing server"
    exit 1
  fi
fi

VER="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
if ! pg_lsclusters -h | awk -v v="$VER" '$1==v && $2=="main"' | grep -q .; then
  log "creating cluster $VER/main"
  pg_createcluster "$VER" main >&2
fi
if ! pg_lsclusters -h | awk -v v="$VER" '$1==v && $2=="main" && $4=="online"' | grep -q .; then
  log "starting cluster $VER/main"
  pg_ctlcluster "$VER" main start >&2
  # Remembered so that `attestry down` stops only a server this project started.
  mkdir -p "$HOME_DIR/run"; echo "$VER" >"$HOME_DIR/run/postgres.started"
fi
PORT="$(pg_lsclusters -h | awk -v v="$VER" '$1==v && $2=="main" {print $3}')"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- psql -p "$PORT" -XAtq -v ON_ERROR_STOP=1 "$@"
  else sudo -n -u postgres psql -p "$PORT" -XAtq -v ON_ERROR_STOP=1 "$@"; fi
}
for _ in $(seq 1 60); do as_postgres -c 'select 1' >/dev/null 2>&1 && break; sleep 0.5; done

mkdir -p "$HOME_DIR/secrets"; chmod 700 "$HOME_DIR/secrets"
PWFILE="$HOME_DIR/secrets/postgres-admin.password"
if [ ! -s "$PWFILE" ]; then
  (umask 077; node -e "process.stdout.write(require('crypto').randomBytes(24).toString('hex'))" >"$PWFILE")
fi
PW="$(cat "$PWFILE")"
ADMIN="${DB}_admin"

if [ "${ATTESTRY_DB_RECREATE:-}" = 1 ]; then
  as_postgres -v db="$DB" <<'SQL' >&2
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db') \gexec
SQL
fi

as_postgres -v admin="$ADMIN" -v pw="$PW" -v db="$DB" <<'SQL' >&2
SELECT format('CREATE ROLE %I LOGIN CREATEROLE CREATEDB', :'admin')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'admin') \gexec
SELECT format('ALTER ROLE %I WITH LOGIN CREATEROLE CREATEDB PASSWORD %L', :'admin', :'pw') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'admin')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', :'db') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'db', :'admin') \gexec
-- Lets the admin end its own service roles' sessions (DROP DATABASE ... WITH (FORCE) on a test or
-- replay database, an operator stopping a stuck query); never a superuser's.
SELECT format('GRANT pg_signal_backend TO %I', :'admin') \gexec
SQL
printf 'postgres://%s:%s@127.0.0.1:%s/%s\n' "$ADMIN" "$PW" "$PORT" "$DB"
