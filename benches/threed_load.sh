#!/usr/bin/env bash
# GET /v1/cells/{code}/3dtiles/{name}/tileset.json under wrk on the bundled Guiyang with
# the demo's GENERATED tileset (85 tiles over 69 cells of central Nanming): release
# build, a fresh store in target/bench-data, loopback, 2 threads, 16 connections,
# every run bounded. Each cell's subset is written once per version and then sent
# from the cache: (a) the covered cells at random; (b) the same with If-None-Match
# (304s, what a client that has it sees). Target (issue 15): p99 < 10 ms.
# Usage: benches/threed_load.sh [seconds per run, default 15]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build -j2 --release -p citygrid
dir=target/bench-data/threed; mkdir -p "$dir"
store=$dir/guiyang.gpkg
if [ ! -f "$store" ]; then
  target/release/citygrid store init "$store" --from data/guiyang/partition.geojson.gz >/dev/null
  target/release/citygrid tileset demo --store "$store" --dir "$dir/tiles" >/dev/null
fi
port=18084
target/release/citygrid serve --store "$store" --bind "127.0.0.1:$port" 2>"$dir/serve.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
base="http://127.0.0.1:$port"
curl -fs "$base/v1/3dtiles/oblique/coverage?level=cell" | python3 -c '
import json, sys
rows = json.load(sys.stdin)["rows"]
for r in rows:
    if r["covered"] > 0:
        print("/v1/cells/" + r["code"] + "/3dtiles/oblique/tileset.json")
' >"$dir/paths.txt"
echo "$(wc -l <"$dir/paths.txt") cells with photography; each subset written once (as the first client would)"
while read -r path; do curl -fs "$base$path" >/dev/null; done <"$dir/paths.txt"
echo "== a covered cell's subset tileset.json at random, 2 threads, 16 connections, ${secs}s"
PATHS=$dir/paths.txt wrk -t2 -c16 -d"${secs}s" --latency -s benches/load/paths_get.lua "$base" | tee "$dir/wrk-subsets.txt"
python3 - "$dir/wrk-subsets.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
p50 = re.search(r"50%\s+([\d.]+\w+)", t).group(1)
p99 = re.search(r"99%\s+([\d.]+\w+)", t).group(1)
print(f"summary: subset tileset.json {rps:,.0f} requests/s, p50 {p50}, p99 {p99}")
PY
