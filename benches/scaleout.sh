#!/usr/bin/env bash
# Several servers on one PostGIS database against one server on the embedded store
# (issue 18), on the bundled Guiyang (5,906 cells), release builds, loopback only,
# every run bounded:
#   a. lookups/s: wrk GET /v1/lookup at random points of the city's box, for each
#      setup: one server on the GeoPackage store (the peer), one on PostGIS, and
#      two on PostGIS asked at once (one wrk each, half the connections each;
#      their requests/s summed);
#   b. tiles/s: the same with cached tiles of zooms 12-14 (gzip);
#   c. propagation: EDITS transfers (default 200, EDIT_RATE a second, default 3,
#      out of step with the 5-a-second poll) POSTed to one server; after each 200
#      another client polls the OTHER server until it answers from the new
#      version: p50/p99/max from the 200's arrival.
#      On PostGIS (LISTEN/NOTIFY wakes the other server), and as the peer two
#      servers on one GeoPackage file (the other server polls the head every 200 ms).
# Lookups and tiles are answered from memory whatever the store; the database is
# behind edits, history and start-up only, so (a) and (b) should match and a
# second server on 2 cores adds no CPU: on a real deployment each server has its
# own machine. Everything shares this machine's cores (wrk, servers, PostgreSQL):
# quote figures from a quiet machine.
# Usage: benches/scaleout.sh [seconds per wrk run, default 15]
#        EDITS=400 EDIT_RATE=10 benches/scaleout.sh 10
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
edits=${EDITS:-200}
rate=${EDIT_RATE:-3}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build -j2 --release -p citygrid -p citygrid-benches --bins

tmp=$(mktemp -d)
chmod 755 "$tmp"  # the cluster runs as the postgres user when this runs as root
export CITYGRID_PG_PORT=${CITYGRID_PG_PORT:-55490} CITYGRID_PG_DIR=$tmp/pg
servers=
cleanup() {
  for pid in $servers; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  scripts/postgres.sh stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
started=$(scripts/postgres.sh start)
eval "$started"
psql "$CITYGRID_TEST_POSTGRES" -qc "CREATE DATABASE bench TEMPLATE citygrid_template"
pg=${CITYGRID_TEST_POSTGRES%/postgres}/bench
gpkg=$tmp/guiyang.gpkg
for store in "$gpkg" "$pg"; do
  target/release/citygrid store init "$store" >"$tmp/init.log" 2>&1 || { cat "$tmp/init.log" >&2; exit 1; }
done
token_pg=$(target/release/citygrid token create --store "$pg" --role editor --name bench 2>/dev/null)
token_gpkg=$(target/release/citygrid token create --store "$gpkg" --role editor --name bench 2>/dev/null)

# Starts `citygrid serve` on $1 (a store) and sets `addr` to its address once ready
# (not printed: a command substitution would run it in a subshell, and `servers`
# would not learn of it).
serve() {
  local port
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  target/release/citygrid -v serve --store "$1" --bind "127.0.0.1:$port" >"$tmp/serve-$port.log" 2>&1 &
  servers="$servers $!"
  for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null || { tail -20 "$tmp/serve-$port.log" >&2; exit 1; }
  # Measured once its start-up work is done: every zoom simplified in the background.
  for _ in $(seq 1 600); do grep -q "tile zooms simplified" "$tmp/serve-$port.log" && break; sleep 0.1; done
  addr="127.0.0.1:$port"
}
# Stops every server.
stop_all() {
  for pid in $servers; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  servers=
}

serve "$gpkg"; one_gpkg=$addr
bbox=$(curl -fs "http://$one_gpkg/v1/tiles.json" | python3 -c 'import json, sys; print(",".join(map(str, json.load(sys.stdin)["bounds"])))')
tiles=$tmp/tiles.txt
python3 - "$bbox" "$tiles" <<'PY'
import math, sys
w, s, e, n = map(float, sys.argv[1].split(","))
def tile(lon, lat, z):
    k = 1 << z
    return int((lon + 180) / 360 * k), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k)
out = []
for z in (12, 13, 14):
    (x0, y0), (x1, y1) = tile(w, n, z), tile(e, s, z)
    out += [f"{z}/{x}/{y}" for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
# Asks each of the servers $2... for every tile once (their caches filled).
warm() {
  shift
  for addr in "$@"; do
    sed "s|^|http://$addr/v1/tiles/|; s|$|.mvt|" "$tiles" | xargs -P4 -n50 curl -fs -H 'Accept-Encoding: gzip' >/dev/null
  done
}
# wrk on $2 (lookup or tiles) against the servers $3...: one wrk per server, the
# 64 connections and 2 threads shared out; the summed requests/s into $1.
load() {
  local out=$1 what=$2 script pids= n i=0
  shift 2
  n=$#
  case $what in
    lookup) script=benches/load/lookup_get.lua ;;
    tiles) script=benches/load/tiles_get.lua ;;
  esac
  for addr in "$@"; do
    BBOX=$bbox TILES=$tiles wrk -t$((2 / n)) -c$((64 / n)) -d"${secs}s" --latency -s "$script" "http://$addr" >"$out.$i" &
    pids="$pids $!"; i=$((i + 1))
  done
  for p in $pids; do wait "$p"; done
  python3 - "$out" "$n" <<'PY'
import re, sys
out, n = sys.argv[1], int(sys.argv[2])
rps, p99 = 0.0, []
for i in range(n):
    t = open(f"{out}.{i}").read()
    rps += float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
    p99.append(re.search(r"99%\s+([\d.]+\w+)", t).group(1))
    print(f"  wrk {i + 1} of {n}: {t.split('Requests/sec:')[1].split()[0]} requests/s, {t.split('requests in')[0].split()[-1]} requests")
open(out, "w").write(f"{rps:.0f} {'/'.join(p99)}\n")
PY
}
report() { read -r rps p99 <"$1"; printf '%-44s %10s requests/s   p99 %s\n' "$2" "$rps" "$p99"; }

echo "== a, b: one server on the GeoPackage store (the peer)"
warm x "$one_gpkg"
load "$tmp/gpkg-lookup" lookup "$one_gpkg"; report "$tmp/gpkg-lookup" "lookups, 1 server, GeoPackage"
load "$tmp/gpkg-tiles" tiles "$one_gpkg"; report "$tmp/gpkg-tiles" "tiles, 1 server, GeoPackage"
stop_all

echo "== a, b: servers on PostGIS"
serve "$pg"; pg1=$addr
warm x "$pg1"
load "$tmp/pg1-lookup" lookup "$pg1"; report "$tmp/pg1-lookup" "lookups, 1 server, PostGIS"
load "$tmp/pg1-tiles" tiles "$pg1"; report "$tmp/pg1-tiles" "tiles, 1 server, PostGIS"
serve "$pg"; pg2=$addr
warm x "$pg2"
load "$tmp/pg2-lookup" lookup "$pg1" "$pg2"; report "$tmp/pg2-lookup" "lookups, 2 servers, PostGIS (summed)"
load "$tmp/pg2-tiles" tiles "$pg1" "$pg2"; report "$tmp/pg2-tiles" "tiles, 2 servers, PostGIS (summed)"

echo "== c: a commit through one server, seen through the other ($edits edits, $rate a second)"
target/release/edit-stream "$pg1" "$token_pg" "$edits" "served-on=$pg2" "$rate" | tee "$tmp/prop-pg.txt"
stop_all
serve "$gpkg"; gp1=$addr
serve "$gpkg"; gp2=$addr
target/release/edit-stream "$gp1" "$token_gpkg" "$edits" "served-on=$gp2" "$rate" | tee "$tmp/prop-gpkg.txt"
curl -fs "http://$pg1/metrics" >/dev/null 2>&1 || true
python3 - "$tmp" <<'PY'
import re, sys
d = sys.argv[1]
def result(f):
    line = [l for l in open(f"{d}/{f}") if l.startswith("result ")][-1]
    return dict(kv.split("=", 1) for kv in line.split()[1:])
for name, f in (("PostGIS, LISTEN/NOTIFY", "prop-pg.txt"), ("GeoPackage, polled every 200 ms", "prop-gpkg.txt")):
    r = result(f)
    print(f"propagation ({name}): " + ", ".join(f"{k} {v}" for k, v in r.items() if k not in ("mode", "seconds", "per_s")))
def first(f):
    return open(f"{d}/{f}").read().split()
g, p1, p2 = (float(first(f)[0]) for f in ("gpkg-lookup", "pg1-lookup", "pg2-lookup"))
tg, tp1, tp2 = (float(first(f)[0]) for f in ("gpkg-tiles", "pg1-tiles", "pg2-tiles"))
print(f"summary: lookups/s GeoPackage {g:,.0f}, PostGIS 1 server {p1:,.0f} ({p1 / g:.2f}x), 2 servers {p2:,.0f} ({p2 / g:.2f}x); "
      f"tiles/s GeoPackage {tg:,.0f}, PostGIS 1 server {tp1:,.0f} ({tp1 / tg:.2f}x), 2 servers {tp2:,.0f} ({tp2 / tg:.2f}x)")
PY
