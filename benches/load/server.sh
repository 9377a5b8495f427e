# shellcheck shell=bash
# Sourced by the wrk load tests (benches/serve_load.sh, benches/tiles_load.sh), with
# the port as its argument: installs wrk if missing, builds the release binaries,
# makes the Guiyang-sized generated city unless PARTITION names another, and runs
# `citygrid serve` on 127.0.0.1:PORT until the sourcing script exits. Sets `dir`
# (scratch folder), `city` (the partition served) and `port`.
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build -j2 --release -p citygrid -p citygrid-tests --bins
dir=target/bench-data; mkdir -p "$dir"
city=${PARTITION:-$dir/serve-city.geojson}
[ -f "$city" ] || target/release/synth-city "$city" --cells 5900 --vertices 186 --seed 42 --extent-km 90 >/dev/null
port=$1
target/release/citygrid serve --partition "$city" --bind "127.0.0.1:$port" &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
