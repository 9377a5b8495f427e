"""The demo city's GENERATED population raster (data/guiyang/population.tif, not real data),
read by GDAL: every district holds its configured figure, nobody lives outside the city,
the densest pixel is a plausible city centre, and `synth-population` makes the same bytes
on every run.
"""

import json
import subprocess

import numpy as np
import rasterio
from rasterio.features import geometry_mask

from conftest import ROOT, binary

DATA = ROOT / "data" / "guiyang"


def synth_population(out, *extra):
    done = subprocess.run(
        [binary("synth-population"), str(DATA / "districts.geojson"), str(out), *extra],
        check=True, capture_output=True, text=True,
    )
    return json.loads(done.stdout)


def test_two_runs_make_the_committed_bytes(tmp_path):
    first = synth_population(tmp_path / "a.tif", "--seed", "1")
    synth_population(tmp_path / "b.tif", "--seed", "1", "--pixel-deg", "0.002")
    committed = (DATA / "population.tif").read_bytes()
    assert (tmp_path / "a.tif").read_bytes() == committed
    assert (tmp_path / "b.tif").read_bytes() == committed
    assert first["people"] == 6_000_000
    other = synth_population(tmp_path / "c.tif", "--seed", "2")
    assert (tmp_path / "c.tif").read_bytes() != committed
    assert other["people"] == 6_000_000


def test_gdal_finds_each_districts_figure_and_no_one_outside(tmp_path):
    report = synth_population(tmp_path / "p.tif")
    targets = {d["code"]: d["target"] for d in report["districts"]}
    districts = json.loads((DATA / "districts.geojson").read_text())["features"]
    with rasterio.open(DATA / "population.tif") as ds:
        assert ds.crs.to_epsg() == 4326
        assert ds.dtypes[0] == "float32"
        assert ds.res == (0.002, 0.002)
        assert ds.tags()["TIFFTAG_IMAGEDESCRIPTION"].startswith("GENERATED demo population")
        people = ds.read(1).astype("float64")
        assert np.all(people >= 0) and np.all(people == np.round(people))
        inside_any = np.zeros(people.shape, dtype=bool)
        for feature in districts:
            code = feature["properties"]["code"]
            # GDAL's rule: a pixel is in a polygon when its centre is
            inside = geometry_mask([feature["geometry"]], out_shape=people.shape, transform=ds.transform, invert=True)
            assert not np.any(inside & inside_any), f"{code} overlaps another district"
            inside_any |= inside
            held = people[inside].sum()
            assert abs(held - targets[code]) <= 0.01 * targets[code], (code, held, targets[code])
        assert people[~inside_any].sum() == 0
        assert abs(people.sum() - 6_000_000) <= 60_000
        # densest pixel, people per km² (pixel area at its latitude)
        row, col = np.unravel_index(np.argmax(people), people.shape)
        lat = ds.transform.f + (row + 0.5) * ds.transform.e
        km2 = (0.002 * 111.32 * np.cos(np.radians(lat))) * (0.002 * 110.85)
        assert 30_000 <= people[row, col] / km2 <= 40_000
