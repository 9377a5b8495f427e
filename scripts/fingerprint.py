#!/usr/bin/env python3
"""Fingerprints of everything citygrid computes, for refactors that must not change
an answer: one `name sha256` line per output, on fixed inputs.

    scripts/fingerprint.py > before.txt   # on the old commit
    scripts/fingerprint.py > after.txt    # on the new one
    diff before.txt after.txt             # nothing: same answers out

Covers `citygrid build` (the bundled Guiyang from its sources), `check` (text, JSON
and GeoJSON reports on the bundled city, the raw AMap districts and generated cities
with every kind of damage), `fix` (repaired units and reports), `export cells`,
`convert`, `export tiles` (every tile of an MBTiles pyramid, both cities) and point
lookups through the server (a grid of points over the city, every answer).

Uses the release binaries (`cargo build --release -p citygrid -p citygrid-tests
--bins` first, or pass --build). Work files go to target/fingerprint/.
"""

import argparse
import gzip
import hashlib
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / "target" / "release"
WORK = ROOT / "target" / "fingerprint"
KINDS = [
    "move_vertex", "extra_vertex", "remove_cell", "shift_cell", "narrow_gap",
    "bow_tie", "duplicate_code", "bad_code", "sliver", "multipart",
]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def file_sha(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return sha(data)


def run(args, ok=(0,)):
    """Runs a command; returns (exit status, stdout bytes with the checkout's path
    written as ROOT, so checkouts in other folders give the same hashes)."""
    p = subprocess.run([str(a) for a in args], cwd=ROOT, capture_output=True)
    if p.returncode not in ok:
        sys.exit(f"{args[0]} failed ({p.returncode}): {p.stderr.decode()[-2000:]}")
    return p.returncode, p.stdout.replace(str(ROOT).encode(), b"ROOT")


def tiles_sha(mbtiles: Path) -> str:
    h = hashlib.sha256()
    con = sqlite3.connect(mbtiles)
    n = 0
    for z, x, y, data in con.execute(
        "SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles ORDER BY 1, 2, 3"
    ):
        h.update(f"{z}/{x}/{y}:".encode())
        h.update(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
        n += 1
    con.close()
    return f"{h.hexdigest()[:16]} ({n} tiles)"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def lookups(partition: Path, bbox, n: int) -> str:
    port = free_port()
    server = subprocess.Popen(
        [BIN / "citygrid", "serve", "--partition", partition, "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        x0, y0, x1, y1 = bbox
        points = [
            [x0 + (x1 - x0) * (i + 0.5) / n, y0 + (y1 - y0) * (j + 0.37) / n]
            for j in range(n) for i in range(n)
        ]
        # Points exactly on vertices of the partition too: the half-open rule.
        units = json.loads(gzip.decompress(partition.read_bytes()))
        for f in units["features"][:400]:
            ring = f["geometry"]["coordinates"][0]
            if f["geometry"]["type"] == "MultiPolygon":
                ring = ring[0]
            points.extend(ring[:5])
        h = hashlib.sha256()
        for k in range(0, len(points), 10_000):
            body = json.dumps({"points": points[k:k + 10_000]}).encode()
            req = urllib.request.Request(base + "/v1/lookup", data=body,
                                         headers={"Content-Type": "application/json"})
            answer = urllib.request.urlopen(req, timeout=60).read()
            # The version the answer came from is not part of the answer's content
            # (it was added after the baselines): hash what it says of the points.
            h.update(re.sub(rb',"version":\d+\}$', b"}", answer))
        return f"{h.hexdigest()[:16]} ({len(points)} points)"
    finally:
        server.terminate()
        server.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", action="store_true", help="build the release binaries first")
    ap.add_argument("--quick", action="store_true", help="skip the Guiyang build and z15 tiles")
    args = ap.parse_args()
    if args.build:
        subprocess.run(["cargo", "build", "-j2", "--release", "-p", "citygrid",
                        "-p", "citygrid-tests", "--bins"], cwd=ROOT, check=True)
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    cg = BIN / "citygrid"
    gy = ROOT / "data" / "guiyang"
    out = []

    def emit(name, value):
        out.append(f"{name} {value}")
        print(f"{name} {value}", flush=True)

    if not args.quick:
        p = WORK / "built.geojson.gz"
        run([cg, "build", "--city", gy / "city.geojson", "--units", gy / "districts.geojson",
             "--township-names", gy / "townships.csv", "--weights", gy / "population.tif",
             "--people-per-household", "2.5", "--cells", "5906", "-o", p])
        emit("build/guiyang", file_sha(p))

    partition = gy / "partition.geojson.gz"
    for fmt in ["text", "json", "geojson"]:
        _, o = run([cg, "check", partition, "--boundary", gy / "city.geojson", "--format", fmt])
        emit(f"check/guiyang/{fmt}", sha(o))
    amap = ROOT / "tests" / "data" / "guiyang-amap"
    districts = WORK / "amap-districts.geojson"
    districts.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": f.stem, "level": "district"},
         "geometry": json.loads(f.read_text())}
        for f in sorted(amap.glob("5201[0-9][1-9].geojson"))]}))
    outline = amap / "520100.geojson"
    for fmt in ["text", "json", "geojson"]:
        _, o = run([cg, "check", districts, "--crs", "gcj02", "--boundary", outline,
                    "--format", fmt], ok=(0, 1))
        emit(f"check/amap/{fmt}", sha(o))
    _, o = run([cg, "check", gy / "districts.geojson", "--boundary", gy / "city.geojson",
                "--format", "json"], ok=(0, 1))
    emit("check/guiyang-districts", sha(o))

    # Generated cities, whole and damaged: check, then fix the districts.
    for seed in [1, 2, 3]:
        clean = WORK / f"city-{seed}.geojson"
        run([BIN / "synth-city", clean, "--cells", "300", "--seed", seed])
        _, o = run([cg, "check", clean, "--format", "geojson"], ok=(0, 1))
        emit(f"check/synth-{seed}/clean", sha(o))
        for kind in KINDS:
            bad = WORK / f"city-{seed}-{kind}.geojson"
            run([BIN / "synth-city", bad, "--cells", "300", "--seed", seed, "--damage", kind])
            for fmt in ["json", "geojson"]:
                _, o = run([cg, "check", bad, "--format", fmt], ok=(0, 1))
                emit(f"check/synth-{seed}/{kind}/{fmt}", sha(o))
            fixed, report = WORK / "fixed.geojson", WORK / "changes.geojson"
            for p in (fixed, report):
                p.unlink(missing_ok=True)
            code, o = run([cg, "fix", bad, "--out", fixed, "--report", report,
                           "--format", "json"], ok=(0, 1, 2))
            emit(f"fix/synth-{seed}/{kind}", " ".join(
                [str(code), sha(o)] + [file_sha(p) if p.exists() else "-" for p in (fixed, report)]))

    fixed, report = WORK / "fixed.geojson", WORK / "changes.geojson"
    for p in (fixed, report):
        p.unlink(missing_ok=True)
    code, o = run([cg, "fix", districts, "--crs", "gcj02", "--boundary", outline, "--out", fixed,
                   "--report", report, "--format", "json"], ok=(0, 1, 2))
    emit("fix/amap", " ".join([str(code), sha(o)] +
                              [file_sha(p) if p.exists() else "-" for p in (fixed, report)]))

    cells = WORK / "cells.geojson"
    run([cg, "export", "cells", cells, "--partition", partition, "--crs", "cgcs2000"])
    emit("export/cells", file_sha(cells))
    converted = WORK / "converted.geojson"
    run([cg, "convert", amap / "520102.geojson", converted, "--from", "gcj02", "--to", "epsg:4545"])
    emit("convert", file_sha(converted))

    top = 14 if args.quick else 15
    for name, src in [("guiyang", partition), ("synth", None)]:
        if src is None:
            src = WORK / "big.geojson"
            run([BIN / "synth-city", src, "--cells", "2000", "--vertices", "60", "--seed", "7"])
        mb = WORK / f"{name}.mbtiles"
        mb.unlink(missing_ok=True)
        run([cg, "export", "tiles", mb, "--format", "mbtiles", "--minzoom", "0",
             "--maxzoom", top, "--partition", src])
        emit(f"tiles/{name}/z0-{top}", tiles_sha(mb))

    emit("lookup/guiyang", lookups(partition, [106.1, 26.1, 107.3, 27.3], 300))


if __name__ == "__main__":
    main()
