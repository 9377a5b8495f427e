#!/usr/bin/env python3
"""Compare citygrid's cells with standard regionalizations (PySAL spopt) on one township.

For each township given by code, this script

1. reads the township and citygrid's cells inside it from the built partition;
2. builds the same kind of atomic units independently: H3 hexagons whose centre lies
   in the township (h3-py), households per hexagon from the population raster
   (pixel value / people-per-household, shared equally by the hexagon centres that
   fall in the pixel);
3. runs spopt's MaxPHeuristic (floor of the band: 300 households per region) and
   RegionKMeansHeuristic with k = citygrid's cell count (optionally AZP and Skater
   with the same k) on those hexagons with libpysal rook contiguity;
4. times the real `citygrid build` on the township alone (township given as the
   lowest unit, its outline also serving as city and district);
5. measures every result with the same yardstick: households per region on the
   hexagon weights of step 2, Polsby-Popper compactness in a local transverse
   Mercator projection, multipart regions, wall and CPU time;
6. prints a markdown table per township and writes them to results.md.

Every spopt solver runs in a child process with a time limit, so a solver that does
not finish in time is reported as such instead of stalling the comparison.
Deterministic: fixed seeds, sorted hexagons.

Run `python compare.py --help` for the options; README.md beside this file shows
the commands that produced results.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import multiprocessing as mp
import os
import random
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import h3
import libpysal
import numpy as np
import pyproj
import rasterio
import shapely
from shapely.geometry import shape

warnings.filterwarnings("ignore")

ROOT = Path(__file__).resolve().parents[2]
BAND = (300.0, 500.0)
# citygrid's defaults (crates/build/src/options.rs): target households per cell,
# empty land per cell, hexagons the densest cells should hold, resolution range.
HOUSEHOLDS_PER_CELL = 400.0
CELL_AREA_M2 = 25.0e6
HEXES_PER_CELL = 40.0
MIN_RES, MAX_RES = 8, 12
PROBE_RES = 9


# --- inputs -----------------------------------------------------------------------


def read_partition(path: Path) -> dict[str, dict]:
    """Every unit of the partition by code: its properties and geometry."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        fc = json.load(f)
    return {f["properties"]["code"]: f for f in fc["features"]}


def cells_of(units: dict[str, dict], township: str) -> list[dict]:
    """citygrid's cells inside a township (cell -> village -> township), by code."""
    villages = {
        c
        for c, f in units.items()
        if f["properties"]["level"] == "village" and f["properties"]["parent"] == township
    }
    return sorted(
        (
            f
            for f in units.values()
            if f["properties"]["level"] == "cell" and f["properties"]["parent"] in villages
        ),
        key=lambda f: f["properties"]["code"],
    )


class Raster:
    """The population raster: people per pixel, north-up, EPSG:4326."""

    def __init__(self, path: Path):
        with rasterio.open(path) as src:
            if src.crs is None or src.crs.to_epsg() != 4326:
                sys.exit(f"{path}: expected a raster in EPSG:4326, found {src.crs}")
            self.values = src.read(1).astype(np.float64)
            self.nodata = src.nodata
            self.inverse = ~src.transform
            self.transform = src.transform
        self.rows, self.cols = self.values.shape

    def pixels(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Row-major pixel index of each position, -1 outside the raster."""
        col, row = self.inverse * (lon, lat)
        col = np.floor(col).astype(np.int64)
        row = np.floor(row).astype(np.int64)
        ok = (col >= 0) & (col < self.cols) & (row >= 0) & (row < self.rows)
        return np.where(ok, row * self.cols + col, -1)

    def value(self, pixel: np.ndarray) -> np.ndarray:
        """People in each pixel (0 for no data or outside)."""
        v = np.where(pixel >= 0, self.values.ravel()[np.maximum(pixel, 0)], 0.0)
        if self.nodata is not None:
            v = np.where(v == self.nodata, 0.0, v)
        return np.where(np.isfinite(v) & (v > 0), v, 0.0)


# --- atomic units: hexagons and their households --------------------------------------


@dataclass
class Hexagons:
    """The hexagons whose centre lies in the township, sorted, with households."""

    res: int
    cells: list[str]
    lonlat: np.ndarray  # (n, 2) centres, degrees
    households: np.ndarray
    area_m2: np.ndarray
    orphan_households: float = 0.0  # from pixels holding no hexagon centre


def hexagons(geom, res: int, raster: Raster, people_per_household: float) -> Hexagons:
    """Tiles `geom` at `res` and spreads the raster onto the hexagons.

    A pixel's value is shared equally by all hexagon centres in it, including the
    centres of hexagons that belong to the neighbouring townships (as in a whole-city
    build, where every township's hexagons share the pixels on its boundary); only the
    township's own hexagons (centre inside) keep their share. A pixel inside the
    township that holds no hexagon centre at all (hexagons coarser than pixels) gives
    its value to the hexagon around the pixel's centre, as citygrid does.
    """
    cells = sorted(h3.geo_to_cells(geom, res))
    if not cells:
        sys.exit(f"no H3 resolution-{res} hexagon has its centre in the township")
    lonlat = np.array([h3.cell_to_latlng(c)[::-1] for c in cells])
    # Hexagon centres of the whole neighbourhood, to count centres per pixel.
    margin = 2.0 * max(abs(raster.transform.a), abs(raster.transform.e))
    around = sorted(h3.geo_to_cells(geom.buffer(margin), res))
    around_ll = np.array([h3.cell_to_latlng(c)[::-1] for c in around])
    around_px = raster.pixels(around_ll[:, 0], around_ll[:, 1])
    counts: dict[int, int] = {}
    for p in around_px.tolist():
        if p >= 0:
            counts[p] = counts.get(p, 0) + 1
    px = raster.pixels(lonlat[:, 0], lonlat[:, 1])
    share = np.array([counts.get(p, 1) for p in px.tolist()], dtype=np.float64)
    households = raster.value(px) / people_per_household / share

    # Pixels of the township without any hexagon centre.
    index = {c: i for i, c in enumerate(cells)}
    orphan = 0.0
    minx, miny, maxx, maxy = geom.bounds
    c0, r0 = raster.inverse * (minx, maxy)
    c1, r1 = raster.inverse * (maxx, miny)
    shapely.prepare(geom)
    for row in range(max(int(math.floor(r0)), 0), min(int(math.floor(r1)) + 1, raster.rows)):
        for col in range(max(int(math.floor(c0)), 0), min(int(math.floor(c1)) + 1, raster.cols)):
            p = row * raster.cols + col
            if p in counts:
                continue
            v = raster.value(np.array([p]))[0]
            if v <= 0:
                continue
            lon, lat = raster.transform * (col + 0.5, row + 0.5)
            if not shapely.contains_xy(geom, lon, lat):
                continue
            i = index.get(h3.latlng_to_cell(lat, lon, res))
            if i is not None:
                households[i] += v / people_per_household
                orphan += v / people_per_household
    area = np.full(len(cells), h3.average_hexagon_area(res, "m^2"))
    return Hexagons(res, cells, lonlat, households, area, orphan)


def citygrid_resolution(geom, raster: Raster, people_per_household: float) -> int:
    """The H3 resolution citygrid picks for a township (crates/build/src/build.rs).

    A probe at resolution 9: the densest 5% of the township's workload (households /
    400 + area / 25 km²) gives the area of its densest cells; the resolution is the
    coarsest in 8..=12 whose hexagons are at most 1/40 of that.
    """
    probe = hexagons(geom, PROBE_RES, raster, people_per_household)
    load = probe.households / HOUSEHOLDS_PER_CELL + probe.area_m2 / CELL_AREA_M2
    density = load / probe.area_m2
    order = np.argsort(-density, kind="stable")
    total = load.sum()
    acc, rho = 0.0, density[order[0]]
    for i in order:
        acc += load[i]
        rho = density[i]
        if acc >= 0.05 * total:
            break
    target = (1.0 / rho if rho > 0 else CELL_AREA_M2) / HEXES_PER_CELL
    for r in range(MIN_RES, MAX_RES + 1):
        if h3.average_hexagon_area(r, "m^2") <= target:
            return r
    return MAX_RES


# --- regions and their measures -----------------------------------------------------


@dataclass
class Result:
    """One way of dividing the township, measured."""

    method: str
    regions: int = 0
    households: list[float] = field(default_factory=list)
    compactness: list[float] = field(default_factory=list)
    multipart: int = 0
    wall_s: float | None = None
    cpu_s: float | None = None
    note: str = ""


def local_projection(geom) -> pyproj.Transformer:
    """A transverse Mercator centred on the township: metres with little distortion."""
    c = geom.centroid
    crs = pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0={c.y:.6f} +lon_0={c.x:.6f} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
    )
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def to_metres(geom, tr: pyproj.Transformer):
    return shapely.transform(geom, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))


def polsby_popper(geom_m) -> float:
    """4πA/P² of a geometry in metres (all parts, holes' perimeter included)."""
    return 4.0 * math.pi * geom_m.area / geom_m.length**2 if geom_m.length > 0 else 0.0


def parts(geom) -> int:
    return len(geom.geoms) if hasattr(geom, "geoms") else (0 if geom.is_empty else 1)


def measure_labels(method: str, hexes: Hexagons, labels: np.ndarray, tr) -> Result:
    """Regions given as a label per hexagon: dissolved with H3's own cell outlines."""
    r = Result(method)
    for lab in np.unique(labels):
        members = np.flatnonzero(labels == lab)
        r.households.append(float(hexes.households[members].sum()))
        outline = shapely.geometry.shape(
            h3.cells_to_geo([hexes.cells[i] for i in members.tolist()])
        )
        # cells_to_geo gives (lng, lat) GeoJSON.
        m = to_metres(outline, tr)
        r.compactness.append(polsby_popper(m))
        r.multipart += parts(outline) > 1
    r.regions = len(r.households)
    return r


def measure_polygons(method: str, polys: list, hexes: Hexagons, tr) -> Result:
    """Regions given as polygons: households of the hexagons whose centre is inside."""
    r = Result(method)
    labels = label_by_polygon(polys, hexes)
    for k, g in enumerate(polys):
        r.households.append(float(hexes.households[labels == k].sum()))
        r.compactness.append(polsby_popper(to_metres(g, tr)))
        r.multipart += parts(g) > 1
    r.regions = len(polys)
    return r


def label_by_polygon(polys: list, hexes: Hexagons) -> np.ndarray:
    """The polygon holding each hexagon centre (the nearest one for a centre on no
    polygon, which only a boundary rounding can cause)."""
    tree = shapely.STRtree(polys)
    pts = shapely.points(hexes.lonlat)
    idx_pt, idx_poly = tree.query(pts, predicate="intersects")
    labels = np.full(len(pts), -1, dtype=np.int64)
    labels[idx_pt[::-1]] = idx_poly[::-1]  # first hit wins
    missing = np.flatnonzero(labels < 0)
    if missing.size:
        labels[missing] = tree.query_nearest(pts[missing], return_distance=False)[1]
    return labels


# --- citygrid ---------------------------------------------------------------------------


def run_citygrid(binary: Path, township: dict, raster: Path, pph: float, cells: int, repeats: int):
    """Builds the township alone with the real CLI and times it.

    The township is the lowest given unit; its outline is also the city's and the
    district's, so the input is a clean nested partition. Returns the cells, the
    best-of-`repeats` wall time, its CPU time, the resolution citygrid reports and the
    command line.
    """
    props = township["properties"]
    geom = township["geometry"]
    district = props["parent"]
    city = district[:4] + "00"
    with tempfile.TemporaryDirectory(prefix="citygrid-spopt-") as tmp:
        tmp = Path(tmp)
        (tmp / "city.geojson").write_text(
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {"code": city, "name": "city", "level": "city"},
                            "geometry": geom,
                        }
                    ],
                }
            )
        )
        feats = [
            {"code": district, "name": "district", "level": "district", "parent": city},
            {"code": props["code"], "name": props["name"], "level": "township", "parent": district},
        ]
        (tmp / "units.geojson").write_text(
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        {"type": "Feature", "properties": p, "geometry": geom} for p in feats
                    ],
                },
                ensure_ascii=False,
            )
        )
        out = tmp / "out.geojson"
        cmd = [
            str(binary), "build",
            "--city", str(tmp / "city.geojson"),
            "--units", str(tmp / "units.geojson"),
            "--weights", str(raster),
            "--people-per-household", f"{pph:g}",
            "--cells", str(cells),
            "-o", str(out),
        ]  # fmt: skip
        best = None
        for _ in range(repeats):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True)
            wall = time.perf_counter() - t0
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if done.returncode != 0:
                sys.exit(f"citygrid build failed:\n{done.stderr}")
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            if best is None or wall < best[0]:
                best = (wall, cpu, done.stderr)
        fc = json.loads(out.read_text())
    m = re.search(r"H3 resolutions per unit: \[(\d+)", best[2])
    res = int(m.group(1)) if m else None
    polys = [
        shape(f["geometry"]) for f in fc["features"] if f["properties"]["level"] == "cell"
    ]
    shown = " ".join(shlex.quote(c) for c in cmd).replace(str(tmp), "$TMP")
    return polys, best[0], best[1], res, shown, best[2]


# --- spopt ------------------------------------------------------------------------------


def solve(method, hexes_xy, households, neighbors, k, seed, maxp, conn):
    """Runs one spopt solver (in a child process) and sends back labels and times."""
    import geopandas as gpd
    from spopt.region import AZP, MaxPHeuristic, RegionKMeansHeuristic, Skater

    random.seed(seed)
    np.random.seed(seed)
    w = libpysal.weights.W(neighbors, silence_warnings=True)
    gdf = gpd.GeoDataFrame(
        {"x": hexes_xy[:, 0], "y": hexes_xy[:, 1], "households": households},
        geometry=gpd.points_from_xy(hexes_xy[:, 0], hexes_xy[:, 1]),
    )
    attrs = ["x", "y"]
    t0, c0 = time.perf_counter(), time.process_time()
    if method == "maxp":
        model = MaxPHeuristic(
            gdf,
            w,
            attrs,
            "households",
            BAND[0],
            top_n=2,
            max_iterations_construction=maxp[0],
            max_iterations_sa=maxp[1],
        )
    elif method == "kmeans":
        model = RegionKMeansHeuristic(hexes_xy, k, w, seed=seed)
    elif method == "azp":
        model = AZP(gdf, w, attrs, n_clusters=k, random_state=seed)
    elif method == "skater":
        model = Skater(gdf, w, attrs, n_clusters=k)
    else:
        raise ValueError(method)
    model.solve()
    conn.send(
        (np.asarray(model.labels_), time.perf_counter() - t0, time.process_time() - c0)
    )


METHOD_NAMES = {
    "maxp": "spopt MaxPHeuristic (floor 300 households)",
    "kmeans": "spopt RegionKMeansHeuristic (k = citygrid's)",
    "azp": "spopt AZP (k = citygrid's)",
    "skater": "spopt Skater (k = citygrid's)",
}


def run_spopt(code, method, hexes: Hexagons, xy, neighbors, k, args, tr) -> Result:
    """Runs a solver in a child process, killed after `args.time_limit` seconds."""
    limit = args.time_limit
    maxp = (args.maxp_constructions, args.maxp_sa)
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    p = ctx.Process(
        target=solve, args=(method, xy, hexes.households, neighbors, k, args.seed, maxp, child)
    )
    t0 = time.perf_counter()
    p.start()
    child.close()
    got = parent.poll(limit)
    if not got:
        p.kill()
        p.join()
        return Result(
            METHOD_NAMES[method],
            wall_s=time.perf_counter() - t0,
            note=f"{len(hexes.cells)} res-{hexes.res} hexagons; did not finish in {limit:g} s",
        )
    try:
        labels, wall, cpu = parent.recv()
    except EOFError:
        p.join()
        return Result(METHOD_NAMES[method], note=f"failed (exit code {p.exitcode})")
    p.join()
    if args.labels:
        args.labels.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            args.labels / f"{code}-{method}-res{hexes.res}.npz",
            hexagons=np.array(hexes.cells),
            households=hexes.households,
            labels=labels,
        )
    r = measure_labels(METHOD_NAMES[method], hexes, labels, tr)
    r.wall_s, r.cpu_s = wall, cpu
    r.note = f"{len(hexes.cells)} res-{hexes.res} hexagons"
    if (labels < 0).any():
        r.note += f"; {int((labels < 0).sum())} hexagons left unassigned"
    return r


# --- report -----------------------------------------------------------------------------


def fmt(v, spec=".0f"):
    return "–" if v is None else format(v, spec)


def in_band(h: np.ndarray) -> float:
    """Percentage of regions in the households band; a sum that is off by rounding
    (MaxP's floor met as 299.99999999999994) counts as in."""
    eps = 1e-6
    return float(np.mean((h >= BAND[0] - eps) & (h <= BAND[1] + eps)) * 100)


def row(r: Result) -> str:
    if not r.households:
        return (
            f"| {r.method} | – | – | – | – | – | – | – | – | – | {fmt(r.wall_s, '.2f')} | "
            f"{fmt(r.cpu_s, '.2f')} | {r.note} |"
        )
    h = np.array(r.households)
    c = np.array(r.compactness)
    inband = in_band(h)
    return (
        f"| {r.method} | {r.regions} | {h.min():.0f} | {np.median(h):.0f} | {h.max():.0f} | "
        f"{h.std() / h.mean():.3f} | {inband:.0f}% | {np.median(c):.2f} | {c.min():.2f} | "
        f"{r.multipart} | {fmt(r.wall_s, '.2f')} | {fmt(r.cpu_s, '.2f')} | {r.note} |"
    )


HEADER = (
    "| method | regions | hh min | hh median | hh max | CV | in 300–500 | PP median | PP min "
    "| multipart | wall s | CPU s | note |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
)


def compare(args, units, raster: Raster, code: str) -> str:
    if code not in units or units[code]["properties"]["level"] != "township":
        sys.exit(f"{code}: no township with this code in {args.partition}")
    t = units[code]
    props = t["properties"]
    geom = shape(t["geometry"])
    tr = local_projection(geom)
    cells = cells_of(units, code)
    k = len(cells)
    pph = args.people_per_household

    # citygrid on the township alone, for time (and its own resolution).
    cg_polys, cg_wall, cg_cpu, cg_res, cg_cmd, cg_summary = run_citygrid(
        args.citygrid, t, args.weights, pph, k, args.repeats
    )
    probe_res = citygrid_resolution(geom, raster, pph)
    # The yardstick: hexagons as fine as citygrid's, to count every region's households.
    fine = hexagons(geom, probe_res, raster, pph)
    # The atomic units of the spopt solvers: the same, or coarser when asked.
    res = args.res or probe_res
    hexes = fine if res == probe_res else hexagons(geom, res, raster, pph)
    xy = np.column_stack(tr.transform(hexes.lonlat[:, 0], hexes.lonlat[:, 1]))
    index = {c: i for i, c in enumerate(hexes.cells)}
    # Rook contiguity: hexagons sharing an edge. H3 gives the neighbours exactly
    # (grid_disk), so libpysal's W is built from them rather than from polygon
    # intersections.
    neighbors = {
        i: sorted(index[n] for n in h3.grid_disk(c, 1) if n != c and n in index)
        for i, c in enumerate(hexes.cells)
    }
    w = libpysal.weights.W(neighbors, silence_warnings=True)

    results = []
    cell_polys = [shape(f["geometry"]) for f in cells]
    r = measure_polygons("citygrid, whole-city build (cells as built)", cell_polys, fine, tr)
    r.note = "from the partition; time: see the township-alone row"
    results.append(r)
    r = measure_labels(
        "citygrid, whole-city build (same cells on spopt's hexagons)",
        hexes,
        label_by_polygon(cell_polys, hexes),
        tr,
    )
    r.note = f"{len(hexes.cells)} res-{hexes.res} hexagons, each to the cell holding its centre"
    results.append(r)
    r = measure_polygons("citygrid build, township alone", cg_polys, fine, tr)
    r.wall_s, r.cpu_s = cg_wall, cg_cpu
    r.note = f"best of {args.repeats} runs; H3 res {cg_res}; balanced on its own weights (see notes)"
    results.append(r)
    for m in args.methods:
        print(f"  {code}: {m} on {len(hexes.cells)} hexagons ...", file=sys.stderr, flush=True)
        results.append(run_spopt(code, m, hexes, xy, neighbors, k, args, tr))

    own = np.array([f["properties"]["households"] for f in cells])
    lines = [
        f"## {code} {props['name']} (district {props['parent']})",
        "",
        f"- area {props['area_m2'] / 1e6:.2f} km², {k} citygrid cells, "
        f"households on the hexagons {fine.households.sum():.0f} "
        f"(partition says {props['households']:.0f})",
        f"- citygrid's H3 resolution (its rule, recomputed here): {probe_res} "
        f"(the township-alone build reported {cg_res}); households of every region are "
        f"counted on these {len(fine.cells)} hexagons (centre in the township)",
        f"- spopt's atomic units: {len(hexes.cells)} H3 resolution-{res} hexagons with centre "
        f"in the township, rook contiguity, {w.n_components} connected component(s), "
        f"{len(w.islands)} island(s); households from pixels holding no hexagon centre: "
        f"{hexes.orphan_households:.0f}",
        f"- citygrid's own households per cell in the partition: min {own.min():.0f}, "
        f"median {np.median(own):.0f}, max {own.max():.0f}, CV {own.std() / own.mean():.3f}, "
        f"{in_band(own):.0f}% in 300–500",
        f"- township-alone build: `{cg_cmd}`; its summary: "
        + "; ".join(
            s.strip() for s in cg_summary.splitlines() if s.startswith(("households", "time"))
        ),
        "",
        HEADER,
        *(row(r) for r in results),
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "townships",
        nargs="*",
        default=["520102016", "520122102"],
        help="township codes (default: 520102016 新华路街道, urban Nanming; 520122102 九庄镇, rural Xifeng)",
    )
    ap.add_argument("--partition", type=Path, default=ROOT / "data/guiyang/partition.geojson.gz")
    ap.add_argument("--weights", type=Path, default=ROOT / "data/guiyang/population.tif")
    ap.add_argument("--people-per-household", type=float, default=2.5)
    ap.add_argument("--citygrid", type=Path, default=ROOT / "target/release/citygrid")
    ap.add_argument(
        "--res", type=int, help="H3 resolution of the atomic units (default: citygrid's)"
    )
    ap.add_argument(
        "--methods",
        type=lambda s: [m for m in s.split(",") if m],
        default=["maxp", "kmeans"],
        help="comma-separated spopt solvers: maxp, kmeans, azp, skater (default maxp,kmeans)",
    )
    ap.add_argument("--time-limit", type=float, default=600.0, help="seconds per spopt solver")
    ap.add_argument("--repeats", type=int, default=3, help="citygrid runs (best time kept)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--maxp-constructions",
        type=int,
        default=99,
        help="MaxPHeuristic max_iterations_construction (spopt's default 99)",
    )
    ap.add_argument(
        "--maxp-sa",
        type=int,
        default=10,
        help="MaxPHeuristic max_iterations_sa (spopt's default 10)",
    )
    ap.add_argument(
        "--labels", type=Path, help="directory to save each spopt solver's labels in (npz)"
    )
    ap.add_argument(
        "--append", action="store_true", help="add to the output file instead of replacing it"
    )
    ap.add_argument("-o", "--output", type=Path, default=Path(__file__).parent / "results.md")
    args = ap.parse_args()
    for m in args.methods:
        if m not in METHOD_NAMES:
            ap.error(f"unknown method {m!r}: use {', '.join(METHOD_NAMES)}")
    if not args.citygrid.exists():
        ap.error(f"{args.citygrid} not found: cargo build --release -j2 --bin citygrid")

    units = read_partition(args.partition)
    raster = Raster(args.weights)
    sections = [compare(args, units, raster, code) for code in args.townships]
    versions = ", ".join(
        f"{n} {v}"
        for n, v in [
            ("python", sys.version.split()[0]),
            ("spopt", __import__("spopt").__version__),
            ("libpysal", libpysal.__version__),
            ("h3", h3.__version__),
            ("shapely", shapely.__version__),
            ("rasterio", rasterio.__version__),
            ("numpy", np.__version__),
        ]
    )
    command = " ".join(shlex.quote(a) for a in ["python", "benches/regionalization/compare.py", *sys.argv[1:]])
    text = "\n".join(
        [
            f"Produced by `{command}` ({versions}; {os.cpu_count()} cores, "
            f"load average {os.getloadavg()[0]:.1f} at the end).",
            "",
            *sections,
        ]
    )
    print(text)
    if args.output != Path("-"):
        with open(args.output, "a" if args.append else "w", encoding="utf-8") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
