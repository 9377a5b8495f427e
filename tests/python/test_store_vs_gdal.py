"""A store made by `citygrid store init`, read by an independent reader: GDAL (through
pyogrio's bundled GDAL), with shapely for geometry.

QGIS opens a store as GDAL does. The five levels must be MultiPolygon layers in
EPSG:4326 holding the partition's units (codes, parents, typed attributes, the same
coordinates), the history must be a table, and GDAL must say nothing: no error, no
warning.
"""

import json
import logging
import warnings

import pyogrio
import pytest
import shapely

from conftest import citygrid, synth_city

LAYERS = {"city": "city", "districts": "district", "townships": "township", "villages": "village", "cells": "cell"}


@pytest.fixture(scope="module")
def partition(tmp_path_factory):
    """A generated city whose cells carry a real, a flag and text besides households."""
    path = tmp_path_factory.mktemp("store") / "city.geojson"
    synth_city(path, cells=300, vertices=16, seed=12, extent_km=12)
    fc = json.loads(path.read_text())
    for i, f in enumerate(fc["features"]):
        if f["properties"]["level"] == "cell":
            f["properties"].update(density=i / 4, staffed=i % 2 == 0, head=f"网格长 {i}")
    path.write_text(json.dumps(fc))
    return path, fc


@pytest.fixture(scope="module")
def store(partition, tmp_path_factory):
    path = tmp_path_factory.mktemp("gpkg") / "city.gpkg"
    citygrid("store", "init", path, "--from", partition[0], "--author", "pytest", "--message", "from synth-city")
    return path


@pytest.fixture
def gdal_is_silent(caplog):
    """Fails the test if GDAL warns or errs through Python's warnings or logging."""
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        yield
    assert [str(w.message) for w in caught] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def by_level(fc, level):
    return sorted((f for f in fc["features"] if f["properties"]["level"] == level), key=lambda f: f["properties"]["code"])


def read(path, layer):
    meta, _, wkb, fields = pyogrio.raw.read(path, layer=layer)
    return meta, shapely.from_wkb(wkb), dict(zip(meta["fields"], fields))


def test_each_level_is_a_multipolygon_layer_in_epsg_4326_with_the_partition_s_units(partition, store, gdal_is_silent):
    _, fc = partition
    layers = dict(pyogrio.list_layers(store))
    assert {name: layers[name] for name in LAYERS} == {name: "MultiPolygon" for name in LAYERS}
    for name, level in LAYERS.items():
        units = by_level(fc, level)
        info = pyogrio.read_info(store, layer=name)
        assert info["crs"] == "EPSG:4326"
        assert info["features"] == len(units)
        assert info["capabilities"]["fast_spatial_filter"], f"{name} has no spatial index"
        assert list(info["fields"][:6]) == ["code", "name", "parent", "level", "version", "attributes"]
        _, geoms, columns = read(store, name)
        order = sorted(range(len(units)), key=lambda i: columns["code"][i])
        assert [columns["code"][i] for i in order] == [u["properties"]["code"] for u in units]
        assert all(columns["level"][i] == level and columns["version"][i] == 1 for i in order)
        source = shapely.from_geojson([json.dumps(u["geometry"]) for u in units])
        assert shapely.equals_exact(geoms[order], source, tolerance=0).all(), f"{name}: coordinates changed"


def test_attributes_are_json_and_typed_columns(partition, store, gdal_is_silent):
    _, fc = partition
    cells = by_level(fc, "cell")
    info = pyogrio.read_info(store, layer="cells")
    types = dict(zip(info["fields"], zip(info["ogr_types"], info["ogr_subtypes"])))
    assert types["households"] == ("OFTInteger64", "OFSTNone")
    assert types["density"] == ("OFTReal", "OFSTNone")
    assert types["staffed"] == ("OFTInteger", "OFSTBoolean")
    assert types["head"] == ("OFTString", "OFSTNone")
    _, _, columns = read(store, "cells")
    row = {code: i for i, code in enumerate(columns["code"])}
    for f in cells:
        p, i = f["properties"], row[f["properties"]["code"]]
        assert columns["parent"][i] == p["parent"]
        assert columns["households"][i] == p["households"]
        assert columns["density"][i] == p["density"]
        assert bool(columns["staffed"][i]) == p["staffed"]
        assert columns["head"][i] == p["head"]
        stored = json.loads(columns["attributes"][i])
        assert stored == {k: p[k] for k in ("households", "density", "staffed", "head")}


def test_the_history_is_a_table(partition, store, gdal_is_silent):
    layers = dict(pyogrio.list_layers(store))
    assert "citygrid_versions" in layers and layers["citygrid_versions"] is None
    meta, _, _, fields = pyogrio.raw.read(store, layer="citygrid_versions", read_geometry=False)
    columns = dict(zip(meta["fields"], fields))
    assert list(columns["kind"]) == ["init"]
    assert list(columns["author"]) == ["pytest"]
    assert list(columns["message"]) == ["from synth-city"]
    created = json.loads(columns["created"][0])
    assert sorted(created) == sorted(f["properties"]["code"] for f in partition[1]["features"])
    # The store's own tables are not layers: GDAL lists only what gpkg_contents names.
    assert not any(name.startswith("citygrid_") and name != "citygrid_versions" for name in layers)
