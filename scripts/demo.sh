#!/usr/bin/env bash
# The main job on the bundled city: build citygrid, check the bundled Guiyang
# partition (10 real districts, 146 townships, 1,341 villages, 5,906 cells; see
# data/guiyang/SOURCE.md) against the real city outline, then serve it on
# http://127.0.0.1:8080 (API page at /docs) until Ctrl-C, through the store
# `citygrid serve` makes of it on first run (target/citygrid/guiyang.gpkg): what is
# committed to that store later is served within a second.
# `make data` regenerates the partition from its sources.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -j2 --release -p citygrid
scripts/viewer.sh
target/release/citygrid check data/guiyang/partition.geojson.gz --boundary data/guiyang/city.geojson
echo "serving Guiyang's 5,906 cells: the viewer at http://127.0.0.1:8080/, the API at /docs"
exec target/release/citygrid -v serve
