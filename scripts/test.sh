#!/usr/bin/env bash
# Runs every test: Rust unit, property and integration tests (the PostGIS store's
# against a private PostgreSQL that scripts/postgres.sh starts), the differential
# tests against independent implementations (GEOS, PROJ, GDAL, eviltransform, an MVT
# decoder) in Python, the glTF validator on generated 3D Tiles content, then the web
# viewer end to end in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export CARGO_TERM_COLOR=never
cargo fmt --all --check
cargo clippy -j2 --workspace --all-targets -- -D warnings
# No import cycles between the modules of a crate.
python3 scripts/module_cycles.py
cargo build -j2 --workspace --bins
# A private PostgreSQL with PostGIS (its own port and data folder, removed at the
# end) for the PostGIS store's tests: they read CITYGRID_TEST_POSTGRES, and say
# loudly that they skip PostGIS without it.
trap 'scripts/postgres.sh stop' EXIT
eval "$(scripts/postgres.sh start)"
# Property tests draw the same cases on every run here, so a run fails only for
# a change, not for a new random draw; without it (as locally) they draw new ones,
# and PROPTEST_CASES=200 searches deeper. What a random draw finds becomes a
# named test (see crates/repair/tests/properties.rs).
PROPTEST_RNG_SEED=${PROPTEST_RNG_SEED:-20261128} cargo test -j2 --workspace
# The demo 3D tileset's glb and b3dm content, written by citygrid-synth's tests, through
# the Khronos glTF validator (npm gltf-validator, pinned in tests/gltf).
if [ ! -f tests/gltf/node_modules/.package-lock.json ] || [ tests/gltf/package-lock.json -nt tests/gltf/node_modules/.package-lock.json ]; then
  npm ci --prefix tests/gltf --no-audit --no-fund --loglevel=error
fi
node tests/gltf/validate.mjs "${CARGO_TARGET_DIR:-target}/demo-tileset-test"
# Independent implementations: the fixture must be what they compute today, and
# citygrid must agree with GEOS on generated partitions.
python3 -m pytest -q tests/python
# The web viewer in headless Chromium on the bundled Guiyang (screenshots in
# target/viewer-screenshots/).
scripts/viewer.sh
(cd web-viewer && node --test test/)
