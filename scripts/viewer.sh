#!/usr/bin/env bash
# Builds the web viewer: web-viewer/ -> web-viewer/dist, which `citygrid serve`
# serves at /. Installs its npm packages (npm ci, from package-lock.json) when
# they are missing or older than the lock file, then bundles with esbuild.
set -euo pipefail
cd "$(dirname "$0")/../web-viewer"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
node build.mjs
