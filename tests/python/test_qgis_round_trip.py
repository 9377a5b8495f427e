"""The QGIS round trip, with GDAL playing QGIS: a generated city's store exported in
Gauss-Kruger (EPSG:4545), its cells layer edited and saved through GDAL (pyogrio), and
committed with `citygrid commit`.

The edit does what GIS staff do in QGIS: move a vertex two cells share in both of them
(topological editing), split a cell into two features that keep the same code (Split
Features), delete a cell and enlarge its neighbour over it (as Merge Features leaves
it). The new version must be in the history, an export of the head must pass `citygrid
check`, cells nobody touched must be bit for bit what they were, and the moved vertex
must be where PROJ puts the new Gauss-Kruger position. A vertex moved in one cell only
(an overlap) must be refused with exit status 1 and a problems layer naming the
overlap, leaving the store's head as it was.
"""

import json
import subprocess

import numpy as np
import pyogrio
import pyproj
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.polygon import orient

from conftest import binary, citygrid, synth_city


def read_cells(path):
    meta, _, wkb, fields = pyogrio.raw.read(path, layer="cells")
    return meta, list(shapely.from_wkb(wkb)), dict(zip(meta["fields"], fields))


def write_cells(path, meta, geoms, columns):
    """Saves the cells layer as QGIS would after an edit session: through GDAL."""
    pyogrio.raw.write(
        path,
        shapely.to_wkb([MultiPolygon([g]) if g.geom_type == "Polygon" else g for g in geoms]),
        [np.asarray(columns[name]) for name in meta["fields"]],
        meta["fields"],
        layer="cells",
        driver="GPKG",
        geometry_type="MultiPolygon",
        crs=meta["crs"],
    )


def ring(g):
    """The shell of a one-part cell, without its closing point."""
    return list(g.geoms[0].exterior.coords)[:-1]


def head(store):
    return json.loads(citygrid("history", "--store", store, "--format", "json"))["head"]


def commit(*args):
    return subprocess.run([binary("citygrid"), "commit", *map(str, args)], capture_output=True, text=True)


def shared_inner_vertex(geoms, skip=()):
    """Cells i, j and a vertex only they have, inside their shared boundary (both its
    ring neighbours in i are in j too), so moving it in both moves nothing else."""
    rings = [ring(g) for g in geoms]
    count = {}
    for r in rings:
        for v in r:
            count[v] = count.get(v, 0) + 1
    for i, ri in enumerate(rings):
        for j, rj in enumerate(rings):
            if i == j or i in skip or j in skip:
                continue
            sj = set(rj)
            for k, v in enumerate(ri):
                if count[v] == 2 and v in sj and ri[k - 1] in sj and ri[(k + 1) % len(ri)] in sj:
                    return i, j, v
    raise AssertionError("no vertex shared by exactly two cells")


def moved_in(g, old, new):
    return MultiPolygon([Polygon([new if v == old else v for v in g.geoms[0].exterior.coords])])


def split(g):
    """The cell cut along a chord between two of its vertices inside it: the two parts,
    of original vertices only."""
    pts = ring(g)
    n = len(pts)
    for a in range(n):
        for b in range(a + 2, n - (a == 0)):
            chord = shapely.LineString([pts[a], pts[b]])
            first, second = Polygon(pts[a : b + 1]), Polygon(pts[b:] + pts[: a + 1])
            parts = (first, second)
            if g.contains(chord) and all(p.is_valid and p.area > 0.25 * g.area for p in parts):
                return parts
    return None


def dissolve(a, b):
    """Two neighbours as one polygon of their own vertices: the segments they share
    cancel, the rest is traced (a GEOS union may move vertices in the last bit)."""
    edges = []
    for g in (a, b):
        r = list(orient(g.geoms[0], 1.0).exterior.coords)[:-1]
        edges += [(r[i], r[(i + 1) % len(r)]) for i in range(len(r))]
    present = set(edges)
    kept = [e for e in edges if (e[1], e[0]) not in present]
    if len(kept) == len(edges):
        return None
    nxt = dict(kept)
    if len(nxt) != len(kept):
        return None
    out = [kept[0][0]]
    while nxt[out[-1]] != out[0] and len(out) <= len(kept):
        out.append(nxt[out[-1]])
    return Polygon(out) if len(out) == len(kept) else None


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("qgis")
    synth_city(folder / "city.geojson", cells=80, vertices=8, seed=4, extent_km=6)
    store = folder / "city.gpkg"
    citygrid("store", "init", store, "--from", folder / "city.geojson", "--author", "pytest", "--message", "generated")
    return folder, store


@pytest.fixture(scope="module")
def committed(city):
    """The edit of the module docstring, committed; what it touched."""
    folder, store = city
    edited = folder / "edited.gpkg"
    citygrid("export", "cells", edited, "--store", store, "--crs", "epsg:4545")
    _, v1, v1_columns = read_cells(store)
    meta, geoms, columns = read_cells(edited)
    codes = list(columns["code"])

    a, b, old = shared_inner_vertex(geoms)
    new = (old[0] + 2.0, old[1] + 1.5)
    geoms[a], geoms[b] = moved_in(geoms[a], old, new), moved_in(geoms[b], old, new)

    used = {a, b}
    c = next(k for k in range(len(geoms)) if k not in used and split(geoms[k]))
    first, second = split(geoms[c])
    geoms[c] = MultiPolygon([first])
    used.add(c)

    village = columns["village_code"]
    d, e, merged = next(
        (d, e, m)
        for d in range(len(geoms))
        for e in range(len(geoms))
        if d != e
        and not used & {d, e}
        and village[d] == village[e]
        and (m := dissolve(geoms[d], geoms[e])) is not None
    )
    geoms[e] = MultiPolygon([merged])

    keep = [k for k in range(len(geoms)) if k != d]
    columns = {name: [values[k] for k in keep] + [values[c]] for name, values in columns.items()}
    geoms = [geoms[k] for k in keep] + [MultiPolygon([second])]
    write_cells(edited, meta, geoms, columns)

    said = commit(edited, "--store", store, "--message", "moved, split, merged", "--author", "王芳")
    assert said.returncode == 0, said.stdout + said.stderr
    return {
        "said": said.stdout,
        "before": dict(zip(v1_columns["code"], v1)),
        "moved": (codes[a], codes[b], new),
        "split": codes[c],
        "retired": codes[d],
        "enlarged": codes[e],
    }


def test_the_edit_is_one_new_version_in_the_history(city, committed):
    _, store = city
    assert "version 2 by 王芳" in committed["said"], committed["said"]
    history = json.loads(citygrid("history", "--store", store, "--format", "json"))
    assert history["head"] == 2
    v2 = history["versions"][0]
    assert (v2["kind"], v2["author"], v2["message"]) == ("edit", "王芳", "moved, split, merged")
    a, b, _ = committed["moved"]
    assert {a, b, committed["split"], committed["enlarged"]} <= set(v2["changed"])
    assert v2["retired"] == [committed["retired"]]
    [new] = v2["created"]
    # The smaller part of the split: the next free code of the split cell's village.
    village = committed["split"][:12]
    assert new.startswith(village) and new > max(c for c in committed["before"] if c.startswith(village))
    assert f"new cell {new}" in committed["said"] and f"split from {committed['split']}" in committed["said"]


def test_an_export_of_the_head_passes_the_check(city, committed):
    folder, store = city
    out = folder / "head.geojson"
    citygrid("export", "cells", out, "--store", store)
    done = subprocess.run([binary("citygrid"), "check", str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_untouched_cells_are_bit_for_bit_and_the_moved_vertex_is_where_proj_puts_it(city, committed):
    _, store = city
    _, after, columns = read_cells(store)
    now = dict(zip(columns["code"], after))
    before = committed["before"]
    a, b, new = committed["moved"]
    touched = {a, b, committed["split"], committed["enlarged"], committed["retired"]}
    untouched = [code for code in before if code not in touched]
    assert len(untouched) > 70
    for code in untouched:
        assert shapely.to_wkb(now[code]) == shapely.to_wkb(before[code]), f"{code} moved"
    # The moved vertex: transformed back once, the same bits in both cells, where
    # PROJ puts the new Gauss-Kruger position; every other vertex as it was.
    lon, lat = pyproj.Transformer.from_crs("EPSG:4545", "EPSG:4326", always_xy=True).transform(*new)
    for code in (a, b):
        gone = set(ring(before[code])) - set(ring(now[code]))
        [moved] = set(ring(now[code])) - set(ring(before[code]))
        assert len(gone) == 1 and len(ring(now[code])) == len(ring(before[code])), code
        # citygrid's proj4rs and PROJ agree to the millimetre (1e-8 degrees).
        assert abs(moved[0] - lon) < 1e-8 and abs(moved[1] - lat) < 1e-8, (moved, lon, lat)
    assert (set(ring(now[a])) - set(ring(before[a]))) == (set(ring(now[b])) - set(ring(before[b])))
    # Split and merge used the cells' own vertices: nothing new anywhere.
    old_vertices = {v for g in before.values() for v in ring(g)}
    for code in (committed["split"], committed["enlarged"]):
        assert set(ring(now[code])) <= old_vertices, code


def test_an_overlap_is_refused_with_a_problems_layer_and_the_head_stays(city, committed):
    folder, store = city
    edited = folder / "overlap.gpkg"
    citygrid("export", "cells", edited, "--store", store, "--crs", "epsg:4545")
    meta, geoms, columns = read_cells(edited)
    f, g, v = shared_inner_vertex(geoms)
    # Towards the middle of its neighbour, in one cell only: it now reaches into g.
    target = geoms[g].representative_point()
    dx, dy = target.x - v[0], target.y - v[1]
    step = 5.0 / (dx * dx + dy * dy) ** 0.5
    geoms[f] = moved_in(geoms[f], v, (v[0] + dx * step, v[1] + dy * step))
    write_cells(edited, meta, geoms, columns)
    problems = folder / "problems.gpkg"

    said = commit(edited, "--store", store, "--message", "too far", "--problems", problems)
    assert said.returncode == 1, said.stdout + said.stderr
    assert "refused" in said.stdout and "overlap" in said.stdout, said.stdout
    assert head(store) == 2
    layers = dict(pyogrio.list_layers(problems))
    assert layers["problems_areas"] == "MultiPolygon"
    info = pyogrio.read_info(problems, layer="problems_areas")
    assert info["crs"] == "EPSG:4545"
    _, _, wkb, fields = pyogrio.raw.read(problems, layer="problems_areas")
    rows = dict(zip(info["fields"], fields))
    overlaps = [i for i, rule in enumerate(rows["rule"]) if rule == "overlap"]
    assert overlaps, rows["rule"]
    pair = {columns["code"][f], columns["code"][g]}
    assert any(pair <= set(rows["cells"][i].split(",")) for i in overlaps), rows["cells"]
    # The overlap lies where the vertex went.
    place = shapely.from_wkb(wkb[overlaps[0]])
    assert place.intersects(geoms[f]) and place.intersects(geoms[g])
