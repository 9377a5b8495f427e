"""citygrid-raster against GDAL (through rasterio's bundled copy) on real GeoTIFFs.

For each file, `raster-probe` (citygrid) and rasterio (GDAL) must agree on the size, the
geotransform, the CRS, the nodata value, the total and count of valid pixels, the values
of sampled pixels, the WGS84 pixel centres (GDAL's grid through PROJ), the pixel holding
sampled WGS84 points and the WGS84 extent. Files GDAL writes and citygrid writes must
read back the same in the other.
"""

import json
import os
import pathlib
import random
import subprocess

import numpy as np
import pyproj
import pytest
import rasterio
import rasterio.warp

from conftest import ROOT, binary

FIXTURES = ROOT / "tests" / "data" / "rasters"
SHARED = pathlib.Path(os.environ.get("CITYGRID_SHARED_DATA", ROOT.parent.parent / "shared" / "data"))
RASTERIO_TESTS = SHARED / "rasters" / "rasterio-tests"
WORLDPOP = SHARED / "rasters" / "worldpop-wuhan"

# (file, crs to pass when the file has none citygrid supports)
READABLE = [
    (FIXTURES / "world.byte.tif", None),
    (FIXTURES / "gdal-3857-tiled-nodata.tif", None),
    (FIXTURES / "gdal-4545-int16-lzw.tif", None),
    (FIXTURES / "gdal-4490-point-float.tif", None),
    (FIXTURES / "gdal-4524-uint32.tif", None),
    (FIXTURES / "gdal-4326-int32-tiled.tif", None),
    (FIXTURES / "gdal-4326-float64-planar.tif", None),
    (FIXTURES / "gdal-4326-rgb16-chunky.tif", None),
    (FIXTURES / "gdal-4326-int8.tif", None),
    (FIXTURES / "float.tif", "epsg:3857"),
    (FIXTURES / "float32.tif", "epsg:3857"),
    (FIXTURES / "float_raster_with_nodata.tif", "epsg:3857"),
    (ROOT / "data" / "guiyang" / "population.tif", None),
]
# the bigger rasterio files left out of the repository, read where the shared data is
SHARED_FILES = [
    ("shade.tif", None),
    ("RGB.byte.tif", "epsg:3857"),
    ("world.rgb.tif", None),
    ("rgb1_fake_nir_epsg3857.tif", None),
]


def probe(path, crs=None, pixels=(), points=(), write=None):
    args = [binary("raster-probe"), str(path)]
    if crs:
        args += ["--crs", crs]
    if write:
        args += ["--write", str(write)]
    question = json.dumps({"pixels": [list(map(int, p)) for p in pixels], "points": [list(p) for p in points]})
    done = subprocess.run(args, input=question, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def gdal_band1(ds):
    """Band 1 as float64 with NaN where GDAL's mask says nodata (or the value is NaN)."""
    values = ds.read(1).astype("float64")
    values[ds.read_masks(1) == 0] = np.nan
    return values


def sample_pixels(ds, n=400):
    rng = random.Random(ds.name)
    corners = [(0, 0), (ds.width - 1, 0), (0, ds.height - 1), (ds.width - 1, ds.height - 1)]
    return corners + [(rng.randrange(ds.width), rng.randrange(ds.height)) for _ in range(n)]


def compare(path, crs):
    with rasterio.open(path) as ds:
        values = gdal_band1(ds)
        pixels = sample_pixels(ds)
        gt = ds.transform.to_gdal()
        to_wgs84 = None
        if crs is None:
            to_wgs84 = pyproj.Transformer.from_crs(ds.crs, "EPSG:4326", always_xy=True)
            # points spread over the raster, nudged off pixel edges
            rng = random.Random(1)
            grid = [(rng.uniform(0.02, ds.width - 0.02), rng.uniform(0.02, ds.height - 0.02)) for _ in range(300)]
            grid = [(c, r) for c, r in grid if 0.01 < c % 1 < 0.99 and 0.01 < r % 1 < 0.99]
            xy = [ds.transform @ g for g in grid]
            points = [to_wgs84.transform(x, y) for x, y in xy]
            # and some outside
            b = rasterio.warp.transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=101)
            points += [(b[0] - 0.5, b[1]), (b[2] + 0.5, b[3]), (b[0], b[1] - 0.5)]
        else:
            points = []
        got = probe(path, crs, pixels=pixels, points=points)

        assert (got["width"], got["height"]) == (ds.width, ds.height)
        assert np.allclose(got["geotransform"], gt, rtol=1e-15, atol=0), (got["geotransform"], gt)
        if crs is None:
            assert got["epsg"] == ds.crs.to_epsg()
        if ds.nodata is not None:
            assert np.float32(got["nodata"]) == np.float32(ds.nodata)
        valid = ~np.isnan(values)
        assert got["valid"] == int(valid.sum())
        assert got["total"] == pytest.approx(float(values[valid].sum()), rel=1e-12, abs=1e-9)
        for (col, row), mine in zip(pixels, got["values"]):
            theirs = values[row, col]
            assert (mine is None) == bool(np.isnan(theirs)), (col, row, mine, theirs)
            if mine is not None:
                assert mine == theirs, (col, row, mine, theirs)
        if to_wgs84 is None:
            return got
        for (col, row), (lon, lat) in zip(pixels, got["centres"]):
            x, y = ds.transform @ (col + 0.5, row + 0.5)
            elon, elat = to_wgs84.transform(x, y)
            assert abs(lon - elon) < 1e-9 and abs(lat - elat) < 1e-9, (col, row, lon, lat, elon, elat)
        expected = [(int(c), int(r)) for c, r in grid] + [None, None, None]
        assert [tuple(p) if p else None for p in got["pixel_at"]] == expected
        b = rasterio.warp.transform_bounds(ds.crs, "EPSG:4326", *ds.bounds, densify_pts=101)
        assert np.allclose(got["bounds"], b, rtol=0, atol=1e-6), (got["bounds"], b)
        return got


@pytest.mark.parametrize("path,crs", READABLE, ids=[p.name for p, _ in READABLE])
def test_citygrid_reads_what_gdal_reads(path, crs):
    compare(path, crs)


@pytest.mark.parametrize("name,crs", SHARED_FILES, ids=[n for n, _ in SHARED_FILES])
def test_the_bigger_rasterio_files(name, crs):
    path = RASTERIO_TESTS / name
    if not path.exists():
        pytest.skip(f"{path} is not here (the team's shared data); the repository keeps only the small files")
    compare(path, crs)


@pytest.mark.parametrize("name", ["pop_30_f_wuhan.tif", "pop_30_m_wuhan.tif"])
def test_worldpop_wuhan_band_total(name):
    path = WORLDPOP / name
    if not path.exists():
        pytest.skip(f"{path} is not here: the WorldPop Wuhan rasters (2.7 MB each) live in the team's shared data only")
    got = compare(path, None)
    # people, not a tiny number: a real population band
    assert 10_000 < got["total"] < 2_000_000, got["total"]


@pytest.mark.parametrize(
    "name",
    ["gdal-3857-tiled-nodata.tif", "gdal-4545-int16-lzw.tif", "gdal-4524-uint32.tif", "gdal-4490-point-float.tif"],
)
def test_gdal_reads_what_citygrid_writes(name, tmp_path):
    out = tmp_path / "written.tif"
    probe(FIXTURES / name, write=out)
    with rasterio.open(FIXTURES / name) as src, rasterio.open(out) as dst:
        assert dst.dtypes[0] == "float32"
        assert dst.crs.to_epsg() == src.crs.to_epsg()
        assert dst.tags().get("AREA_OR_POINT") == "Area"
        assert np.allclose(dst.transform.to_gdal(), src.transform.to_gdal(), rtol=1e-15, atol=0)
        assert dst.nodata == src.nodata or (dst.nodata is None and src.nodata is None)
        theirs = gdal_band1(src).astype("float32")
        mine = gdal_band1(dst).astype("float32")
        assert np.array_equal(theirs, mine, equal_nan=True)
