"""PostGIS ST_AsMVT on the same cells and tiles as citygrid, timed in the same run.

Usage: mvt.py CELLS.geojson TILES.json [runs]
CELLS.geojson: the cells (WGS84); TILES.json: [[z, x, y], ...]. Needs a running
PostgreSQL with PostGIS and a `gis` database the current user can use
(benches/postgis/setup.sh makes one). Loads the cells into EPSG:3857 with a GiST
index, then renders every tile with ST_AsMVTGeom (extent 4096, buffer 64,
clipped) and ST_AsMVT, in two server processes at once (one per core, as
citygrid uses both). Prints JSON: median seconds, tiles, bytes, largest tile.
"""

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def psql(sql, stdin=None):
    done = subprocess.run(["psql", "-qAtX", "-v", "ON_ERROR_STOP=1", "-d", "gis", "-c", sql],
                          input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return done.stdout


def load(cells_path, tiles):
    features = json.load(open(cells_path))["features"]
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as f:
        for i, ft in enumerate(features):
            p = ft["properties"]
            households = p.get("households", 0)
            f.write(f"{int(p['code'])}\t{p['code']}\t{p.get('name', '')}\t{int(households)}\t{json.dumps(ft['geometry'])}\n")
        raw = f.name
    psql("DROP TABLE IF EXISTS citygrid_bench_raw, citygrid_bench_cells, citygrid_bench_tiles; "
         "CREATE TABLE citygrid_bench_raw (id bigint, code text, name text, households int, g text)")
    psql("COPY citygrid_bench_raw FROM STDIN", stdin=open(raw).read())
    os.unlink(raw)
    psql("CREATE TABLE citygrid_bench_cells AS SELECT id, code, name, households, "
         "ST_Transform(ST_SetSRID(ST_GeomFromGeoJSON(g), 4326), 3857) AS geom FROM citygrid_bench_raw; "
         "CREATE INDEX ON citygrid_bench_cells USING gist (geom); ANALYZE citygrid_bench_cells; "
         "DROP TABLE citygrid_bench_raw; "
         "CREATE TABLE citygrid_bench_tiles (part int, z int, x int, y int)")
    rows = "".join(f"{i % 2}\t{z}\t{x}\t{y}\n" for i, (z, x, y) in enumerate(tiles))
    psql("COPY citygrid_bench_tiles FROM STDIN", stdin=rows)


QUERY = """
SELECT count(*), coalesce(sum(length(mvt)), 0), coalesce(max(length(mvt)), 0) FROM (
  SELECT (SELECT ST_AsMVT(q, 'cells', 4096, 'geom', 'id') FROM (
            SELECT id, code, name, households,
                   ST_AsMVTGeom(geom, ST_TileEnvelope(t.z, t.x, t.y), 4096, 64, true) AS geom
            FROM citygrid_bench_cells
            WHERE geom && ST_TileEnvelope(t.z, t.x, t.y, margin => 64.0 / 4096)) q) AS mvt
  FROM citygrid_bench_tiles t WHERE part = {part}) s
"""


def run_once():
    start = time.perf_counter()
    procs = [subprocess.Popen(["psql", "-qAtX", "-F", " ", "-d", "gis", "-c", QUERY.format(part=p)],
                              stdout=subprocess.PIPE, text=True) for p in (0, 1)]
    outs = [p.communicate()[0] for p in procs]
    seconds = time.perf_counter() - start
    n = b = m = 0
    for o in outs:
        c, s, mx = (int(v) for v in o.split())
        n, b, m = n + c, b + s, max(m, mx)
    return seconds, n, b, m


def main():
    cells, tiles_path = sys.argv[1], sys.argv[2]
    runs = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    tiles = json.load(open(tiles_path))
    load(cells, tiles)
    results = [run_once() for _ in range(runs)]
    version = psql("SELECT postgis_lib_version()").strip()
    _, n, b, m = results[-1]
    print(json.dumps({"seconds": statistics.median(r[0] for r in results), "tiles": n, "bytes": b,
                      "largest": m, "postgis": version}))


if __name__ == "__main__":
    main()
