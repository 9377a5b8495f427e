#!/usr/bin/env bash
# Installs what builds and tests need on a fresh Debian machine with Rust, Python and
# Node (the project's machine image). Safe to run again: it skips what is there.
# (The web viewer's npm packages are installed by scripts/viewer.sh.)
set -euo pipefail
cd "$(dirname "$0")/.."

# Python packages for the independent implementations the tests compare against
# (GEOS via shapely, PROJ via pyproj, GDAL via rasterio and pyogrio, eviltransform, the
# mapbox-vector-tile decoder) and pytest to run them.
if ! python3 -c 'import shapely, pyproj, pyogrio, eviltransform, mapbox_vector_tile, pytest, schemathesis, rasterio' 2>/dev/null; then
  python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r tests/requirements.txt
fi

# Headless Chromium for the web viewer's end-to-end tests, and a font with Chinese
# characters for the map's labels (the viewer draws text with the system's fonts).
if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "wenquanyi micro hei"; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-wqy-microhei >/dev/null
fi
