#!/usr/bin/env python3
"""Times GEOS (through shapely) on a cells GeoJSON file, for the check benchmark.

Prints one JSON object: seconds (median of --runs) for coverage_invalid_edges
(GEOS's coverage validation, which is what `citygrid check` replaces),
coverage_is_valid and is_valid over all cells, plus versions and counts. Loading the
file is not timed, as citygrid's benchmark does not time reading either.
"""

import argparse
import json

import shapely

from common import timed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cells")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    features = json.load(open(args.cells))["features"]
    polygons = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    vertices = int(sum(shapely.get_num_coordinates(polygons)))
    edges_s, edges = timed(lambda: shapely.coverage_invalid_edges(polygons, gap_width=0.0), args.runs)
    valid_cov_s, valid_cov = timed(lambda: shapely.coverage_is_valid(polygons, gap_width=0.0), args.runs)
    valid_s, valid = timed(lambda: shapely.is_valid(polygons), args.runs)
    print(json.dumps({
        "shapely": shapely.__version__,
        "geos": ".".join(map(str, shapely.geos_version)),
        "cells": len(polygons),
        "vertices": vertices,
        "coverage_invalid_edges_s": edges_s,
        "coverage_is_valid_s": valid_cov_s,
        "is_valid_s": valid_s,
        "invalid_edge_cells": int(sum(1 for e in edges if not e.is_empty)),
        "coverage_valid": bool(valid_cov),
        "all_valid": bool(valid.all()),
    }))


if __name__ == "__main__":
    main()
