#!/usr/bin/env bash
# Regenerates the bundled demo city in data/guiyang/ from its sources, in order:
#   1. city.geojson, districts.geojson: the AMap outlines, GCJ-02 -> WGS84 (make.py);
#   2. population.tif: the GENERATED people-per-pixel raster (synth-population, seed 1);
#   3. partition.geojson.gz: townships (real names, townships.csv), villages and the
#      5,906 cells, built by `citygrid build` from 1 and 2.
# Every step is deterministic: a run on an unchanged checkout changes no bytes.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -j2 --release -p citygrid -p citygrid-tests --bins
python3 data/guiyang/make.py target/release/citygrid
target/release/synth-population data/guiyang/districts.geojson data/guiyang/population.tif --seed 1 --pixel-deg 0.002 >/dev/null
target/release/citygrid build \
    --city data/guiyang/city.geojson \
    --units data/guiyang/districts.geojson \
    --township-names data/guiyang/townships.csv \
    --weights data/guiyang/population.tif --people-per-household 2.5 \
    --cells 5906 \
    -o data/guiyang/partition.geojson.gz
