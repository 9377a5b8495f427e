"""3D Tiles footprints and subset tilesets against independent references:

- footprints: every tile's footprint from `threed-probe` (citygrid-threed) against one
  computed here with pyproj (EPSG:4978 ECEF -> EPSG:4979 geodetic) and shapely: the
  convex hull of a box's eight corners, a circle around a sphere's centre, a region's
  rectangle; on tilesets built here (boxes, spheres and regions under rotated and
  translated transforms, nested) and on the public samples (tests/data/3dtiles);
- subsets: the per-cell tileset a server writes validates against the official 3D Tiles
  1.1 JSON schemas (tests/data/3dtiles/schema, jsonschema with a referencing registry),
  holds exactly the tiles whose footprints meet the cell and their ancestors, serves
  only content files (no path outside the tileset's folder), and answers Range requests.
"""

import json
import math
import pathlib
import subprocess

import numpy as np
import pyproj
import pytest
import shapely
import shapely.geometry

from conftest import ROOT, binary, citygrid, http, serving

jsonschema = pytest.importorskip("jsonschema")
referencing = pytest.importorskip("referencing")

SAMPLES = ROOT / "tests" / "data" / "3dtiles"
TO_GEODETIC = pyproj.Transformer.from_crs("EPSG:4978", "EPSG:4979", always_xy=True)
TO_ECEF = pyproj.Transformer.from_crs("EPSG:4979", "EPSG:4978", always_xy=True)


def enu(lon, lat, h):
    """The east-north-up frame at a point, column-major, from pyproj's ECEF."""
    x, y, z = TO_ECEF.transform(lon, lat, h)
    sl, cl = math.sin(math.radians(lon)), math.cos(math.radians(lon))
    sp, cp = math.sin(math.radians(lat)), math.cos(math.radians(lat))
    return [-sl, cl, 0, 0, -sp * cl, -sp * sl, cp, 0, cp * cl, cp * sl, sp, 0, x, y, z, 1]


def rotation_z(degrees, translate=(0, 0, 0)):
    a = math.radians(degrees)
    c, s = math.cos(a), math.sin(a)
    return [c, s, 0, 0, -s, c, 0, 0, 0, 0, 1, 0, *translate, 1]


def matrix(m):
    return np.array(m, dtype=float).reshape(4, 4).T  # column-major


def probe(path):
    done = subprocess.run([binary("threed-probe"), str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def reference(volume, world):
    """The footprint computed here: pyproj for ECEF -> geodetic, shapely for hulls."""
    w = matrix(world)
    if "region" in volume:
        west, south, east, north = (math.degrees(v) for v in volume["region"][:4])
        return shapely.box(west, south, east, north)
    if "box" in volume:
        b = np.array(volume["box"])
        c, u, v, t = b[:3], b[3:6], b[6:9], b[9:12]
        corners = [c + sx * u + sy * v + sz * t for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]
        ecef = [w @ np.append(p, 1.0) for p in corners]
        lon, lat, _ = TO_GEODETIC.transform(*np.array(ecef)[:, :3].T)
        return shapely.MultiPoint(list(zip(lon, lat))).convex_hull
    cx, cy, cz, r = volume["sphere"]
    centre = w @ np.array([cx, cy, cz, 1.0])
    lon, lat, h = TO_GEODETIC.transform(*centre[:3])
    r *= max(np.linalg.norm(w[:3, k]) for k in range(3))
    frame = matrix(enu(lon, lat, h))
    ring = [frame @ np.array([r * math.cos(a), r * math.sin(a), 0, 1]) for a in np.linspace(0, 2 * math.pi, 361)]
    lons, lats, _ = TO_GEODETIC.transform(*np.array(ring)[:, :3].T)
    return shapely.Polygon(list(zip(lons, lats)))


def compare(path):
    got = probe(path)
    checked = 0
    for tile in got["tiles"]:
        if tile["footprint"] is None:
            continue
        ours = shapely.Polygon(tile["footprint"])
        theirs = reference(tile["volume"], tile["world"])
        if "sphere" in tile["volume"]:
            # ours is a 24-gon around the circle: it holds the circle, and not much more
            assert ours.buffer(1e-12).contains(theirs.buffer(-1e-9)), tile["place"]
            assert ours.area <= theirs.area * 1.03, (tile["place"], ours.area, theirs.area)
        else:
            # the same polygon, to well under a millimetre
            assert ours.symmetric_difference(theirs).area <= 1e-8 * theirs.area, tile["place"]
            assert shapely.hausdorff_distance(ours, theirs) < 1e-8, tile["place"]
        checked += 1
    return got, checked


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A tileset over central Nanming: an ENU frame, a tile turned by 30 degrees and
    moved, nested boxes, a sphere and a region."""
    d = tmp_path_factory.mktemp("built")
    box = lambda cx, cy, hx, hy, hz: [cx, cy, hz, hx, 0, 0, 0, hy, 0, 0, 0, hz]
    tileset = {
        "asset": {"version": "1.1"},
        "geometricError": 400,
        "root": {
            "transform": enu(106.7098, 26.5812, 1100.0),
            "boundingVolume": {"box": box(0, 0, 600, 600, 80)},
            "geometricError": 200,
            "refine": "REPLACE",
            "content": {"uri": "root.glb"},
            "children": [
                {
                    "transform": rotation_z(30, (150, -90, 0)),
                    "boundingVolume": {"box": box(0, 0, 120, 60, 40)},
                    "geometricError": 50,
                    "content": {"uri": "turned.glb"},
                    "children": [
                        {
                            "transform": rotation_z(-75, (40, 10, 5)),
                            "boundingVolume": {"box": box(5, 5, 20, 10, 15)},
                            "geometricError": 0,
                            "content": {"uri": "a/b/nested.glb"},
                        }
                    ],
                },
                {"boundingVolume": {"sphere": [-300, 250, 20, 75]}, "geometricError": 0, "content": {"uri": "sphere.glb"}},
                {
                    "boundingVolume": {"region": [math.radians(106.705), math.radians(26.577), math.radians(106.707), math.radians(26.579), 1000, 1200]},
                    "geometricError": 0,
                    "content": {"uri": "region.glb"},
                },
                {"boundingVolume": {"box": box(0, 0, 10, 10, 10)}, "transform": [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, -1e7, 0, 0, 1], "geometricError": 0},
            ],
        },
    }
    path = d / "tileset.json"
    path.write_text(json.dumps(tileset))
    return path


def test_footprints_agree_with_pyproj_on_a_built_tileset(built):
    got, checked = compare(built)
    assert checked == 5
    # the tile moved 10,000 km off the ground is reported, not placed
    assert len(got["problems"]) == 1 and "not georeferenced" in got["problems"][0]["message"]


@pytest.mark.parametrize("sample", ["TilesetWithRequestVolume", "TilesetWithTreeBillboards", "SparseImplicitQuadtree"])
def test_footprints_agree_with_pyproj_on_the_samples(sample):
    got, checked = compare(SAMPLES / sample / "tileset.json")
    if sample == "SparseImplicitQuadtree":
        assert checked == 0, "local coordinates: nothing is on the ground"
    else:
        assert checked == len(got["tiles"]) > 0


def registry():
    resources = []
    for f in (SAMPLES / "schema").rglob("*.schema.json"):
        schema = json.loads(f.read_text())
        resource = referencing.Resource.from_contents(schema, default_specification=referencing.jsonschema.DRAFT202012)
        rel = f.relative_to(SAMPLES / "schema").as_posix()
        resources += [(schema.get("$id", rel), resource), (rel, resource)]
    return referencing.Registry().with_resources(resources)


def test_a_cells_subset_is_valid_and_holds_exactly_the_tiles_over_it(built, tmp_path):
    for name in ["root.glb", "turned.glb", "a/b/nested.glb", "sphere.glb", "region.glb"]:
        f = built.parent / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_bytes(bytes(range(256)) * 4)
    (built.parent.parent / "outside.txt").write_text("secret")
    store = tmp_path / "city.gpkg"
    citygrid("store", "init", store, "--from", ROOT / "data" / "guiyang" / "partition.geojson.gz")
    citygrid("tileset", "add", "--store", store, "--name", "built", built)
    probed = probe(built)
    footprints = [shapely.Polygon(t["footprint"]) if t["footprint"] else None for t in probed["tiles"]]
    schema = json.loads((SAMPLES / "schema" / "tileset.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, registry=registry())
    with serving("--store", store) as base:
        status, _, body = http(f"{base}/v1/3dtiles/built/coverage?level=cell")
        assert status == 200, body
        rows = json.loads(body)["rows"]
        reached = [r["code"] for r in rows if r["covered"] > 0]
        assert 3 <= len(reached) < 200, len(reached)
        for code in reached[:25]:
            status, _, body = http(f"{base}/v1/cells/{code}/3dtiles/built/tileset.json")
            assert status == 200, body
            subset = json.loads(body)
            errors = sorted(validator.iter_errors(subset), key=lambda e: e.path)
            assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]
            status, _, cell = http(f"{base}/v1/cells/{code}")
            shape = shapely.geometry.shape(json.loads(cell)["geometry"])
            meets = {t["contents"][0] for t, f in zip(probed["tiles"], footprints) if f is not None and t["contents"] and f.intersects(shape)}
            def uris(tile):
                own = [tile["content"]["uri"]] if "content" in tile else []
                return own + [u for c in tile.get("children", []) for u in uris(c)]
            served = {u.removeprefix("/v1/3dtiles/built/") for u in uris(subset["root"])}
            # the tiles over the cell, and the root above them (it is over every cell here)
            assert served == meets | {"root.glb"}, (code, served, meets)
            assert subset["metadata"]["properties"]["code"] == code
            assert subset["extras"]["citygrid"]["clippingPolygon"]["type"] == "MultiPolygon"
        # content: only the tileset's files, with ranges
        status, headers, body = http(f"{base}/v1/3dtiles/built/a/b/nested.glb", headers={"Range": "bytes=10-19"})
        assert status == 206 and body == bytes(range(10, 20)), (status, body)
        assert headers["Content-Range"] == "bytes 10-19/1024"
        for path in ["../outside.txt", "..%2F..%2Foutside.txt", "tileset.json", "a/b/missing.glb", "%2Fetc%2Fpasswd"]:
            status, _, _ = http(f"{base}/v1/3dtiles/built/{path}")
            assert status in (400, 404), (path, status)
        status, _, body = http(f"{base}/v1/3dtiles/nothing/root.glb")
        assert status == 404 and b"no tileset" in body
        status, _, _ = http(f"{base}/v1/3dtiles/built/root.glb", headers={"Range": "bytes=5000-"})
        assert status == 416


def test_the_demo_tilesets_subsets_are_valid_and_their_content_passes_the_gltf_validator(tmp_path):
    store = tmp_path / "city.gpkg"
    citygrid("store", "init", store, "--from", ROOT / "data" / "guiyang" / "partition.geojson.gz")
    citygrid("tileset", "demo", "--store", store, "--dir", tmp_path / "tiles")
    schema = json.loads((SAMPLES / "schema" / "tileset.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema, registry=registry())
    served = tmp_path / "served"
    with serving("--store", store) as base:
        status, _, body = http(f"{base}/v1/3dtiles/oblique/coverage?level=cell")
        assert status == 200, body
        cells = [r["code"] for r in json.loads(body)["rows"] if r["covered"] > 0]
        assert 60 <= len(cells) <= 120, len(cells)  # the generated area holds 69 cell centres
        uris = set()
        for code in cells:
            status, _, body = http(f"{base}/v1/cells/{code}/3dtiles/oblique/tileset.json")
            assert status == 200, (code, body)
            subset = json.loads(body)
            errors = list(validator.iter_errors(subset))
            assert not errors, (code, [f"{list(e.path)}: {e.message}" for e in errors[:5]])
            stack = [subset["root"]]
            while stack:
                tile = stack.pop()
                stack += tile.get("children", [])
                uris |= {c["uri"] for c in [tile.get("content")] + tile.get("contents", []) if c}
        # every content the subsets name, as the server sends it, through the validator
        for uri in sorted(uris):
            status, _, body = http(f"{base}{uri}")
            assert status == 200, uri
            out = served / uri.removeprefix("/v1/3dtiles/oblique/")
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(body)
    gltf = ROOT / "tests" / "gltf"
    if not (gltf / "node_modules").exists():
        pytest.skip("tests/gltf/node_modules is missing: scripts/test.sh installs gltf-validator")
    done = subprocess.run(["node", str(gltf / "validate.mjs"), str(served)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
