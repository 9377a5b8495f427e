#!/usr/bin/env bash
# A private PostgreSQL cluster with PostGIS for the tests of the PostGIS store: its own
# data directory, port and socket folder, never the machine's cluster.
#
#   eval "$(scripts/postgres.sh start)"   # installs the packages if missing, starts,
#                                         # prints the export of CITYGRID_TEST_POSTGRES
#   scripts/postgres.sh restart           # stops and starts it (the same data)
#   scripts/postgres.sh halt              # stops it, keeping its data (start again)
#   scripts/postgres.sh stop              # stops it and removes its data
#
# CITYGRID_PG_PORT (default 55432) and CITYGRID_PG_DIR (default
# ${TMPDIR:-/tmp}/citygrid-pg-$PORT) choose the port and the folder. The cluster runs
# as the `postgres` system user when this runs as root (initdb refuses root), with
# fsync off (test data only). The role `citygrid` (password `citygrid-test`) is its
# superuser; the database `citygrid_template` has PostGIS, and each test makes its own
# database from it (`CREATE DATABASE ... TEMPLATE citygrid_template`).
set -euo pipefail
PORT=${CITYGRID_PG_PORT:-55432}
DIR=${CITYGRID_PG_DIR:-${TMPDIR:-/tmp}/citygrid-pg-$PORT}
PASSWORD=citygrid-test
URL="postgres://citygrid:$PASSWORD@127.0.0.1:$PORT/postgres"

install() {
  if ! ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1; then
    echo "installing PostgreSQL and PostGIS (Debian packages)" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-15-postgis-3 >/dev/null
  fi
}

bin() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  echo "$dir/$1"
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

ctl() {
  as_owner "$(bin pg_ctl)" -D "$DIR/data" -l "$DIR/log" -w -t 60 \
    -o "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off" "$@" >&2
}

psql_admin() {
  PGPASSWORD=$PASSWORD "$(bin psql)" -qAtX -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U citygrid "$@"
}

start() {
  install
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres: "$DIR"
    as_owner bash -c "echo '$PASSWORD' > '$DIR/pw'"
    as_owner "$(bin initdb)" -D "$DIR/data" -U citygrid --pwfile="$DIR/pw" \
      --auth-local=scram-sha-256 --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_owner "$(bin pg_ctl)" -D "$DIR/data" status >/dev/null 2>&1 || ctl start
  if [ "$(psql_admin -d postgres -c "SELECT count(*) FROM pg_database WHERE datname = 'citygrid_template'")" = 0 ]; then
    psql_admin -d postgres -c "CREATE DATABASE citygrid_template"
    psql_admin -d citygrid_template -c "CREATE EXTENSION postgis"
  fi
  echo "export CITYGRID_TEST_POSTGRES='$URL'"
}

case "${1:-}" in
  start) start ;;
  restart) ctl restart ;;
  halt) ctl stop -m fast ;;
  stop)
    if [ -f "$DIR/data/PG_VERSION" ]; then
      as_owner "$(bin pg_ctl)" -D "$DIR/data" status >/dev/null 2>&1 && ctl stop -m fast
      rm -rf "$DIR"
    fi
    ;;
  *)
    echo "usage: $0 start|restart|halt|stop" >&2
    exit 2
    ;;
esac
