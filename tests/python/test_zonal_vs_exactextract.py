"""citygrid-zonal against exactextract (the published exact-coverage method) on the same
rasters and polygons.

`zonal-probe` (citygrid) and `exactextract.exact_extract` must agree on every polygon's
count (sum of coverage fractions of valid pixels), sum, mean, min, max and stdev to 1e-9
relative: on generated float rasters with nodata pixels in EPSG:4326 and EPSG:3857 under
a generated city's cells and hand-made awkward polygons (edges on pixel lines, vertices
on corners, holes, multiple parts, partly or wholly outside the raster, inside one
pixel), and on every cell of the bundled Guiyang over its generated population raster.
exactextract reads the rasters through rasterio and the polygons as GeoJSON features.
"""

import gzip
import json
import math
import subprocess

import numpy as np
import pyproj
import pytest
import rasterio
import shapely
import shapely.geometry
from affine import Affine

from conftest import ROOT, binary, synth_city

exactextract = pytest.importorskip("exactextract")

OPS = ["count", "sum", "mean", "min", "max", "stdev"]
REL = 1e-9


def probe(raster, polygons, *extra):
    done = subprocess.run(
        [binary("zonal-probe"), str(raster), str(polygons), *extra], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def theirs(raster, features):
    out = exactextract.exact_extract(str(raster), features, OPS)
    return [f["properties"] for f in out]


def missing(v):
    return v is None or (isinstance(v, float) and math.isnan(v))


def agree(a, b, slack=0.0):
    if missing(a) or missing(b):
        return missing(a) and missing(b)
    return abs(a - b) <= REL * max(abs(a), abs(b)) + slack or abs(a - b) <= 1e-300


# One float32 step (2^-24 at fractions in [0.5, 1)) on one boundary pixel: where a
# fraction lies within rounding of a float32 boundary, ours and exactextract's round to
# neighbouring floats. The bundled city's 5,906 cells hit that on a few small cells.
F32_STEP = 2.0**-24


def one_step(op, o):
    """How far one float32 step on one pixel may move statistic `op` of `o`."""
    if missing(o["max"]):
        return 0.0
    top = max(abs(o["max"]), abs(o["min"]))
    return {
        "count": F32_STEP,
        "sum": F32_STEP * top,
        "mean": 2 * F32_STEP * top / o["count"],
        "stdev": 2 * F32_STEP * top / o["count"],
    }.get(op, 0.0)


def compare(raster, path, features, *extra, skip=(), f32_steps=0):
    # exactextract keeps coverage fractions as float32 (about 6e-8 relative each), which
    # alone moves a cell's count and sum by ~1e-9; --f32 rounds ours the same way, so
    # the comparison at 1e-9 tests the geometry and the statistics, not that rounding
    ours = probe(raster, path, "--f32", *extra)
    peer = theirs(raster, features)
    assert len(ours) == len(peer)
    bad, stepped = [], set()
    for i, (o, p) in enumerate(zip(ours, peer)):
        if o["id"] in skip:
            continue
        for op in OPS:
            key = "stddev" if op == "stdev" else op
            if agree(o[key], p[op]):
                continue
            if agree(o[key], p[op], one_step(op, o)):
                stepped.add(i)
            else:
                bad.append((i, o["id"], op, o[key], p[op]))
    assert not bad, f"{len(bad)} disagreements, first: {bad[:10]}"
    assert len(stepped) <= f32_steps, f"{len(stepped)} polygons differ by a float32 step"
    return ours, peer


def write_raster(path, crs, transform, width, height, seed):
    rng = np.random.default_rng(seed)
    values = rng.uniform(0.0, 1000.0, (height, width)).astype("float32")
    values[rng.random((height, width)) < 0.05] = -9999.0
    values[:3, :3] = -9999.0  # a nodata corner, for a polygon over nodata only
    with rasterio.open(
        path, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32",
        crs=crs, transform=transform, nodata=-9999.0,
    ) as ds:
        ds.write(values, 1)


def awkward(west, north, px, py, width, height):
    """Hand-made polygons in a grid of px x py pixels with its corner at west, north."""
    def at(c, r):
        return [west + c * px, north - r * py]

    def ring(*pts):
        pts = [at(c, r) for c, r in pts]
        return pts + [pts[0]]

    shapes = [
        # a unit square on a corner of 4 pixels: a quarter of each
        {"type": "Polygon", "coordinates": [ring((10.5, 10.5), (11.5, 10.5), (11.5, 11.5), (10.5, 11.5))]},
        # edges on pixel lines
        {"type": "Polygon", "coordinates": [ring((4, 6), (9, 6), (9, 8), (4, 8))]},
        # a diamond with vertices on pixel corners
        {"type": "Polygon", "coordinates": [ring((20, 4), (23, 7), (20, 10), (17, 7))]},
        # a triangle
        {"type": "Polygon", "coordinates": [ring((5.2, 20.1), (14.7, 22.9), (7.3, 29.8))]},
        # with a hole (drawn the same way round as the shell)
        {"type": "Polygon", "coordinates": [
            ring((30, 30), (45.5, 30.2), (44.8, 44.1), (30.3, 45)),
            ring((34.25, 33.5), (40.1, 33.5), (40.1, 39.75), (34.25, 39.75)),
        ]},
        # two parts
        {"type": "MultiPolygon", "coordinates": [
            [ring((50.1, 10.1), (53.9, 10.3), (52, 14.6))],
            [ring((56, 12), (58.5, 12), (58.5, 12.5), (56, 12.5))],
        ]},
        # partly outside the raster (west and north)
        {"type": "Polygon", "coordinates": [ring((-5.3, -4.1), (6.6, -2), (5.2, 7.7), (-3, 6.1))]},
        # partly outside east and south
        {"type": "Polygon", "coordinates": [ring((width - 3.3, height - 2.2), (width + 4, height - 1), (width + 2, height + 5), (width - 2, height + 1))]},
        # wholly outside
        {"type": "Polygon", "coordinates": [ring((-9, -9), (-8, -9), (-8, -8))]},
        # inside one pixel
        {"type": "Polygon", "coordinates": [ring((25.21, 25.33), (25.4, 25.35), (25.3, 25.7))]},
        # over nodata pixels only
        {"type": "Polygon", "coordinates": [ring((0.5, 0.5), (2.5, 0.5), (2.5, 2.5))]},
        # covering the whole raster and more
        {"type": "Polygon", "coordinates": [ring((-1, -1), (width + 1, -1), (width + 1, height + 1), (-1, height + 1))]},
    ]
    return [{"type": "Feature", "properties": {"id": f"awkward-{i}"}, "geometry": g} for i, g in enumerate(shapes)]


def geos_count(raster, geometry):
    """Sum over valid pixels of the covered fraction, by GEOS intersections."""
    shape = shapely.geometry.shape(geometry)
    with rasterio.open(raster) as ds:
        t, valid = ds.transform, ds.read_masks(1) > 0
        xmin, ymin, xmax, ymax = shape.bounds
        cols = sorted(int((x - t.c) // t.a) for x in (xmin, xmax))
        rows = sorted(int((y - t.f) // t.e) for y in (ymin, ymax))
        total = 0.0
        for row in range(max(rows[0] - 1, 0), min(rows[1] + 2, ds.height)):
            for col in range(max(cols[0] - 1, 0), min(cols[1] + 2, ds.width)):
                x0, x1 = t.c + col * t.a, t.c + (col + 1) * t.a
                y0, y1 = t.f + row * t.e, t.f + (row + 1) * t.e
                pixel = shapely.geometry.box(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
                if valid[row, col] and pixel.intersects(shape):
                    total += shape.intersection(pixel).area / pixel.area
    return total


def reproject(features, to_crs):
    tr = pyproj.Transformer.from_crs("EPSG:4326", to_crs, always_xy=True)

    def coords(c):
        if isinstance(c[0], (int, float)):
            return list(tr.transform(c[0], c[1]))
        return [coords(x) for x in c]

    return [
        {**f, "geometry": {"type": f["geometry"]["type"], "coordinates": coords(f["geometry"]["coordinates"])}}
        for f in features
    ]


def write_features(path, features):
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857"])
def test_generated_raster_cells_and_awkward_polygons(tmp_path, crs):
    city = tmp_path / "city.geojson"
    synth_city(city, cells=300, cells_only=True, seed=7)
    cells = json.loads(city.read_text())["features"]
    if crs != "EPSG:4326":
        cells = reproject(cells, crs)
    xs = [c[0] for f in cells for p in f["geometry"]["coordinates"] for r in p for c in r]
    ys = [c[1] for f in cells for p in f["geometry"]["coordinates"] for r in p for c in r]
    # a raster a little inside the city's extent, so edge cells are cut by it
    width, height = 300, 280
    west, north = min(xs) + 0.02 * (max(xs) - min(xs)), max(ys) - 0.02 * (max(ys) - min(ys))
    px, py = (max(xs) - min(xs)) / width, (max(ys) - min(ys)) / height
    raster = tmp_path / "values.tif"
    write_raster(raster, crs, Affine(px, 0.0, west, 0.0, -py, north), width, height, seed=len(crs))
    features = cells + awkward(west, north, px, py, width, height)
    path = write_features(tmp_path / "polygons.geojson", features)
    # the diamond's vertices land within 1e-16 of pixel corners: exactextract 0.3.0 then
    # drops a wholly covered pixel (coverage 0 where GEOS finds 1 - 4e-12), so that one
    # is checked against GEOS (shapely) pixel by pixel instead
    ours, _ = compare(raster, path, features, skip={"awkward-2"})
    diamond = next(o for o in ours if o["id"] == "awkward-2")
    assert agree(diamond["count"], geos_count(raster, features[len(cells) + 2]["geometry"]))
    # the awkward cases did what they are for
    by_id = {o["id"]: o for o in ours}
    assert by_id["awkward-0"]["pixels"] == 4
    assert by_id["awkward-8"]["pixels"] == 0 and by_id["awkward-8"]["mean"] is None
    assert by_id["awkward-10"]["count"] == 0 and by_id["awkward-10"]["pixels"] > 0
    assert by_id["awkward-11"]["pixels"] == width * height


def test_guiyang_cells_over_its_population_raster(tmp_path):
    with gzip.open(ROOT / "data" / "guiyang" / "partition.geojson.gz", "rt") as f:
        features = json.load(f)["features"]
    cells = [f for f in features if f["properties"]["level"] == "cell"]
    assert len(cells) == 5906
    path = write_features(tmp_path / "cells.geojson", cells)
    ours, peer = compare(ROOT / "data" / "guiyang" / "population.tif", path, cells, f32_steps=len(cells) // 100)
    total = sum(o["sum"] for o in ours)
    assert abs(total - sum(p["sum"] for p in peer)) <= REL * total
