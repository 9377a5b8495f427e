#!/usr/bin/env bash
# The main job on the bundled city: build citygrid, check the real Guiyang districts
# against the city outline, then serve lookups on http://127.0.0.1:8080 (API page at
# /docs) until Ctrl-C.
#
# Guiyang's own cells come with `citygrid build` (not written yet); until then the
# server runs on a generated city of Guiyang's size (5,900 cells), made here.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -j2 --release -p citygrid -p citygrid-tests --bins
scripts/viewer.sh
target/release/citygrid check data/guiyang/districts.geojson --boundary data/guiyang/city.geojson
mkdir -p target/demo
[ -f target/demo/city.geojson ] || target/release/synth-city target/demo/city.geojson --cells 5900 --vertices 40 --seed 42 --extent-km 90 >/dev/null
echo "serving a generated 5,900-cell city: the viewer at http://127.0.0.1:8080/, the API at /docs"
exec target/release/citygrid -v serve --partition target/demo/city.geojson
