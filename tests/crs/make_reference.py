#!/usr/bin/env python3
"""Write the independent reference data for the citygrid-crs differential tests.

Outputs (byte-identical on every run with the same library versions):
  tests/data/crs/reference.csv  WGS84 lon/lat -> x/y in a CRS, from PROJ (via pyproj)
                                and eviltransform (GCJ-02, BD-09)
  tests/data/crs/geodesic.csv   ellipsoidal WGS84 geodesic lengths (Karney, via
                                pyproj.Geod) for checking citygrid_crs::LocalFrame

Usage: pip install pyproj eviltransform && python3 tests/crs/make_reference.py
The library versions used for the committed files are in tests/data/crs/README.md
(not in the CSV files, so that regenerating them gives the same bytes).
"""

import csv
import io
import os

import eviltransform
import pyproj

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.environ.get("CRS_REFERENCE_OUT", os.path.join(HERE, "..", "data", "crs"))


def no_negative_zero(text):
    # "-0.000000000" and "0.000000000" are the same number: write one spelling only
    return text[1:] if text.startswith("-") and text.strip("-0.") == "" else text


def deg(v):
    return no_negative_zero(f"{v:.9f}")


def metres(v):
    return no_negative_zero(f"{v:.4f}")


def q(v):
    """Round a degree value to what the CSV stores, so both sides start from the same f64."""
    return float(deg(v))


def guiyang_grid():
    # 106.1..107.4E x 26.0..27.5N in 0.1 degree steps, with a small irrational-ish
    # nudge so that points do not sit on round numbers only.
    pts = []
    for i in range(14):
        for j in range(16):
            lon = 106.1 + 0.1 * i + 0.000123 * j
            lat = 26.0 + 0.1 * j + 0.000071 * i
            pts.append((q(lon), q(lat)))
    return pts


CITIES = [
    ("beijing", 116.391, 39.907),
    ("shanghai", 121.473, 31.230),
    ("guangzhou", 113.264, 23.129),
    ("chengdu", 104.066, 30.572),
    ("kunming", 102.833, 24.880),
    ("lhasa", 91.117, 29.647),
    ("urumqi", 87.617, 43.825),
    ("kashgar", 75.989, 39.470),
    ("harbin", 126.642, 45.757),
    ("mohe", 122.536, 52.972),
    ("sanya", 109.512, 18.252),
    ("zengmu_ansha", 112.283, 3.967),
    ("guiyang", 106.630, 26.647),
    # outside China's bounding box: GCJ-02/BD-09 leave these unchanged
    ("tokyo", 139.692, 35.690),
    ("paris", 2.352, 48.857),
    ("sydney", 151.209, -33.869),
]

# Projected cases: (EPSG code as written in the CSV, source geographic CRS for PROJ).
# The Gauss-Kruger CRSs are transformed from EPSG:4490 (their own base CRS) so that
# PROJ applies the projection only; citygrid treats CGCS2000 as WGS84 (see crs.rs).
GUIYANG_PROJECTED = ["epsg:3857", "epsg:4545", "epsg:4524"]


def gk_zone_points(zone):
    cm = 3 * zone
    pts = []
    for dlon in (-1.5, -0.7, 0.0, 0.9, 1.5):
        for lat in (1.0, 18.5, 30.25, 45.0, 53.5):
            pts.append((q(cm + dlon), q(lat)))
    return pts


def transformer(src, dst):
    return pyproj.Transformer.from_crs(src, dst, always_xy=True)


def follow_published_gcj02_formula():
    """Make eviltransform use the Krasovsky semi-major axis in the GCJ-02 offset.

    The published GCJ-02 formula scales its polynomials by the Krasovsky 1940 radii
    (a = 6378245 m); eviltransform 0.1.1 uses its module-level `earthR` (WGS84's 6378137 m)
    there, which scales the offset by 1 + 1.7e-5, about 1 cm in China. `delta` reads the
    global at call time, so setting it makes eviltransform compute the published formula
    with its own code.
    """
    assert eviltransform.earthR == 6378137.0, "eviltransform changed: check delta()"
    lat, lon = 26.647, 106.63
    before = eviltransform.wgs2gcj(lat, lon)
    eviltransform.earthR = 6378245.0
    after = eviltransform.wgs2gcj(lat, lon)
    assert 1e-8 < abs(before[1] - after[1]) < 1e-6, (before, after)


def reference_rows():
    follow_published_gcj02_formula()
    rows = []
    to_3857 = transformer("EPSG:4326", "EPSG:3857")
    gk = {}
    for code in list(range(4513, 4555)):
        gk[code] = transformer("EPSG:4490", f"EPSG:{code}")

    def projected(case, code, lon, lat):
        t = to_3857 if code == "epsg:3857" else gk[int(code.split(":")[1])]
        x, y = t.transform(lon, lat)
        rows.append((case, code, deg(lon), deg(lat), metres(x), metres(y)))

    def offsets(case, lon, lat):
        # eviltransform takes and returns (lat, lng)
        glat, glon = eviltransform.wgs2gcj(lat, lon)
        rows.append((case, "gcj02", deg(lon), deg(lat), deg(glon), deg(glat)))
        blat, blon = eviltransform.wgs2bd(lat, lon)
        rows.append((case, "bd09", deg(lon), deg(lat), deg(blon), deg(blat)))

    for lon, lat in guiyang_grid():
        for code in GUIYANG_PROJECTED:
            projected("guiyang_grid", code, lon, lat)
        offsets("guiyang_grid", lon, lat)

    for name, lon, lat in CITIES:
        lon, lat = q(lon), q(lat)
        offsets(name, lon, lat)
        if abs(lat) < 85:
            projected(name, "epsg:3857", lon, lat)

    # Web Mercator hand-checkable values and far corners
    for lon, lat in ((0.0, 0.0), (180.0, 0.0), (-180.0, 0.0), (45.0, 45.0), (-120.5, -60.25), (179.9, 85.0)):
        projected("web_mercator_world", "epsg:3857", lon, lat)

    # every CGCS2000 3-degree zone, with and without the zone prefix
    for zone in range(25, 46):
        for lon, lat in gk_zone_points(zone):
            projected(f"gk_zone_{zone}", f"epsg:{4534 + zone - 25}", lon, lat)
            projected(f"gk_zone_{zone}", f"epsg:{4513 + zone - 25}", lon, lat)
    return rows


def geodesic_rows():
    """Frame origin, two points, and the WGS84 geodesic length between them."""
    geod = pyproj.Geod(ellps="WGS84")
    rows = []
    origins = [
        ("guiyang", 106.63, 26.647),
        ("equator", 10.0, 0.0),
        ("beijing", 116.391, 39.907),
        ("lat45", -75.0, 45.0),
        ("mohe", 122.536, 52.972),
        ("lat70", 25.0, 70.0),
    ]
    for name, lon0, lat0 in origins:
        lon0, lat0 = q(lon0), q(lat0)
        # radial segments from the origin
        for dist in (10.0, 100.0, 1000.0, 5000.0, 10000.0, 20000.0, 50000.0):
            for az in (0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0):
                lon2, lat2, _ = geod.fwd(lon0, lat0, az, dist)
                lon2, lat2 = q(lon2), q(lat2)
                _, _, d = geod.inv(lon0, lat0, lon2, lat2)
                rows.append((f"{name}_radial", deg(lon0), deg(lat0), deg(lon0), deg(lat0),
                             deg(lon2), deg(lat2), metres(d)))
        # 1 km segments whose midpoint is `off` metres north/east of the origin: the
        # case where the frame's fixed scale is furthest from the local one
        for off in (1000.0, 10000.0, 50000.0):
            for az_off, az_seg in ((0.0, 90.0), (180.0, 90.0), (90.0, 0.0), (0.0, 0.0), (45.0, 135.0)):
                mlon, mlat, _ = geod.fwd(lon0, lat0, az_off, off)
                lon1, lat1, _ = geod.fwd(mlon, mlat, az_seg + 180.0, 500.0)
                lon2, lat2, _ = geod.fwd(mlon, mlat, az_seg, 500.0)
                lon1, lat1, lon2, lat2 = q(lon1), q(lat1), q(lon2), q(lat2)
                _, _, d = geod.inv(lon1, lat1, lon2, lat2)
                rows.append((f"{name}_offset", deg(lon0), deg(lat0), deg(lon1), deg(lat1),
                             deg(lon2), deg(lat2), metres(d)))
    return rows


def write(path, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    text = buf.getvalue()
    with open(path, "w", encoding="ascii", newline="") as f:
        f.write(text)
    print(f"wrote {len(rows)} rows to {os.path.relpath(path)}")


def main():
    os.makedirs(OUT, exist_ok=True)
    write(os.path.join(OUT, "reference.csv"), ["case", "crs", "lon", "lat", "x", "y"], reference_rows())
    write(os.path.join(OUT, "geodesic.csv"),
          ["case", "lon0", "lat0", "lon1", "lat1", "lon2", "lat2", "distance_m"], geodesic_rows())
    print(f"pyproj {pyproj.__version__}, PROJ {pyproj.proj_version_str}")


if __name__ == "__main__":
    main()
