#!/usr/bin/env bash
# Installs what builds and tests need on a fresh Debian machine with Rust, Python and
# Node (the project's machine image). Safe to run again: it skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

# Python packages for the independent implementations the tests compare against
# (GEOS via shapely, PROJ via pyproj, GDAL via rasterio and pyogrio, eviltransform, the
# mapbox-vector-tile decoder) and pytest to run them.
if ! python3 -c 'import shapely, pyproj, pyogrio, eviltransform, mapbox_vector_tile, pytest, schemathesis, rasterio' 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r tests/requirements.txt
fi
