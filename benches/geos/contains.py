#!/usr/bin/env python3
"""Times GEOS (through shapely) answering point -> cell, for the index benchmark.

Usage: contains.py CELLS.geojson POINTS.bin [--out ANSWERS.bin] [--method M] [--runs N]

POINTS.bin holds little-endian float64 pairs (lon, lat). ANSWERS.bin gets one
little-endian int32 per point: the index (in file order) of the feature whose
interior contains it, -1 for none, -2 for several. Prints one JSON object with the
versions, the method, and seconds: build_s (the STRtree and the prepared cells,
done once) and lookup_s (median of --runs; from the coordinates to the answers,
everything a caller would have to do per batch).

Methods, all single-threaded GEOS calls on prepared cells (GEOS's indexed
point-in-area locator, built once per cell at build time, as citygrid's index is):
  sorted    the points sorted by x once; for each cell, the points within its box
            (a binary search on x, a mask on y), then one shapely.contains_xy of the
            prepared cell over them. The fastest found here, and the default.
  pairs     STRtree over the cells; one bulk query of all points against it (box
            candidates), the pairs sorted by cell, then one vectorised
            shapely.contains_xy over the candidate (cell, point) pairs.
  within    STRtree over the cells; tree.query(points, predicate="within"), which
            tests each candidate without the prepared locator.
Loading the files is not timed, as the citygrid benchmark does not time it either.
"""

import argparse
import json

import numpy as np
import shapely

from common import timed


def answers_from_pairs(n, point_idx, cell_idx):
    """-1 / the cell / -2 per point, from the (point, cell) pairs that contain."""
    answers = np.full(n, -1, dtype=np.int32)
    answers[point_idx] = cell_idx
    counts = np.bincount(point_idx, minlength=n)
    answers[counts > 1] = -2
    return answers


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cells")
    ap.add_argument("points")
    ap.add_argument("--out")
    ap.add_argument("--method", default="sorted", choices=["sorted", "pairs", "within"])
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    features = json.load(open(args.cells))["features"]
    cells = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    xy = np.fromfile(args.points, dtype="<f8").reshape(-1, 2)
    n = len(xy)
    x = np.ascontiguousarray(xy[:, 0])
    y = np.ascontiguousarray(xy[:, 1])

    def build():
        tree = shapely.STRtree(cells)
        shapely.prepare(cells)
        # GEOS builds a prepared polygon's point locator on its first test: do that
        # now, with a point inside each cell's box.
        bounds = shapely.bounds(cells)
        shapely.contains_xy(cells, (bounds[:, 0] + bounds[:, 2]) / 2, (bounds[:, 1] + bounds[:, 3]) / 2)
        return tree

    build_s, tree = timed(build, 1)
    bounds = shapely.bounds(cells)

    if args.method == "sorted":
        def lookup():
            order = np.argsort(x, kind="stable")
            xs, ys = x[order], y[order]
            lo = np.searchsorted(xs, bounds[:, 0], side="left")
            hi = np.searchsorted(xs, bounds[:, 2], side="right")
            found_p, found_c = [], []
            for c, cell in enumerate(cells):
                strip = slice(lo[c], hi[c])
                sel = np.flatnonzero((ys[strip] >= bounds[c, 1]) & (ys[strip] <= bounds[c, 3])) + lo[c]
                hit = sel[shapely.contains_xy(cell, xs[sel], ys[sel])]
                found_p.append(order[hit])
                found_c.append(np.full(len(hit), c, dtype=np.int32))
            return answers_from_pairs(n, np.concatenate(found_p), np.concatenate(found_c))
    elif args.method == "pairs":
        def lookup():
            point_idx, cell_idx = tree.query(shapely.points(x, y))
            by_cell = np.argsort(cell_idx, kind="stable")
            point_idx, cell_idx = point_idx[by_cell], cell_idx[by_cell]
            inside = shapely.contains_xy(cells[cell_idx], x[point_idx], y[point_idx])
            return answers_from_pairs(n, point_idx[inside], cell_idx[inside])
    else:
        def lookup():
            point_idx, cell_idx = tree.query(shapely.points(x, y), predicate="within")
            return answers_from_pairs(n, point_idx, cell_idx)

    lookup_s, answers = timed(lookup, args.runs)
    if args.out:
        answers.astype("<i4").tofile(args.out)
    print(json.dumps({
        "shapely": shapely.__version__,
        "geos": ".".join(map(str, shapely.geos_version)),
        "method": args.method,
        "cells": len(cells),
        "points": n,
        "build_s": build_s,
        "lookup_s": lookup_s,
        "in_one_cell": int((answers >= 0).sum()),
        "in_several": int((answers == -2).sum()),
    }))


if __name__ == "__main__":
    main()
