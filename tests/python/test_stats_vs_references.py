"""`GET /v1/stats` against independent references, through a real server on a store of
the bundled Guiyang:

- raster layers: every cell's count, sum, mean, min, max and stddev of the generated
  population raster agree with the `exactextract` package (exact coverage fractions),
  and the city row is the raster's total inside the city by exactextract over the
  city outline;
- entity layers: each point is counted in the cell the server's batch lookup gives
  it, and, for points off every boundary, in the cell GEOS (shapely) finds it in;
  points on cell vertices inside the city are counted exactly once; every level adds up to the city.

The server computes coverage fractions in f64 and exactextract keeps them as float32,
which alone moves a cell's sum by up to ~1e-7 relative: the API is held to 1e-6 here,
and the same code to 1e-9 with fractions rounded to float32 in
test_zonal_vs_exactextract.py.
"""

import csv
import gzip
import json

import numpy as np
import pytest
import shapely
import shapely.geometry

from conftest import ROOT, citygrid, http, serving

exactextract = pytest.importorskip("exactextract")

PARTITION = ROOT / "data" / "guiyang" / "partition.geojson.gz"
POPULATION = ROOT / "data" / "guiyang" / "population.tif"
REL = 1e-6


@pytest.fixture(scope="module")
def units():
    return json.load(gzip.open(PARTITION))["features"]


@pytest.fixture(scope="module")
def points(units, tmp_path_factory):
    """20,000 random points over the city's box and every 7th vertex of every cell
    (vertices are on boundaries, where the half-open rule decides), as CSV."""
    cells = [f for f in units if f["properties"]["level"] == "cell"]
    rng = np.random.default_rng(2026)
    xs = rng.uniform(106.1, 107.3, 20_000)
    ys = rng.uniform(26.1, 27.3, 20_000)
    vertices = {
        tuple(v)
        for f in cells[::3]
        for poly in f["geometry"]["coordinates"]
        for v in poly[0][::7]
    }
    pts = list(zip(xs, ys)) + sorted(vertices)
    path = tmp_path_factory.mktemp("stats") / "points.csv"
    with open(path, "w", newline="") as out:
        w = csv.writer(out)
        w.writerow(["lon", "lat", "kind"])
        for i, (x, y) in enumerate(pts):
            # repr: the file holds the very doubles the test asks about
            w.writerow([repr(float(x)), repr(float(y)), "on" if i >= 20_000 else "random"])
    return path, pts


@pytest.fixture(scope="module")
def server(points, tmp_path_factory):
    store = tmp_path_factory.mktemp("store") / "city.gpkg"
    citygrid("store", "init", store, "--from", PARTITION)
    citygrid("layer", "import", "--store", store, "--name", "population", POPULATION)
    citygrid("layer", "import", "--store", store, "--name", "points", points[0], "--category", "kind")
    with serving("--store", store) as base:
        yield base


def table(base, query):
    status, _, body = http(f"{base}/v1/stats?{query}")
    assert status == 200, body
    return json.loads(body)


def close(a, b, rel=REL):
    if a is None or b is None:
        return a is None and (b is None or b != b)
    return abs(a - b) <= rel * max(abs(a), abs(b), 1e-300)


def test_raster_cells_agree_with_exactextract(server, units):
    ours = {r["code"]: r for r in table(server, "layer=population&level=cell")["rows"]}
    cells = [f for f in units if f["properties"]["level"] == "cell"]
    assert len(ours) == len(cells) == 5906
    theirs = exactextract.exact_extract(str(POPULATION), cells, ["count", "sum", "mean", "min", "max", "stdev"])
    bad = []
    for f, t in zip(cells, theirs):
        code = f["properties"]["code"]
        o, t = ours[code], t["properties"]
        for op, key in [("count", "count"), ("sum", "sum"), ("mean", "mean"), ("min", "min"), ("max", "max"), ("stddev", "stdev")]:
            # a spread next to zero is a difference of nearly equal squares
            slack = 1e-6 * (t["max"] or 0) if op == "stddev" else 0
            if not (close(o[op], t[key]) or abs(o[op] - t[key]) <= slack):
                bad.append((code, op, o[op], t[key]))
    assert not bad, bad[:10]


def test_the_city_row_is_the_raster_total_inside_the_city(server, units):
    city = table(server, "layer=population&level=city")["rows"]
    assert len(city) == 1
    outline = [f for f in units if f["properties"]["level"] == "city"]
    theirs = exactextract.exact_extract(str(POPULATION), outline, ["sum", "count"])[0]["properties"]
    assert close(city[0]["sum"], theirs["sum"]), (city[0]["sum"], theirs["sum"])
    assert close(city[0]["count"], theirs["count"]), (city[0]["count"], theirs["count"])
    # and the districts, townships and villages add up to it
    for level in ["district", "township", "village", "cell"]:
        total = sum(r["sum"] for r in table(server, f"layer=population&level={level}")["rows"])
        assert close(total, city[0]["sum"], 1e-9), level


def test_points_are_counted_where_lookups_and_geos_put_them(server, units, points):
    _, pts = points
    cells = [f for f in units if f["properties"]["level"] == "cell"]
    status, _, body = http(
        f"{server}/v1/lookup?fields=code",
        method="POST",
        headers={"Content-Type": "application/json"},
        body=json.dumps({"points": [list(p) for p in pts]}).encode(),
    )
    assert status == 200, body
    looked_up = json.loads(body)["results"]  # a code, or null outside the city
    counts = {}
    for c in looked_up:
        if c is not None:
            counts[c] = counts.get(c, 0) + 1
    ours = {r["code"]: r["count"] for r in table(server, "layer=points&level=cell")["rows"]}
    assert {c: n for c, n in ours.items() if n} == counts

    # GEOS: for points off every boundary (1e-9 degrees, a tenth of a millimetre),
    # the one cell that contains them
    shapes = [shapely.geometry.shape(f["geometry"]) for f in cells]
    codes = [f["properties"]["code"] for f in cells]
    tree = shapely.STRtree(shapes)
    boundaries = shapely.STRtree([s.boundary for s in shapes])
    geom = shapely.points(np.array(pts))
    near_boundary = set(boundaries.query(geom, predicate="dwithin", distance=1e-9)[0])
    inside = tree.query(geom, predicate="intersects")
    by_point = {}
    for p, c in zip(*inside):
        by_point.setdefault(p, []).append(codes[c])
    checked = 0
    for i, c in enumerate(looked_up):
        if i in near_boundary:
            # on a boundary: counted once, in one of the cells that touch it
            if c is not None:
                assert c in by_point.get(i, []), (i, pts[i], c, by_point.get(i))
            continue
        found = by_point.get(i, [])
        assert len(found) <= 1, (i, found)
        assert c == (found[0] if found else None), (i, pts[i], c, found)
        checked += 1
    assert checked > 15_000
    # vertices inside the city are counted exactly once; on its outline, the
    # half-open rule may leave a point to no cell, as a lookup does
    outline = shapely.geometry.shape([f for f in units if f["properties"]["level"] == "city"][0]["geometry"]).boundary
    on_edge = shapely.dwithin(geom[20_000:], outline, 1e-9)
    counted_on = sum(1 for c in looked_up[20_000:] if c is not None)
    city = table(server, "layer=points&level=city")["rows"][0]
    assert city["groups"]["on"] == counted_on
    assert counted_on >= int((~on_edge).sum()), "a vertex inside the city was counted nowhere"
    assert all(c is not None for c, edge in zip(looked_up[20_000:], on_edge) if not edge)
    for level in ["district", "township", "village"]:
        assert sum(r["count"] for r in table(server, f"layer=points&level={level}")["rows"]) == city["count"]
