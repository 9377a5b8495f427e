# shellcheck shell=bash
# Sourced by the wrk load tests on a store (benches/stats_load.sh, threed_load.sh) with
# a name and a port: installs wrk if missing, builds the release binary, makes a store of
# the bundled Guiyang in target/bench-data/NAME once (then runs the sourcing script's
# `fill_store` on it), and serves it on 127.0.0.1:PORT until the script exits. Sets
# `dir`, `store` and `base`.
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build -j2 --release -p citygrid
dir=target/bench-data/$1; mkdir -p "$dir"
store=$dir/guiyang.gpkg
if [ ! -f "$store" ]; then
  target/release/citygrid store init "$store" --from data/guiyang/partition.geojson.gz >/dev/null
  fill_store
fi
port=$2
target/release/citygrid serve --store "$store" --bind "127.0.0.1:$port" 2>"$dir/serve.log" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
base="http://127.0.0.1:$port"
