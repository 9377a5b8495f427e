#!/usr/bin/env python3
"""Times GEOS (through shapely) finding which tile footprints meet which cells, for the
3D Tiles benchmark (benches/threed.rs).

Usage: footprints.py CELLS.geojson FOOTPRINTS.geojson [--runs N]

Builds an STRtree over the footprints (timed apart) and queries it with every cell,
predicate "intersects": the same pairs citygrid-threed's CellTiles finds (it also works
out each cell's coverage, which this does not). Prints one JSON object: versions,
build_s, query_s (medians), and the number of (cell, tile) pairs.
"""

import argparse
import json

import shapely

from common import timed


def main():
    p = argparse.ArgumentParser()
    p.add_argument("cells")
    p.add_argument("footprints")
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    cells = [shapely.geometry.shape(f["geometry"]) for f in json.load(open(a.cells))["features"]]
    prints = [shapely.geometry.shape(f["geometry"]) for f in json.load(open(a.footprints))["features"]]
    build_s, tree = timed(lambda: shapely.STRtree(prints), a.runs)
    query_s, pairs = timed(lambda: tree.query(cells, predicate="intersects"), a.runs)
    print(json.dumps({
        "geos": shapely.geos_version_string,
        "shapely": shapely.__version__,
        "build_s": build_s,
        "query_s": query_s,
        "pairs": int(pairs.shape[1]),
    }))


if __name__ == "__main__":
    main()
