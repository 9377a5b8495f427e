#!/usr/bin/env bash
# Load test of cached vector tiles from `citygrid serve` with wrk on a Guiyang-sized
# generated city (5,900 cells): every tile of zooms 12-14 over the city is asked
# once to fill the cache, then wrk asks for them at random (gzip), 2 threads, 64
# connections. Loopback only; every run is bounded in time.
# Usage: benches/tiles_load.sh [seconds, default 15]
#        PARTITION=data/guiyang/partition.geojson.gz benches/tiles_load.sh   (another city)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
# shellcheck source=benches/load/server.sh
. benches/load/server.sh 18081
list=$dir/tiles-z12-z14.txt
python3 - "$port" "$list" <<'PY'
import json, math, sys, urllib.request
port, out = sys.argv[1], sys.argv[2]
tj = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/tiles.json"))
w, s, e, n = tj["bounds"]
def tile(lon, lat, z):
    k = 1 << z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k
    return int((lon + 180) / 360 * k), int(y)
tiles = []
for z in (12, 13, 14):
    (x0, y0), (x1, y1) = tile(w, n, z), tile(e, s, z)
    tiles += [f"{z}/{x}/{y}" for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
for t in tiles:  # fill the cache
    urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{port}/v1/tiles/{t}.mvt",
                                                  headers={"Accept-Encoding": "gzip"})).read()
open(out, "w").write("\n".join(tiles) + "\n")
print(f"{len(tiles)} tiles of zooms 12-14 cached")
PY
echo "== cached GET /v1/tiles/{z}/{x}/{y}.mvt, random tiles of zooms 12-14, gzip, 2 threads, 64 connections, ${secs}s"
TILES=$list wrk -t2 -c64 -d"${secs}s" --latency -s benches/load/tiles_get.lua "http://127.0.0.1:$port" | tee "$dir/wrk-tiles.txt"
curl -fs "http://127.0.0.1:$port/metrics" | grep '^citygrid_tile_cache' || true
python3 - "$dir/wrk-tiles.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p99 = re.search(r"99%\s+([\d.]+\w+)", t).group(1)
mb = re.search(r"Transfer/sec:\s+([\d.]+\w+)", t).group(1)
print(f"summary: cached tiles {rps:,.0f} requests/s, p99 {p99}, {mb}/s")
PY
