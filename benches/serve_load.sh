#!/usr/bin/env bash
# Load test of `citygrid serve` with wrk on a Guiyang-sized generated city (5,900
# cells): single-point GET throughput and latency at saturation, and batch
# throughput with 10,000-point POSTs. Loopback only; every run is bounded in time.
# Usage: benches/serve_load.sh [seconds per run, default 15]
#        PARTITION=data/guiyang/partition.geojson.gz benches/serve_load.sh   (another city)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
# shellcheck source=benches/load/server.sh
. benches/load/server.sh 18080
bbox=$(python3 - "$city" <<'PY'
import gzip, json, sys
opener = gzip.open if sys.argv[1].endswith(".gz") else open
xs, ys = [], []
for f in json.load(opener(sys.argv[1]))["features"]:
    if f["properties"]["level"] == "cell":
        for poly in f["geometry"]["coordinates"]:
            for x, y in poly[0]:
                xs.append(x); ys.append(y)
print(f"{min(xs)},{min(ys)},{max(xs)},{max(ys)}")
PY
)
body=$dir/batch-10000.json
python3 - "$bbox" "$body" <<'PY'
import json, random, sys
minx, miny, maxx, maxy = map(float, sys.argv[1].split(","))
rng = random.Random(7)
pts = [[round(rng.uniform(minx, maxx), 7), round(rng.uniform(miny, maxy), 7)] for _ in range(10000)]
json.dump({"crs": "wgs84", "points": pts}, open(sys.argv[2], "w"))
PY
echo "== single-point GET /v1/lookup, random points in the city's box, 2 threads, 64 connections, ${secs}s"
BBOX=$bbox wrk -t2 -c64 -d"${secs}s" --latency -s benches/load/lookup_get.lua "http://127.0.0.1:$port" | tee $dir/wrk-get.txt
echo "== batch POST /v1/lookup, 10,000 points per request (full answers), 2 threads, 4 connections, ${secs}s"
BODY_FILE=$body wrk -t2 -c4 -d"${secs}s" --latency -s benches/load/lookup_batch.lua "http://127.0.0.1:$port/v1/lookup" | tee $dir/wrk-batch.txt
python3 - "$dir" <<'PY'
import re, sys
d = sys.argv[1]
get = open(f"{d}/wrk-get.txt").read(); batch = open(f"{d}/wrk-batch.txt").read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", get).group(1))
p99 = re.search(r"99%\s+([\d.]+\w+)", get).group(1)
brps = float(re.search(r"Requests/sec:\s+([\d.]+)", batch).group(1))
print(f"summary: GET {rps:,.0f} lookups/s, p99 {p99}; batch {brps * 10000:,.0f} points/s ({brps:.1f} requests/s of 10,000)")
PY
