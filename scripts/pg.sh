#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests, independent of any system cluster.
#   bash scripts/pg.sh start   start it (if not running), create role vt and database vt_test
#   bash scripts/pg.sh url     print its SQLAlchemy URL
#   bash scripts/pg.sh stop    stop it and delete its data
#   bash scripts/pg.sh halt    stop it and keep its data (`start` brings it back: an outage)
# Data and unix socket live in /tmp/vt-pg-$VT_PG_PORT; it listens on 127.0.0.1 only.
# `start` and `url` print only the URL on stdout (as the last line); progress goes to stderr.
# Durability is off (fsync, synchronous_commit): test data only. Needs the `postgresql`
# Debian package (bash scripts/system-deps.sh) and root or the postgres OS user.
set -euo pipefail
cd /  # the postgres user may not be allowed into the caller's folder

port=${VT_PG_PORT:-5439}
dir=/tmp/vt-pg-$port
data=$dir/data
log=$dir/server.log
url="postgresql://vt:vt@127.0.0.1:$port/vt_test"

say() { echo "pg.sh: $*" >&2; }

find_bin() {
  local version
  version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1)
  if [ -z "$version" ] || [ ! -x "/usr/lib/postgresql/$version/bin/initdb" ]; then
    say "PostgreSQL server not installed (no /usr/lib/postgresql/*/bin/initdb)."
    say "Run: bash scripts/system-deps.sh"
    exit 1
  fi
  bin=/usr/lib/postgresql/$version/bin
}

as_postgres() {  # initdb and the server refuse to run as root
  if [ "$(id -un)" = postgres ]; then
    "$@"
  elif [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    say "run this as root or as the postgres OS user"
    exit 1
  fi
}

running() {
  [ -f "$data/postmaster.pid" ] && as_postgres "$bin/pg_ctl" status -D "$data" >/dev/null 2>&1
}

psql_admin() {
  as_postgres "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d postgres "$@"
}

start() {
  find_bin
  if running; then
    say "already running on 127.0.0.1:$port ($dir)"
    echo "$url"
    return
  fi
  if [ -d "$data" ] && [ ! -f "$data/PG_VERSION" ]; then
    rm -rf "$data"  # a half-made cluster from an interrupted start
  fi
  if [ ! -d "$data" ]; then
    say "initdb $data"
    mkdir -p "$dir"
    chown postgres: "$dir" 2>/dev/null || true
    chmod 700 "$dir"
    as_postgres "$bin/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
      >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    # Unix socket (owner only, in a 0700 folder): trust for the admin. TCP: passwords.
    cat >"$data/pg_hba.conf" <<'EOF'
local all postgres        trust
host  all all 127.0.0.1/32 scram-sha-256
EOF
    chown postgres: "$data/pg_hba.conf" 2>/dev/null || true
  fi
  say "starting on 127.0.0.1:$port"
  local options="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir"
  options+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if ! as_postgres "$bin/pg_ctl" start -D "$data" -l "$log" -w -t 60 -o "$options" >&2; then
    tail -n 20 "$log" >&2 || true
    say "could not start PostgreSQL (is port $port taken? set VT_PG_PORT)"
    exit 1
  fi
  psql_admin <<'EOF'
SELECT 'CREATE ROLE vt LOGIN PASSWORD ''vt'''
  WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vt') \gexec
SELECT 'CREATE DATABASE vt_test OWNER vt'
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'vt_test') \gexec
EOF
  say "ready: role vt, database vt_test"
  echo "$url"
}

stop() {
  find_bin
  if running; then
    say "stopping 127.0.0.1:$port"
    as_postgres "$bin/pg_ctl" stop -D "$data" -m fast -w -t 30 >/dev/null ||
      as_postgres "$bin/pg_ctl" stop -D "$data" -m immediate -w -t 30 >/dev/null ||
      say "could not stop the server in $data"
  fi
  rm -rf "$dir"
  say "removed $dir"
}

halt() {
  find_bin
  if running; then
    say "halting 127.0.0.1:$port (data kept)"
    as_postgres "$bin/pg_ctl" stop -D "$data" -m fast -w -t 30 >/dev/null
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  halt) halt ;;
  url) echo "$url" ;;
  *) echo "usage: bash scripts/pg.sh start|stop|halt|url" >&2; exit 2 ;;
esac
