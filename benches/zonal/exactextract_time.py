"""Times exactextract 0.3.0 on a raster and polygons, for benches/zonal.rs.

Usage: exactextract_time.py RASTER.tif POLYGONS.geojson RUNS

Prints JSON: the median seconds of RUNS calls of exact_extract with count, sum, mean,
min, max and stdev (the polygons already parsed, as citygrid's side has them), and the
sums of the last call in feature order, for the agreement check.
"""

import json
import statistics
import sys
import time

import exactextract
from exactextract import exact_extract


def main():
    raster, polygons, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(polygons) as f:
        features = json.load(f)["features"]
    times, out = [], None
    for _ in range(runs):
        start = time.perf_counter()
        out = exact_extract(raster, features, ["count", "sum", "mean", "min", "max", "stdev"])
        times.append(time.perf_counter() - start)
    print(json.dumps({
        "exactextract": exactextract.__version__,
        "seconds": statistics.median(times),
        "sums": [f["properties"]["sum"] for f in out],
    }))


if __name__ == "__main__":
    main()
