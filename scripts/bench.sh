#!/usr/bin/env bash
# Benchmarks in release mode, each beside its peer tool in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo bench -j2 -p citygrid-benches --bench check -- "$@"
cargo bench -j2 -p citygrid-benches --bench index -- "$@"
# The server under load (wrk from Debian, installed if missing).
benches/serve_load.sh 15
