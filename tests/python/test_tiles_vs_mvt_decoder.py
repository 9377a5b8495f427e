"""Vector tiles read by an independent decoder (mapbox-vector-tile, on Google's
protobuf) and checked with GEOS (shapely): layers, fields and ids as docs/tiles.md
says, rings oriented as MVT 2.1 asks, and in every tile each polygon layer is a
coverage: valid polygons, no overlaps, shared edges identical, and tiles inside the
city filled with no gap at all.

Tiles come from `citygrid export tiles --format mbtiles`, which writes the same
bytes the server answers (a Rust test compares them).
"""

import gzip
import json
import math
import sqlite3
import subprocess

import mapbox_vector_tile
import pytest
import shapely
from shapely.geometry import box, shape

from conftest import ROOT, binary, synth_city

EXTENT = 4096
BUFFER = 64
POLYGON_LAYERS = ("districts", "townships", "villages", "cells")


def export(city, out, minzoom, maxzoom):
    subprocess.run(
        [binary("citygrid"), "export", "tiles", "--format", "mbtiles", "--minzoom", str(minzoom),
         "--maxzoom", str(maxzoom), "--partition", str(city), str(out)],
        check=True, capture_output=True,
    )


def read_tiles(mbtiles):
    """(z, x, y) -> decoded tile, tile coordinates kept with y down."""
    db = sqlite3.connect(mbtiles)
    out = {}
    for z, x, tms_y, data in db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles"):
        y = (1 << z) - 1 - tms_y
        out[(z, x, y)] = mapbox_vector_tile.decode(gzip.decompress(data), default_options={"y_coord_down": True})
    return out


def tile_box_lonlat(z, x, y, grow):
    n = 1 << z
    lon = lambda v: v / n * 360.0 - 180.0
    lat = lambda v: math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * v / n))))
    return box(lon(x - grow), lat(y + 1 + grow), lon(x + 1 + grow), lat(y - grow))


def ring_area(ring):
    return sum(ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1] for i in range(len(ring) - 1)) / 2


def check_coverage(tiles, inside):
    """Every polygon layer of every tile is a clean coverage; tiles whose area
    (grown by a quarter tile) lies inside `inside` (lon/lat) are filled exactly.
    Returns the number of polygons checked and of filled tiles checked."""
    checked = filled = 0
    rect = box(-BUFFER, -BUFFER, EXTENT + BUFFER, EXTENT + BUFFER)
    for (z, x, y), tile in tiles.items():
        interior = inside.contains(tile_box_lonlat(z, x, y, 0.25))
        for name in POLYGON_LAYERS:
            if name not in tile:
                continue
            polys = []
            for f in tile[name]["features"]:
                g = f["geometry"]
                parts = [g["coordinates"]] if g["type"] == "Polygon" else g["coordinates"]
                for rings in parts:
                    # MVT 2.1 4.3.4.4: exterior positive area with y down, holes negative.
                    assert ring_area(rings[0]) > 0, (z, x, y, name, f["id"])
                    assert all(ring_area(h) < 0 for h in rings[1:]), (z, x, y, name, f["id"])
                polys.append(shape(g))
            for p in polys:
                assert p.is_valid, (z, x, y, name, shapely.is_valid_reason(p))
                assert rect.contains(p), (z, x, y, name)
            # GEOS coverage validation: no overlaps, and every shared edge the
            # same vertices on both sides.
            assert shapely.coverage_is_valid(polys), (z, x, y, name, shapely.coverage_invalid_edges(polys))
            union = shapely.union_all(polys)
            assert abs(sum(p.area for p in polys) - union.area) < 1e-6, (z, x, y, name)
            if interior:
                assert union.area == rect.area, (z, x, y, name, rect.area - union.area)
                filled += 1
            checked += len(polys)
    return checked, filled


def test_generated_city_tiles_decode_as_documented_and_form_coverages(tmp_path):
    city = tmp_path / "city.geojson"
    synth_city(city, cells=400, vertices=40, seed=9, extent_km=15)
    out = tmp_path / "city.mbtiles"
    export(city, out, 8, 15)
    tiles = read_tiles(out)
    units = json.load(open(city))["features"]
    cells = {f["properties"]["code"]: f for f in units if f["properties"]["level"] == "cell"}
    outline = shape(next(f for f in units if f["properties"]["level"] == "city")["geometry"])

    seen_layers = set()
    labels = {z: [] for z in range(11, 16)}
    for (z, x, y), tile in tiles.items():
        seen_layers.update(tile)
        assert set(tile) <= {"districts", "townships", "villages", "cells", "labels"}
        for name, layer in tile.items():
            assert layer["extent"] == EXTENT and layer["version"] == 2
        for f in tile.get("cells", {"features": []})["features"]:
            p = f["properties"]
            assert set(p) == {"code", "name", "village", "township", "district", "households", "area_m2"}, p
            assert f["id"] == int(p["code"])
            assert (p["village"], p["township"], p["district"]) == (p["code"][:12], p["code"][:9], p["code"][:6])
            assert isinstance(p["households"], int) and isinstance(p["area_m2"], int) and p["area_m2"] > 0
        for f in tile.get("labels", {"features": []})["features"]:
            assert set(f["properties"]) == {"code", "name"}
            assert f["id"] == int(f["properties"]["code"])
            assert f["geometry"]["type"] == "Point"
            px, py = f["geometry"]["coordinates"]
            assert 0 <= px < EXTENT and 0 <= py < EXTENT
            labels[z].append(f["properties"]["code"])
        if z < 11:
            assert "cells" not in tile and "labels" not in tile
    assert seen_layers == {"districts", "townships", "villages", "cells", "labels"}
    # Every cell keeps exactly one label at every zoom where cells are shown.
    for z, codes in labels.items():
        assert sorted(codes) == sorted(cells), z

    checked, filled = check_coverage(tiles, outline)
    assert checked > 1000 and filled > 50, (checked, filled)


def test_the_real_guiyang_districts_stay_a_coverage_at_every_zoom(tmp_path):
    # The ten real district outlines (12,000 vertices), tiled as if they were
    # cells, so the cells layer shows them from zoom 11.
    source = json.load(open(ROOT / "data" / "guiyang" / "districts.geojson"))
    for f in source["features"]:
        p = f["properties"]
        f["properties"] = {"code": p["code"], "name": p["name"], "level": "cell"}
    city = tmp_path / "districts.geojson"
    city.write_text(json.dumps(source))
    out = tmp_path / "districts.mbtiles"
    export(city, out, 11, 14)
    tiles = read_tiles(out)
    outline = shapely.union_all([shape(f["geometry"]) for f in source["features"]])
    checked, filled = check_coverage(tiles, outline)
    assert checked > 100 and filled > 50, (checked, filled)


def test_the_demo_city_tiles_form_coverages(tmp_path):
    # The bundled Guiyang partition (5,906 cells), at three zooms where cells show.
    source = next((p for p in (ROOT / "data" / "guiyang" / "partition.geojson",
                               ROOT / "data" / "guiyang" / "partition.geojson.gz") if p.exists()), None)
    if source is None:
        pytest.skip("data/guiyang/partition.geojson(.gz) is not there yet (make data)")
    city = tmp_path / "guiyang.geojson"
    raw = source.read_bytes()
    city.write_bytes(gzip.decompress(raw) if source.suffix == ".gz" else raw)
    out = tmp_path / "guiyang.mbtiles"
    export(city, out, 11, 13)
    tiles = read_tiles(out)
    units = json.load(open(city))["features"]
    cells = [f["properties"]["code"] for f in units if f["properties"]["level"] == "cell"]
    outline = shape(next(f for f in units if f["properties"]["level"] == "city")["geometry"])
    for z in (11, 12, 13):
        codes = [f["properties"]["code"] for (tz, _, _), t in tiles.items() if tz == z
                 for f in t.get("labels", {"features": []})["features"]]
        assert sorted(codes) == sorted(cells), z
    checked, filled = check_coverage(tiles, outline)
    assert checked > 10000 and filled > 100, (checked, filled)
