"""OGC API - Features under /ogc, read by an independent client: GDAL's OAPIF driver
(through pyogrio's bundled GDAL), with shapely and pyproj for the expected answers.

GIS staff connect QGIS and ogr2ogr to the live cells through /ogc, so what GDAL reads
there must be the partition: every unit of a level once, with its code, properties
and the same coordinates, in the coordinate system asked for (CGCS2000 and Web
Mercator included), page after page. What GDAL hides (headers, paging links, error
answers, HTML pages, the OpenAPI document, versions in time) is checked with plain
HTTP and schemathesis. Together these exercise exactly the conformance classes the
server declares: core, geojson, html, oas30 (Part 1) and crs (Part 2).
"""

import json
import logging
import os
import re
import subprocess
import sys
import urllib.parse
import warnings
from datetime import datetime, timezone

import numpy as np
import pyogrio
import pyproj
import pytest
import shapely

from conftest import binary, citygrid, free_port, http, serving, synth_city

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


def epsg(code):
    return f"http://www.opengis.net/def/crs/EPSG/0/{code}"


CRS_URIS = [CRS84, epsg(4326), epsg(4490), epsg(3857)]
LAT_FIRST = {epsg(4326), epsg(4490)}  # the EPSG definitions put latitude first
COLLECTIONS = {"districts": "district", "townships": "township", "villages": "village", "cells": "cell"}
CONFORMANCE = {
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    # Part 4, exercised over HTTP by crates/server/tests/edits.rs (GDAL's OAPIF
    # driver reads only).
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
}
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TO_MERCATOR = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)


# ---------------------------------------------------------------- the city and its server


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    """A generated city small enough to read whole many times over (200 cells)."""
    path = tmp_path_factory.mktemp("ogc") / "city.geojson"
    synth_city(path, cells=200, vertices=16, seed=5, extent_km=10)
    return path


@pytest.fixture(scope="module")
def units(city):
    """The partition's units, {level: {code: GeoJSON feature}}: what every answer is compared with."""
    by_level = {level: {} for level in COLLECTIONS.values()}
    for f in json.loads(city.read_text())["features"]:
        p = f["properties"]
        if p["level"] in by_level:
            by_level[p["level"]][p["code"]] = f
    return by_level


@pytest.fixture(scope="module")
def ogc(city):
    """The /ogc root of `citygrid serve --partition` on the city."""
    with serving("--partition", city) as base:
        yield base + "/ogc"


def url(base, path="", **params):
    """BASE/PATH?PARAMS, with `bbox_crs=` written as the standard's `bbox-crs=`."""
    query = urllib.parse.urlencode({k.replace("_", "-"): v for k, v in params.items()})
    return f"{base}{path}" + (f"?{query}" if query else "")


def numbers(values):
    """A bbox parameter: the numbers in full (repr), comma separated."""
    return ",".join(repr(float(v)) for v in values)


def get_json(address, headers=None):
    """The JSON of a 200 answer and its headers; anything else fails the test with the request and answer."""
    status, head, body = http(address, headers)
    assert status == 200, f"GET {address}: {status} {body[:500]!r}"
    return json.loads(body), head


def link(doc, rel, media_type=None):
    """The href of a document's link of that relation (and media type), or None."""
    for candidate in doc.get("links", []):
        if candidate.get("rel") == rel and (media_type is None or candidate.get("type", "").startswith(media_type)):
            return candidate["href"]
    return None


def all_pages(first):
    """Every page of items from `first` on, following `next` links as a client does."""
    pages, address = [], first
    while address:
        page, _ = get_json(address)
        pages.append(page)
        assert len(pages) <= 1000, f"more than 1000 pages from {first}: the next links loop"
        address = link(page, "next") and urllib.parse.urljoin(address, link(page, "next"))
    return pages


def codes_of(features):
    return sorted(f["properties"]["code"] for f in features)


# ---------------------------------------------------------------- geometry


def shape(feature):
    return shapely.from_geojson(json.dumps(feature["geometry"]))


def same_shape(a, b, tolerance):
    """Equal vertex for vertex within the tolerance, whatever ring a vertex list starts at or
    turns (GeoJSON readers and writers may re-orient rings: the shape is what must not move)."""
    return bool(shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=tolerance))


def swap_xy(geom):
    return shapely.transform(geom, lambda xy: xy[:, ::-1])


def to_mercator(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(TO_MERCATOR.transform(xy[:, 0], xy[:, 1])))


def mercator_box(box):
    """A lon/lat box in Web Mercator: the same box, since x follows longitude alone and y latitude alone."""
    return tuple(float(v) for v in (*TO_MERCATOR.transform(box[0], box[1]), *TO_MERCATOR.transform(box[2], box[3])))


def in_crs(geom, crs):
    """A WGS84 lon/lat geometry as the server should write it in `crs`: CGCS2000 is WGS84 to
    the centimetre, EPSG:4326 and EPSG:4490 put latitude first, EPSG:3857 is Web Mercator metres."""
    if crs == epsg(3857):
        return to_mercator(geom)
    return swap_xy(geom) if crs in LAT_FIRST else geom


def tolerance(crs):
    return 1e-3 if crs == epsg(3857) else 1e-9


def mismatched(got, expected, crs):
    """Codes whose geometry differs from the expected one: {code: what GDAL or the server gave}."""
    return {code: shapely.to_wkt(g, rounding_precision=10)[:200] for code, g in got.items()
            if not same_shape(g, expected[code], tolerance(crs))}


def query_box(level_units, across=(0.35, 0.6), up=(0.4, 0.55)):
    """A box inside the city (lon/lat), a few cells wide, away from its edges."""
    minx, miny, maxx, maxy = shapely.total_bounds([shape(f) for f in level_units.values()])
    w, h = maxx - minx, maxy - miny
    return tuple(float(v) for v in (minx + across[0] * w, miny + up[0] * h, minx + across[1] * w, miny + up[1] * h))


def corner_box(level_units):
    """A box about a metre wide in the south-west corner of a unit's bounding box, outside the
    unit itself: the bounding-box rule takes the unit, a geometry test would not, so only
    here do the two rules give different answers (the city's units are nearly convex)."""
    for code in sorted(level_units):
        geom = shape(level_units[code])
        minx, miny, _, _ = geom.bounds
        box = (minx + 1e-7, miny + 1e-7, minx + 1e-5, miny + 1e-5)  # strictly inside: no tie at an edge
        if not geom.intersects(shapely.box(*box)):
            return tuple(float(v) for v in box)
    pytest.fail("every unit reaches the south-west corner of its bounding box")


def bbox_meets(geom, box):
    """The server's rule: a unit's bounding box meets the query box (edges included)."""
    minx, miny, maxx, maxy = geom.bounds
    return minx <= box[2] and box[0] <= maxx and miny <= box[3] and box[1] <= maxy


# ---------------------------------------------------------------- GDAL


@pytest.fixture
def gdal_is_silent(caplog):
    """Fails a test in which GDAL warns or errs (an unexpected Content-Type, a link it cannot
    follow, a CRS it does not know): QGIS users would see the same complaint."""
    with warnings.catch_warnings(record=True) as caught, caplog.at_level(logging.DEBUG):
        warnings.simplefilter("always")
        yield
    assert [str(w.message) for w in caught] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def gdal_read(ogc, collection, **open_options):
    """A whole collection read through GDAL's OAPIF driver (open options such as PAGE_SIZE,
    CRS, and pyogrio's bbox); returns the layer's CRS, {column: values} and {code: geometry}."""
    bbox = open_options.pop("bbox", None)
    meta, _, wkb, values = pyogrio.raw.read(f"OAPIF:{ogc}", layer=collection, bbox=bbox, **open_options)
    columns = dict(zip(meta["fields"], values))
    codes = list(columns["code"])
    assert len(set(codes)) == len(codes), f"{collection}: GDAL read some features twice"
    return meta["crs"], columns, dict(zip(codes, shapely.from_wkb(wkb)))


@pytest.mark.usefixtures("gdal_is_silent")
@pytest.mark.parametrize("collection", COLLECTIONS)
def test_gdal_reads_every_collection_as_the_partition_s_units_with_their_geometries(ogc, units, collection):
    level = COLLECTIONS[collection]
    expected = units[level]
    info = pyogrio.read_info(f"OAPIF:{ogc}", layer=collection)
    assert (info["geometry_type"], info["features"]) == ("MultiPolygon", len(expected))  # numberMatched
    _, columns, geoms = gdal_read(ogc, collection)
    assert sorted(geoms) == sorted(expected), f"{collection}: the codes GDAL read are not the {level} units"
    assert mismatched(geoms, {c: shape(f) for c, f in expected.items()}, CRS84) == {}
    for i, code in enumerate(columns["code"]):
        p = expected[code]["properties"]
        assert columns["name"][i] == p["name"]
        assert columns["level"][i] == level
        assert columns["parent"][i] == p["parent"], code
        assert columns["households"][i] == p["households"], code


@pytest.mark.usefixtures("gdal_is_silent")
def test_gdal_paging_seven_at_a_time_brings_every_cell_exactly_once(ogc, units):
    _, columns, _ = gdal_read(ogc, "cells", PAGE_SIZE=7)
    assert sorted(columns["code"]) == sorted(units["cell"])


@pytest.mark.usefixtures("gdal_is_silent")
@pytest.mark.parametrize("code", [4490, 3857])
def test_gdal_asking_for_a_crs_gets_a_layer_in_it_with_the_coordinates_transformed(ogc, units, code):
    """GDAL sends crs= and bbox-crs= and gives geometries longitude first whatever the CRS (it
    swaps what the server sends latitude first for EPSG:4490), so a server writing EPSG:4490
    longitude first fails here. EPSG:4326 is not asked for: GDAL reads it as CRS84, the same
    WGS84, without a crs parameter; its latitude-first answers are checked over plain HTTP."""
    crs, _, geoms = gdal_read(ogc, "cells", CRS=f"EPSG:{code}")
    assert crs == f"EPSG:{code}"
    expected = {c: shape(f) for c, f in units["cell"].items()}
    if code == 3857:
        expected = {c: to_mercator(g) for c, g in expected.items()}
    assert sorted(geoms) == sorted(expected)
    assert mismatched(geoms, expected, epsg(code)) == {}


@pytest.mark.usefixtures("gdal_is_silent")
@pytest.mark.parametrize("code", [None, 4490, 3857])
def test_gdal_s_bbox_gets_exactly_the_units_whose_geometry_meets_the_box(ogc, units, code):
    """GDAL sends the box to the server (bbox, and bbox-crs when the layer is not CRS84) and then
    keeps the features whose geometry meets it (GEOS): a server that drops a unit whose bounding
    box meets the box loses it here; one that sends too many is corrected by GDAL."""
    options = {"CRS": f"EPSG:{code}"} if code else {}
    expected = {c: shape(f) for c, f in units["cell"].items()}
    box = query_box(units["cell"])
    if code == 3857:
        expected = {c: to_mercator(g) for c, g in expected.items()}
        box = mercator_box(box)
    inside = sorted(c for c, g in expected.items() if g.intersects(shapely.box(*box)))
    assert 3 <= len(inside) < len(expected), "the query box should hold a few cells, not all"
    _, _, geoms = gdal_read(ogc, "cells", bbox=box, **options)
    assert sorted(geoms) == inside


# ---------------------------------------------------------------- plain HTTP: the documents


def test_the_landing_page_links_the_api_its_docs_the_conformance_and_the_collections(ogc):
    landing, head = get_json(ogc)
    assert head["Content-Type"].startswith("application/json")
    assert landing["title"] and "description" in landing
    assert link(landing, "self") and link(landing, "alternate", "text/html")
    api = link(landing, "service-desc", "application/vnd.oai.openapi+json;version=3.0")
    assert api and urllib.parse.urljoin(ogc, api).endswith("/ogc/api"), landing["links"]
    assert link(landing, "service-doc") and urllib.parse.urljoin(ogc, link(landing, "service-doc")).endswith("/docs")
    assert urllib.parse.urljoin(ogc, link(landing, "conformance")).endswith("/ogc/conformance")
    assert urllib.parse.urljoin(ogc, link(landing, "data")).endswith("/ogc/collections")
    doc, _ = get_json(urllib.parse.urljoin(ogc, api))
    assert doc["openapi"].startswith("3.0."), doc.get("openapi")


def test_conformance_lists_exactly_the_classes_the_tests_exercise(ogc):
    conformance, _ = get_json(f"{ogc}/conformance")
    assert sorted(conformance["conformsTo"]) == sorted(CONFORMANCE)


def test_each_collection_says_its_extent_crs_and_where_its_items_are(ogc, units):
    listing, _ = get_json(f"{ogc}/collections")
    assert sorted(c["id"] for c in listing["collections"]) == sorted(COLLECTIONS)
    assert sorted(listing["crs"]) == sorted(CRS_URIS)
    assert link(listing, "self")
    for collection, level in COLLECTIONS.items():
        c, _ = get_json(f"{ogc}/collections/{collection}")
        assert c["id"] == collection and c["title"] and "description" in c
        assert c["itemType"] == "feature"
        assert c["extent"]["spatial"]["crs"] == CRS84
        [bbox] = c["extent"]["spatial"]["bbox"]
        bounds = shapely.total_bounds([shape(f) for f in units[level].values()])
        assert bbox == pytest.approx(list(bounds), abs=1e-9), collection
        if "temporal" in c["extent"]:  # a partition file has no version time; a store's is checked below
            [[start, end]] = c["extent"]["temporal"]["interval"]
            assert RFC3339.match(start) and end is None, c["extent"]["temporal"]
        assert sorted(c["crs"]) == sorted(CRS_URIS)
        assert c["storageCrs"] == CRS84
        items = link(c, "items", "application/geo+json")
        assert items and urllib.parse.urljoin(ogc, items).split("?")[0].endswith(f"/ogc/collections/{collection}/items")
        assert link(c, "items", "text/html") and link(c, "self") and link(c, "alternate", "text/html")
        listed = next(x for x in listing["collections"] if x["id"] == collection)
        assert (listed["extent"], sorted(listed["crs"])) == (c["extent"], sorted(c["crs"]))


# ---------------------------------------------------------------- plain HTTP: items


def test_paging_by_hand_numbers_timestamps_and_next_links_add_up(ogc, units):
    pages = all_pages(url(ogc, "/collections/cells/items", limit=7))
    assert len(pages) == -(-len(units["cell"]) // 7)
    seen = []
    for i, page in enumerate(pages):
        assert page["type"] == "FeatureCollection"
        assert page["numberMatched"] == len(units["cell"])
        assert page["numberReturned"] == len(page["features"]) == min(7, len(units["cell"]) - 7 * i)
        assert RFC3339.match(page["timeStamp"]), page["timeStamp"]
        assert abs(datetime.fromisoformat(page["timeStamp"]) - datetime.now(timezone.utc)).total_seconds() < 600
        assert link(page, "self") and link(page, "alternate", "text/html")
        seen += [f["properties"]["code"] for f in page["features"]]
    assert link(pages[-1], "next") is None
    assert sorted(seen) == sorted(units["cell"]), "paging lost or repeated cells"


def test_limit_defaults_to_100_and_10000_takes_every_cell(ogc, units):
    default, _ = get_json(f"{ogc}/collections/cells/items")
    assert default["numberReturned"] == 100 and link(default, "next")
    everything, _ = get_json(url(ogc, "/collections/cells/items", limit=10000))
    assert codes_of(everything["features"]) == sorted(units["cell"]) and link(everything, "next") is None


def test_features_have_the_code_as_id_and_the_unit_s_properties(ogc, units):
    for collection, level in COLLECTIONS.items():
        page, head = get_json(url(ogc, f"/collections/{collection}/items", limit=10000))
        assert head["Content-Type"].startswith("application/geo+json")
        assert sorted(f["id"] for f in page["features"]) == sorted(units[level]), collection
        for f in page["features"]:
            p = units[level][f["id"]]["properties"]
            assert f["type"] == "Feature" and f["geometry"]["type"] == "MultiPolygon"
            assert isinstance(f["id"], str)
            expected = {"code": p["code"], "name": p["name"], "level": level, "households": p["households"],
                        "parent": p["parent"]}
            assert {k: f["properties"].get(k) for k in expected} == expected


def test_code_and_parent_filters_match_those_properties_exactly(ogc, units):
    cell = sorted(units["cell"])[17]
    one, _ = get_json(url(ogc, "/collections/cells/items", code=cell))
    assert codes_of(one["features"]) == [cell] and one["numberMatched"] == 1
    village = units["cell"][cell]["properties"]["parent"]
    children, _ = get_json(url(ogc, "/collections/cells/items", parent=village))
    expected = sorted(c for c, f in units["cell"].items() if f["properties"]["parent"] == village)
    assert codes_of(children["features"]) == expected and children["numberMatched"] == len(expected)
    township = units["village"][village]["properties"]["parent"]
    villages, _ = get_json(url(ogc, "/collections/villages/items", parent=township))
    assert codes_of(villages["features"]) == sorted(
        c for c, f in units["village"].items() if f["properties"]["parent"] == township)
    none, _ = get_json(url(ogc, "/collections/cells/items", code=village))  # a village is not a cell
    assert none["features"] == [] and none["numberMatched"] == 0 and none["numberReturned"] == 0


def test_a_feature_is_found_by_its_code_and_only_in_its_own_collection(ogc, units):
    cell = sorted(units["cell"])[3]
    feature, head = get_json(f"{ogc}/collections/cells/items/{cell}")
    assert head["Content-Type"].startswith("application/geo+json")
    assert head["Content-Crs"] == f"<{CRS84}>"
    assert feature["type"] == "Feature" and feature["id"] == cell
    assert same_shape(shape(feature), shape(units["cell"][cell]), 1e-9)
    village = units["cell"][cell]["properties"]["parent"]
    status, _, body = http(f"{ogc}/collections/cells/items/{village}")
    assert status == 404, f"a village's code among the cells: {status} {body[:300]!r}"
    assert get_json(f"{ogc}/collections/villages/items/{village}")[0]["id"] == village


@pytest.mark.parametrize("crs", CRS_URIS)
def test_content_crs_names_the_crs_and_latitude_comes_first_where_epsg_says_so(ogc, units, crs):
    cell = sorted(units["cell"])[5]
    expected = in_crs(shape(units["cell"][cell]), crs)
    for path in (f"/collections/cells/items/{cell}", "/collections/cells/items"):
        params = {"crs": crs} | ({} if path.endswith(cell) else {"code": cell})
        doc, head = get_json(url(ogc, path, **params))
        assert head["Content-Crs"] == f"<{crs}>", url(ogc, path, **params)
        feature = doc if doc["type"] == "Feature" else doc["features"][0]
        assert same_shape(shape(feature), expected, tolerance(crs)), (
            f"GET {url(ogc, path, **params)}: first vertex {feature['geometry']['coordinates'][0][0][0]}, "
            f"expected {shapely.get_coordinates(expected)[0].tolist()}")


@pytest.mark.parametrize("collection", ["cells", "villages"])
@pytest.mark.parametrize("where", ["a few units", "a unit's bounding-box corner"])
def test_bbox_keeps_the_units_whose_bounding_box_meets_it_in_any_bbox_crs(ogc, units, collection, where):
    level = COLLECTIONS[collection]
    box = query_box(units[level]) if where == "a few units" else corner_box(units[level])
    expected = sorted(c for c, f in units[level].items() if bbox_meets(shape(f), box))
    if where != "a few units":
        touched = sorted(c for c, f in units[level].items() if shape(f).intersects(shapely.box(*box)))
        assert expected != touched, "the corner box should tell the bounding-box rule from a geometry test"
    lat_first = (box[1], box[0], box[3], box[2])
    for params in ({"bbox": numbers(box)},
                   {"bbox": numbers(lat_first), "bbox_crs": epsg(4326)},
                   {"bbox": numbers(lat_first), "bbox_crs": epsg(4490)},
                   {"bbox": numbers(mercator_box(box)), "bbox_crs": epsg(3857)},
                   {"bbox": numbers(box), "bbox_crs": CRS84}):
        address = url(ogc, f"/collections/{collection}/items", limit=10000, **params)
        page, _ = get_json(address)
        assert codes_of(page["features"]) == expected, address
        assert page["numberMatched"] == len(expected), address


def test_an_etag_sent_back_is_answered_304_and_differs_between_answers(ogc, units):
    cell = sorted(units["cell"])[9]
    etags = []
    for address in (url(ogc, "/collections/cells/items", limit=5), url(ogc, "/collections/cells/items", limit=6),
                    f"{ogc}/collections/cells/items/{cell}", url(ogc, f"/collections/cells/items/{cell}", crs=epsg(3857))):
        status, head, _ = http(address)
        assert status == 200 and head["ETag"], f"GET {address}: {status}, ETag {head.get('ETag')}"
        again, head304, body = http(address, {"If-None-Match": head["ETag"]})
        assert (again, body) == (304, b""), f"GET {address} If-None-Match: {head['ETag']}: {again} {body[:200]!r}"
        assert head304["ETag"] == head["ETag"]
        other, _, _ = http(address, {"If-None-Match": '"something-else"'})
        assert other == 200, f"GET {address} with another ETag: {other}"
        etags.append(head["ETag"])
    assert len(set(etags)) == len(etags), f"different answers share an ETag: {etags}"


@pytest.mark.parametrize(
    "path, params, status, named",
    [
        ("/collections/cells/items", {"crs": epsg(9999)}, 400, "crs"),
        ("/collections/cells/items/{cell}", {"crs": "EPSG:4490"}, 400, "crs"),
        ("/collections/cells/items", {"bbox-crs": epsg(9999), "bbox": "1,2,3,4"}, 400, "bbox-crs"),
        ("/collections/cells/items", {"bbox": "106.6,26.5,106.7"}, 400, "bbox"),
        ("/collections/cells/items", {"bbox": "a,b,c,d"}, 400, "bbox"),
        ("/collections/cells/items", {"limit": "0"}, 400, "limit"),
        ("/collections/cells/items", {"limit": "10001"}, 400, "limit"),
        ("/collections/cells/items", {"limit": "ten"}, 400, "limit"),
        ("/collections/cells/items", {"offset": "-1"}, 400, "offset"),
        ("/collections/cells/items", {"datetime": "yesterday"}, 400, "datetime"),
        ("/collections/cells/items", {"f": "xml"}, 400, "f="),
        ("/collections/nowhere", {}, 404, "nowhere"),
        ("/collections/nowhere/items", {}, 404, "nowhere"),
        ("/collections/cells/items/999999999999999", {}, 404, "999999999999999"),
    ],
)
def test_a_bad_request_is_a_4xx_json_error_naming_what_is_wrong(ogc, units, path, params, status, named):
    address = url(ogc, path.format(cell=sorted(units["cell"])[0]), **params)
    got, head, body = http(address)
    assert got == status, f"GET {address}: {got} {body[:300]!r}"
    assert "json" in head["Content-Type"], f"GET {address}: Content-Type {head['Content-Type']}"
    error = json.loads(body)
    assert named in json.dumps(error, ensure_ascii=False), f"GET {address}: {body[:300]!r} does not name {named!r}"


@pytest.mark.parametrize(
    "path", ["", "/conformance", "/collections", "/collections/cells", "/collections/cells/items", "/collections/cells/items/{cell}"]
)
def test_every_resource_is_also_a_plain_html_page(ogc, units, path):
    address = ogc + path.format(cell=sorted(units["cell"])[0])
    for request in (url(address, f="html"), address):
        headers = {} if "f=html" in request else {"Accept": "text/html"}
        status, head, body = http(request, headers)
        assert status == 200, f"GET {request} {headers}: {status} {body[:300]!r}"
        assert head["Content-Type"].startswith("text/html"), f"GET {request} {headers}: {head['Content-Type']}"
        assert b"<html" in body.lower()
    status, head, _ = http(url(address, f="json"), {"Accept": "text/html"})  # f outranks Accept
    assert status == 200 and "json" in head["Content-Type"], f"GET {url(address, f='json')}: {head['Content-Type']}"


# ---------------------------------------------------------------- the OpenAPI document (oas30)


def test_the_ogc_openapi_document_keeps_its_promises_under_schemathesis(ogc):
    """As test_api_schema.py does for /openapi.json: every documented answer must be what the
    document says, and what it forbids must be refused."""
    doc, _ = get_json(f"{ogc}/api")
    root = ogc[: -len("/ogc")]
    # Paths written /ogc/... are relative to the server's root; /collections... to /ogc.
    base = root if any(p == "/ogc" or p.startswith("/ogc/") for p in doc["paths"]) else ogc
    run = subprocess.run(
        [
            os.path.join(os.path.dirname(sys.executable), "schemathesis"), "run", f"{ogc}/api", "--url", base,
            "--checks", "all", "--exclude-checks", "positive_data_acceptance",
            "--max-examples", "25", "--seed", "1", "--no-color",
        ],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]


# ---------------------------------------------------------------- versions in time


def households_at(ogc, cell, **params):
    """The cell's households as /ogc serves it with those parameters, from the items list and
    from the item itself (they must agree)."""
    listed, _ = get_json(url(ogc, "/collections/cells/items", code=cell, **params))
    assert len(listed["features"]) == 1, f"items?code={cell} with {params}: {len(listed['features'])} features"
    one, _ = get_json(url(ogc, f"/collections/cells/items/{cell}", **params))
    assert listed["features"][0]["properties"]["households"] == one["properties"]["households"], params
    return one["properties"]["households"]


def test_datetime_serves_the_version_in_force_at_that_time(city, units, tmp_path):
    store = tmp_path / "city.gpkg"
    citygrid("store", "init", store, "--from", city, "--author", "pytest", "--message", "version 1")
    token = citygrid("token", "create", "--store", store, "--role", "editor", "--name", "pytest").strip()
    cell = sorted(units["cell"])[0]
    before = units["cell"][cell]["properties"]["households"]
    with serving("--store", store) as base:
        ogc = f"{base}/ogc"
        old_etag = http(f"{ogc}/collections/cells/items/{cell}")[1]["ETag"]
        edit = {"base_version": 1, "message": "households counted again",
                "ops": [{"op": "set", "cell": cell, "attributes": {"households": before + 1000}}]}
        status, _, body = http(f"{base}/v1/edits", {"Authorization": f"Bearer {token}"}, "POST", json.dumps(edit).encode())
        assert status == 200, body
        versions = {v["version"]: v["created_at"] for v in get_json(f"{base}/v1/versions")[0]["versions"]}
        first, second = (datetime.fromisoformat(versions[n]) for n in (1, 2))
        assert (second - first).total_seconds() >= 0.002, versions
        between = (first + (second - first) / 2).isoformat(timespec="milliseconds").replace("+00:00", "Z")

        assert households_at(ogc, cell) == before + 1000
        assert households_at(ogc, cell, datetime=between) == before
        assert households_at(ogc, cell, datetime=f"../{between}") == before
        assert households_at(ogc, cell, datetime=f"{versions[1]}/{between}") == before
        assert households_at(ogc, cell, datetime=f"{between}/..") == before + 1000
        assert households_at(ogc, cell, datetime="..") == before + 1000
        assert households_at(ogc, cell, version=1) == before
        assert households_at(ogc, cell, version=2) == before + 1000

        status = http(f"{ogc}/collections/cells/items/{cell}", {"If-None-Match": old_etag})[0]
        assert status == 200, f"version 1's ETag {old_etag} still matched after version 2: {status}"
        collection, _ = get_json(f"{ogc}/collections/cells")
        [[start, _]] = collection["extent"]["temporal"]["interval"]
        assert datetime.fromisoformat(start) == first
