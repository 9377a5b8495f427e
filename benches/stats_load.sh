#!/usr/bin/env bash
# GET /v1/stats under wrk on the bundled Guiyang with its GENERATED demo layers
# (houses 270,783 points, people 300,000, legal persons 80,000, facilities 17,300,
# events 150,000, the population raster): release build, a fresh store in
# target/bench-data, loopback, 2 threads, 16 connections, every run bounded.
#   a. every cell of one layer (5,906 rows, about 1 MB of JSON), the six layers at
#      random: answered from the rendered-table cache after the first of each;
#   b. uncached: events of every cell in a one-week window starting on a random
#      day of the year (365 distinct questions, each computed once and then kept):
#      the first pass computes, so the run starts cold;
#   c. the same as (b) with the cache out of the way: a distinct window per
#      request (minute offsets), every answer computed: the worst case.
# Target (issue 14): /v1/stats for all 5,906 cells p99 < 20 ms.
# Usage: benches/stats_load.sh [seconds per run, default 15]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
fill_store() { target/release/citygrid layer demo --store "$store" --dir "$dir/layers" >/dev/null; }
# shellcheck source=benches/load/store_server.sh
. benches/load/store_server.sh stats 18083
for l in houses people legal_persons facilities events population; do
  echo "layer=$l&level=cell"
done >"$dir/all-cells.txt"
python3 - "$dir" <<'PY'
import datetime, sys
d = sys.argv[1]
start = datetime.date(2025, 12, 1)
with open(f"{d}/weeks.txt", "w") as f:
    for i in range(365):
        a = start + datetime.timedelta(days=i)
        f.write(f"layer=events&level=cell&from={a}&to={a + datetime.timedelta(days=7)}\n")
with open(f"{d}/minutes.txt", "w") as f:
    for i in range(200_000):
        a = datetime.datetime(2025, 12, 1) + datetime.timedelta(minutes=i)
        f.write(f"layer=events&level=cell&from={a:%Y-%m-%dT%H:%M:%SZ}&to=2026-12-01\n")
PY
run() {  # label, queries file
  echo "== $1, 2 threads, 16 connections, ${secs}s"
  QUERIES=$2 wrk -t2 -c16 -d"${secs}s" --latency -s benches/load/stats_get.lua "$base" | tee "$dir/wrk-$3.txt"
}
run "every cell of one of six layers (cached after the first)" "$dir/all-cells.txt" cached
run "events of every cell in a week from a random day (365 questions)" "$dir/weeks.txt" weeks
run "events of every cell from a distinct minute (every answer computed)" "$dir/minutes.txt" computed
python3 - "$dir" <<'PY'
import re, sys
for name in ["cached", "weeks", "computed"]:
    t = open(f"{sys.argv[1]}/wrk-{name}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    p50 = re.search(r"50%\s+([\d.]+\w+)", t).group(1)
    p99 = re.search(r"99%\s+([\d.]+\w+)", t).group(1)
    print(f"summary: {name}: {rps:,.0f} requests/s, p50 {p50}, p99 {p99}")
PY
