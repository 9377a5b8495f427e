"""citygrid check against GEOS (shapely >= 2.1) on generated partitions.

For clean cities and every kind of geometric damage, on several seeds:
- wherever GEOS's coverage validation reports an invalid edge on a cell, citygrid
  reports a coverage violation (unmatched_edge, overlap, gap) or invalid_geometry
  naming that cell;
- GEOS's is_valid and citygrid's invalid_geometry agree cell for cell.
GEOS defines coverage validation for valid polygons only, so cells next to an invalid
one (their boxes meet) are left out of the first comparison.
The cells citygrid names beyond GEOS are counted and printed (gaps, which GEOS does
not look for with gap_width 0).
"""

import json

import pytest
import shapely

from conftest import citygrid_check, synth_city

KINDS = [None, "move_vertex", "extra_vertex", "remove_cell", "shift_cell", "narrow_gap", "bow_tie"]
SEEDS = range(1, 9)
COVERAGE_RULES = {"unmatched_edge", "overlap", "gap", "invalid_geometry"}
extra_findings = {}


def load(path):
    features = json.loads(path.read_text())["features"]
    codes = [f["properties"]["code"] for f in features]
    polygons = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    return codes, polygons


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k or "clean")
@pytest.mark.parametrize("seed", SEEDS)
def test_citygrid_finds_every_cell_geos_finds(tmp_path, seed, kind):
    path = tmp_path / "cells.geojson"
    synth_city(path, cells=150, vertices=24, seed=seed, extent_km=12, damage=kind, cells_only=True)
    codes, polygons = load(path)
    status, report = citygrid_check(path, "--gap-width", "0")

    edges = shapely.coverage_invalid_edges(polygons, gap_width=0.0)
    geos_invalid = {c for c, p in zip(codes, polygons) if not shapely.is_valid(p)}
    invalid_boxes = [shapely.envelope(p) for c, p in zip(codes, polygons) if c in geos_invalid]
    near_invalid = {c for c, p in zip(codes, polygons) if any(shapely.intersects(shapely.envelope(p), b) for b in invalid_boxes)}
    geos_cells = {c for c, e in zip(codes, edges) if not e.is_empty}
    named = {c for err in report["errors"] if err["rule"] in COVERAGE_RULES for c in err["cells"]}
    missed = geos_cells - named - near_invalid
    assert not missed, f"GEOS finds {sorted(missed)} that citygrid misses: {report['errors']}"

    ours_invalid = {c for err in report["errors"] if err["rule"] == "invalid_geometry" for c in err["cells"]}
    assert geos_invalid == ours_invalid

    if kind is None:
        assert status == 0 and not geos_cells, report["errors"]
    else:
        assert status == 1
    beyond = named - geos_cells
    if beyond:
        rules = sorted({e["rule"] for e in report["errors"] if set(e["cells"]) & beyond})
        extra_findings.setdefault(kind, []).append((len(beyond), rules))


def test_summary_of_what_citygrid_finds_beyond_geos():
    """Prints the tally (run with -s); always passes once the cases above ran."""
    for kind, found in sorted(extra_findings.items(), key=lambda kv: str(kv[0])):
        rules = sorted({r for _, rs in found for r in rs})
        print(f"{kind}: {len(found)} of {len(SEEDS)} cases name {sum(n for n, _ in found)} more cells; rules {rules}")


def test_the_guiyang_districts_are_a_valid_coverage_for_both(tmp_path):
    from conftest import ROOT

    path = ROOT / "data" / "guiyang" / "districts.geojson"
    codes, polygons = load(path)
    assert shapely.coverage_is_valid(polygons)
    status, report = citygrid_check(path, "--boundary", str(ROOT / "data" / "guiyang" / "city.geojson"))
    assert status == 0, report["errors"]
