#!/usr/bin/env bash
# Proves that martin (the maintained Rust tile server, maplibre/martin) serves the
# archives `citygrid export tiles` writes with the very tiles citygrid serves: exports
# the bundled Guiyang to PMTiles and MBTiles, serves both with martin and the
# partition with `citygrid serve`, and runs benches/martin/compare.py, which compares
# martin's catalog and TileJSON with citygrid's and the MVT bytes of every tile z0-z11
# and a sample z12-z16 (see its docstring). Exits non-zero on any mismatch.
#
# The archives go up to zoom 16, the server's top zoom: the archive's top zoom is
# simplified from full detail and each zoom below from the one above, so only a
# z0-z16 archive holds the server's bytes at every zoom (a z0-z14 one differs from
# the server in 2,573 of its 2,600 Guiyang tiles, by design; see `citygrid export
# tiles --help`).
#
# Not part of `make test` or CI: installing martin the first time takes 15-20 min.
# Usage: scripts/martin.sh    (or make martin-check)
# Environment: MARTIN_JOBS (cargo jobs for the martin build, default 2); the build
# keeps its 1.2 GB target dir in target/martin-install (MARTIN_TARGET_DIR overrides) so
# an interrupted install resumes.
set -euo pipefail
cd "$(dirname "$0")/.."

martin_version=1.14.0
if [ "$(martin --version 2>/dev/null || true)" != "martin $martin_version" ]; then
  # martin's default features include its style renderer, whose build clones from
  # the internet; the file sources need only these. Takes ~15-20 min on 2 cores.
  echo "installing martin $martin_version (cargo install, ~15-20 min)"
  CARGO_TARGET_DIR=${MARTIN_TARGET_DIR:-target/martin-install} \
    cargo install "martin@$martin_version" --locked --no-default-features \
    --features mbtiles,pmtiles -j "${MARTIN_JOBS:-2}"
fi
scripts/setup.sh # Python packages of tests/requirements.txt (mapbox-vector-tile)
cargo build -j2 --release -p citygrid
citygrid=target/release/citygrid
partition=data/guiyang/partition.geojson.gz

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The source ids martin gives the archives are their file stems.
for format in pmtiles mbtiles; do
  "$citygrid" export tiles --format "$format" --minzoom 0 --maxzoom 16 \
    --partition "$partition" "$work/guiyang-$format.$format" \
    >"$work/export-$format.txt"
  head -n 1 "$work/export-$format.txt"
done

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_for() { # URL PID NAME LOG: until URL answers 200, or the server died
  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$1" && return 0
    kill -0 "$2" 2>/dev/null || { echo "$3 exited:" >&2; cat "$4" >&2; return 1; }
    sleep 0.2
  done
  echo "$3 did not answer $1 within 60 s:" >&2
  cat "$4" >&2
  return 1
}

citygrid_port=$(free_port)
"$citygrid" serve --partition "$partition" --bind "127.0.0.1:$citygrid_port" >"$work/citygrid.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$citygrid_port/readyz" "${pids[-1]}" citygrid "$work/citygrid.log"

martin_port=$(free_port)
RUST_LOG_FORMAT=bare martin --listen-addresses "127.0.0.1:$martin_port" \
  "$work/guiyang-pmtiles.pmtiles" "$work/guiyang-mbtiles.mbtiles" >"$work/martin.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$martin_port/health" "${pids[-1]}" martin "$work/martin.log"

echo "$(martin --version) on 127.0.0.1:$martin_port, citygrid $("$citygrid" --version | cut -d' ' -f2) on 127.0.0.1:$citygrid_port"
python3 benches/martin/compare.py "http://127.0.0.1:$citygrid_port" "http://127.0.0.1:$martin_port" \
  guiyang-pmtiles guiyang-mbtiles --mbtiles "$work/guiyang-mbtiles.mbtiles"
# martin's warnings and errors, less the one about PMTiles over http:// URLs (we
# serve local files, its default does not matter here).
if grep -E 'WARN|ERROR' "$work/martin.log" | grep -v 'pmtiles.allow_http'; then
  echo "(martin's log above)"
fi
