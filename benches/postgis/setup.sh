#!/usr/bin/env bash
# Installs and starts PostgreSQL 15 with PostGIS 3 (Debian packages) and makes a
# `root` role and a `gis` database with PostGIS, for the ST_AsMVT comparison.
# Safe to run again: it skips what is there.
set -euo pipefail
if ! ls /usr/share/postgresql/15/extension/postgis.control >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql postgresql-15-postgis-3 >/dev/null
fi
pg_lsclusters -h | grep -q ' online' || pg_ctlcluster 15 main start
for _ in $(seq 1 50); do su postgres -c "psql -qAtc 'select 1'" >/dev/null 2>&1 && break; sleep 0.2; done
su postgres -c "psql -qAtc \"select 1 from pg_roles where rolname = 'root'\"" | grep -q 1 ||
  su postgres -c "psql -qc 'CREATE ROLE root LOGIN SUPERUSER'"
su postgres -c "psql -qAtc \"select 1 from pg_database where datname = 'gis'\"" | grep -q 1 ||
  su postgres -c "createdb gis"
psql -qd gis -c 'CREATE EXTENSION IF NOT EXISTS postgis' >/dev/null
