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
fill_store() { target/release/citygrid tileset demo --store "$store" --dir "$dir/tiles" >/dev/null; }
# shellcheck source=benches/load/store_server.sh
. benches/load/store_server.sh threed 18084
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
