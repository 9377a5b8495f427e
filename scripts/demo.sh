#!/usr/bin/env bash
# The main job on the bundled city: build citygrid and check the real Guiyang
# districts against the city outline. (The server and viewer join this script when
# they exist.)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -j2 --release -p citygrid
target/release/citygrid check data/guiyang/districts.geojson --boundary data/guiyang/city.geojson
