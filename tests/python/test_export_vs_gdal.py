"""citygrid export cells read back by an independent reader: GDAL (through pyogrio's
bundled GDAL), with shapely for geometry and pyproj (PROJ) for areas and projections.

On a generated city with attributes of every type: layer names, field types, feature
counts, the SRS's EPSG code, valid and unchanged geometries, geodesic areas, and
Gauss-Kruger coordinates against PROJ.
"""

import json

import numpy as np
import pyogrio
import pyproj
import pytest
import shapely

from conftest import citygrid, synth_city

LAYERS = {"city": "city", "districts": "district", "townships": "township", "villages": "village", "cells": "cell"}
FIXED = ["code", "name", "level", "parent", "district_code", "township_code", "village_code", "area_m2"]


@pytest.fixture(scope="module")
def partition(tmp_path_factory):
    """A generated city whose cells carry a real, a flag, text and a mixed attribute."""
    path = tmp_path_factory.mktemp("export") / "city.geojson"
    synth_city(path, cells=300, vertices=24, seed=5, extent_km=12)
    fc = json.loads(path.read_text())
    for i, f in enumerate(fc["features"]):
        if f["properties"]["level"] == "cell":
            f["properties"].update(
                density=i / 4, staffed=i % 2 == 0, head=f"head {i}", mixed=i if i % 3 else f"n{i}"
            )
    path.write_text(json.dumps(fc))
    return path, fc


def by_level(fc, level):
    return sorted((f for f in fc["features"] if f["properties"]["level"] == level), key=lambda f: f["properties"]["code"])


def read(path, layer=None):
    meta, _, wkb, fields = pyogrio.raw.read(path, layer=layer)
    columns = dict(zip(meta["fields"], fields))
    return meta, shapely.from_wkb(wkb), columns


@pytest.fixture(scope="module")
def gpkg(partition, tmp_path_factory):
    path = tmp_path_factory.mktemp("out") / "city.gpkg"
    citygrid("export", "cells", path, "--partition", partition[0])
    return path


def test_every_level_is_a_multipolygon_layer_in_epsg_4326(partition, gpkg):
    _, fc = partition
    layers = {name: kind for name, kind in pyogrio.list_layers(gpkg)}
    assert layers == {name: "MultiPolygon" for name in LAYERS}
    for name, level in LAYERS.items():
        info = pyogrio.read_info(gpkg, layer=name)
        assert info["crs"] == "EPSG:4326"
        assert info["features"] == len(by_level(fc, level))
        assert info["capabilities"]["fast_spatial_filter"], f"{name} has no spatial index"
        above = {"city": 0, "district": 0, "township": 1, "village": 2, "cell": 3}[level]
        assert list(info["fields"][: 5 + above]) == FIXED[: 4 + above] + ["area_m2"]


def test_attributes_have_their_types(gpkg):
    info = pyogrio.read_info(gpkg, layer="cells")
    types = dict(zip(info["fields"], zip(info["ogr_types"], info["ogr_subtypes"])))
    assert types["code"] == ("OFTString", "OFSTNone")
    assert types["area_m2"] == ("OFTReal", "OFSTNone")
    assert types["households"] == ("OFTInteger64", "OFSTNone")
    assert types["density"] == ("OFTReal", "OFSTNone")
    assert types["staffed"] == ("OFTInteger", "OFSTBoolean")
    assert types["head"] == ("OFTString", "OFSTNone")
    assert types["mixed"] == ("OFTString", "OFSTNone")


def test_values_and_geometry_are_the_input_s(partition, gpkg):
    _, fc = partition
    cells = by_level(fc, "cell")
    _, geoms, columns = read(gpkg, "cells")
    assert list(columns["code"]) == [f["properties"]["code"] for f in cells]
    for i, f in enumerate(cells):
        p = f["properties"]
        assert columns["households"][i] == p["households"]
        assert columns["density"][i] == p["density"]
        assert bool(columns["staffed"][i]) == p["staffed"]
        assert columns["mixed"][i] == str(p["mixed"])
        assert columns["parent"][i] == p["parent"]
        assert columns["village_code"][i] == p["parent"]
        assert columns["district_code"][i] == p["code"][:6]
    source = shapely.from_geojson([json.dumps(f["geometry"]) for f in cells])
    assert shapely.is_valid(geoms).all()
    assert shapely.equals_exact(geoms, source, tolerance=0).all(), "coordinates changed"


def test_areas_are_geodesic_square_metres(gpkg):
    geod = pyproj.Geod(ellps="WGS84")
    for layer in LAYERS:
        _, geoms, columns = read(gpkg, layer)
        ours = columns["area_m2"]
        theirs = np.array([abs(geod.geometry_area_perimeter(g)[0]) for g in geoms])
        assert np.allclose(ours, theirs, rtol=1e-7, atol=0.01), layer


@pytest.mark.parametrize("crs,epsg", [("cgcs2000", 4490), ("epsg:4545", 4545)])
def test_projected_output_names_its_srs_and_agrees_with_proj(partition, tmp_path, crs, epsg):
    path = tmp_path / "out.gpkg"
    citygrid("export", "cells", path, "--partition", partition[0], "--crs", crs, "--level", "village")
    assert [name for name, _ in pyogrio.list_layers(path)] == ["villages"]
    assert pyogrio.read_info(path)["crs"] == f"EPSG:{epsg}"
    _, geoms, _ = read(path)
    source = shapely.from_geojson([json.dumps(f["geometry"]) for f in by_level(partition[1], "village")])
    to = pyproj.Transformer.from_crs(4326, epsg, always_xy=True)
    expected = shapely.transform(source, lambda xy: np.column_stack(to.transform(xy[:, 0], xy[:, 1])))
    # CGCS2000 and WGS84 coordinates are the same numbers; Gauss-Kruger within a micrometre
    # (1.4 nm measured).
    tolerance = 0 if epsg == 4490 else 1e-6
    assert shapely.equals_exact(geoms, expected, tolerance=tolerance).all()


def test_geojson_of_every_level_reads_in_gdal(partition, tmp_path):
    out = tmp_path / "city.geojson"
    citygrid("export", "cells", out, "--partition", partition[0], "--level", "all")
    for name, level in LAYERS.items():
        info = pyogrio.read_info(tmp_path / f"city-{name}.geojson")
        assert info["features"] == len(by_level(partition[1], level))
        assert info["crs"] == "EPSG:4326"
        assert list(info["fields"][:4]) == FIXED[:4], "columns in the GeoPackage's order"
        types = dict(zip(info["fields"], info["ogr_types"]))
        assert types["area_m2"] == "OFTReal" and types["code"] == "OFTString"
        _, geoms, _ = read(tmp_path / f"city-{name}.geojson")
        assert shapely.is_valid(geoms).all()
