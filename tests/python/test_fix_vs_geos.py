"""citygrid fix checked by GEOS (shapely >= 2.1) on generated partitions.

For every kind of geometric damage, on several seeds, the repaired cells are:
- each a valid polygon for GEOS (`is_valid`);
- a valid coverage for GEOS (`coverage_is_valid`, gap width 0): shared edges match
  vertex for vertex and nothing overlaps;
- together, with snapping off, the area the damaged cells covered (each made valid
  by GEOS's `make_valid`) plus exactly the gaps the repair says it filled: the area
  of the symmetric difference of the two unions, measured by GEOS, equals the filled
  area the report gives. (Snapping closes some slivers itself, reported per unit.)
"""

import math

import json
import subprocess

import pytest
import shapely

from conftest import binary, synth_city

KINDS = ["move_vertex", "extra_vertex", "remove_cell", "shift_cell", "narrow_gap", "bow_tie"]
SEEDS = range(1, 7)


def polygons(path):
    features = json.loads(path.read_text())["features"]
    return shapely.from_geojson([json.dumps(f["geometry"]) for f in features])


def citygrid_fix(path, out, *extra):
    """Runs `citygrid fix --format json`; returns (exit status, report)."""
    done = subprocess.run(
        [binary("citygrid"), "fix", str(path), "--out", str(out), "--format", "json", *extra],
        capture_output=True,
        text=True,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


@pytest.mark.parametrize("snap", ["1", "0"])
@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", SEEDS)
def test_geos_finds_the_repaired_cells_a_valid_coverage(tmp_path, seed, kind, snap):
    damaged = tmp_path / "cells.geojson"
    fixed = tmp_path / "fixed.geojson"
    synth_city(damaged, cells=150, vertices=24, seed=seed, extent_km=12, damage=kind, cells_only=True)
    status, report = citygrid_fix(damaged, fixed, "--snap", snap)
    repair = report["repair"]

    out = polygons(fixed)
    assert all(shapely.is_valid(out)), [shapely.is_valid_reason(p) for p in out if not shapely.is_valid(p)]
    assert shapely.coverage_is_valid(out, gap_width=0.0)
    assert report["check"]["valid"] == (status == 0)
    left_open = {p["kind"] for p in repair["unresolved"]}
    assert left_open <= {"wide_gap"}, repair["unresolved"]
    assert status == (1 if left_open else 0), report["check"]["errors"]

    if snap != "0":
        return
    # What changed between the two unions is the gaps filled, nothing else.
    before = shapely.union_all(shapely.make_valid(polygons(damaged)))
    after = shapely.union_all(out)
    # Degrees² to m² at the cells' latitude (WGS84 series for a degree of each).
    phi = math.radians(shapely.centroid(after).y)
    per_lat = 111_132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    per_lon = 111_412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)
    m2 = per_lat * per_lon
    changed = shapely.area(shapely.symmetric_difference(before, after)) * m2
    filled = sum(c["area_m2"] for c in repair["changes"] if c["kind"] == "gap")
    assert abs(changed - filled) <= max(0.5, 0.01 * filled), (changed, filled, repair["changes"])
