#!/usr/bin/env python3
"""Write the small GDAL-made GeoTIFFs that cover what the rasterio test files do not.

The real files in tests/data/rasters (copied from rasterio's tests) cover EPSG:4326,
no CRS, a rotated grid, LAEA and UTM. These add, each a few kilobytes and written by
GDAL (through rasterio's bundled copy) so that citygrid is tested against another
writer than its own:

  gdal-3857-tiled-nodata.tif   uint8, EPSG:3857, 16 x 16 tiles with partial edge tiles,
                               nodata 255, Deflate
  gdal-4545-int16-lzw.tif      int16, EPSG:4545 (Guiyang's Gauss-Kruger zone), LZW with
                               the horizontal predictor, 8-row strips, nodata -9999
  gdal-4490-point-float.tif    float32, EPSG:4490, PixelIsPoint, Deflate with the
                               floating-point predictor, NaN pixels
  gdal-4524-uint32.tif         uint32, EPSG:4524 (the same zone with its prefix)
  gdal-4326-int32-tiled.tif    int32, tiled, nodata -1
  gdal-4326-float64-planar.tif float64, 2 bands stored band by band (PlanarConfig 2)
  gdal-4326-rgb16-chunky.tif   uint16, 3 bands pixel-interleaved (band 1 is read)
  gdal-4326-int8.tif           int8 (signed byte)
  gdal-jpeg.tif                JPEG compressed: must fail with a clear error
  gdal-uint64.tif              64-bit integers: must fail with a clear error
  gdal-1bit.tif                1-bit samples (NBITS=1): must fail with a clear error

Values come from integer formulas, so the files are the same on every run with the same
GDAL. Usage: pip install -r tests/requirements.txt && python3 tests/rasters/make_fixtures.py
"""

import os
import pathlib

import numpy as np
import rasterio
from rasterio.transform import from_origin

OUT = pathlib.Path(os.environ.get("RASTER_FIXTURES_OUT", pathlib.Path(__file__).resolve().parents[1] / "data" / "rasters"))

# Guiyang: 106.70E 26.60N, and the same place in EPSG:3857 and EPSG:4545
LON, LAT = 106.70, 26.60
MERC_X, MERC_Y = 11_877_888.0, 3_076_372.0
GK_X, GK_Y = 369_300.0, 2_943_500.0


def pattern(height, width, modulus, offset=0):
    rows, cols = np.mgrid[0:height, 0:width]
    return (rows * 31 + cols * 17 + offset) % modulus


def write(name, data, crs, transform, dtype, tags=None, **options):
    bands = data if data.ndim == 3 else data[np.newaxis]
    profile = dict(
        driver="GTiff", width=bands.shape[2], height=bands.shape[1], count=bands.shape[0],
        dtype=dtype, crs=crs, transform=transform, **options,
    )
    with rasterio.open(OUT / name, "w", **profile) as dst:
        if tags:
            dst.update_tags(**tags)
        dst.write(bands.astype(dtype))
    print(f"wrote {OUT / name} ({(OUT / name).stat().st_size} bytes)")


def main():
    OUT.mkdir(parents=True, exist_ok=True)

    a = pattern(37, 50, 250).astype("uint8")
    a[5:9, 10:20] = 255
    write("gdal-3857-tiled-nodata.tif", a, "EPSG:3857", from_origin(MERC_X, MERC_Y, 250.0, 250.0),
          "uint8", nodata=255, tiled=True, blockxsize=16, blockysize=16, compress="deflate")

    b = (pattern(29, 41, 2000) - 1000).astype("int16")
    b[0, :5] = -9999
    write("gdal-4545-int16-lzw.tif", b, "EPSG:4545", from_origin(GK_X, GK_Y, 100.0, 100.0),
          "int16", nodata=-9999, compress="lzw", predictor=2, blockysize=8)

    c = pattern(23, 31, 997).astype("float32") / 8.0 + 0.125
    c[3, 4] = np.nan
    write("gdal-4490-point-float.tif", c, "EPSG:4490", from_origin(LON, LAT, 0.001, 0.001),
          "float32", tags={"AREA_OR_POINT": "Point"}, compress="deflate", predictor=3)

    d = (pattern(19, 23, 1000) * 4_000_000 + 7).astype("uint32")
    write("gdal-4524-uint32.tif", d, "EPSG:4524", from_origin(36_000_000 + GK_X, GK_Y, 30.0, 30.0),
          "uint32", compress="deflate")

    e = (pattern(40, 33, 5000) - 2500).astype("int32") * 1000
    e[10, 10] = -1
    write("gdal-4326-int32-tiled.tif", e, "EPSG:4326", from_origin(LON, LAT, 0.0005, 0.0005),
          "int32", nodata=-1, tiled=True, blockxsize=16, blockysize=16, compress="deflate")

    f = np.stack([pattern(21, 26, 777) / 3.0, pattern(21, 26, 555, offset=9) * -1.0])
    write("gdal-4326-float64-planar.tif", f, "EPSG:4326", from_origin(LON, LAT, 0.002, 0.002),
          "float64", interleave="band", compress="lzw")

    g = np.stack([pattern(17, 18, 65000), pattern(17, 18, 60000, offset=5), pattern(17, 18, 999, offset=1)])
    write("gdal-4326-rgb16-chunky.tif", g, "EPSG:4326", from_origin(LON, LAT, 0.001, 0.001),
          "uint16", interleave="pixel", compress="deflate")

    h = (pattern(12, 13, 256) - 128).astype("int8")
    write("gdal-4326-int8.tif", h, "EPSG:4326", from_origin(LON, LAT, 0.001, 0.001), "int8")

    rgb = np.stack([pattern(16, 16, 256, offset=k * 40) for k in range(3)]).astype("uint8")
    write("gdal-jpeg.tif", rgb, "EPSG:4326", from_origin(LON, LAT, 0.001, 0.001), "uint8",
          compress="jpeg", photometric="ycbcr")

    write("gdal-uint64.tif", pattern(4, 5, 9).astype("uint64"), "EPSG:4326",
          from_origin(LON, LAT, 0.001, 0.001), "uint64")

    write("gdal-1bit.tif", (pattern(8, 8, 2)).astype("uint8"), "EPSG:4326",
          from_origin(LON, LAT, 0.001, 0.001), "uint8", nbits=1)


if __name__ == "__main__":
    main()
