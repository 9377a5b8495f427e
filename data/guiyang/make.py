#!/usr/bin/env python3
"""Rebuild data/guiyang/{city,districts}.geojson (WGS84) from the AMap source files.

The source (tests/data/guiyang-amap, GCJ-02, one bare MultiPolygon per file) is
assembled into FeatureCollections with code, name, level and parent properties, then
converted from GCJ-02 to WGS84 by `citygrid convert`. Usage:

    python3 data/guiyang/make.py [path/to/citygrid]
"""

import csv
import json
import pathlib
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
SOURCE = HERE.parent.parent / "tests" / "data" / "guiyang-amap"
NAMES_EN = {
    "520100": "Guiyang", "520102": "Nanming", "520103": "Yunyan", "520111": "Huaxi",
    "520112": "Wudang", "520113": "Baiyun", "520115": "Guanshanhu", "520121": "Kaiyang",
    "520122": "Xifeng", "520123": "Xiuwen", "520181": "Qingzhen",
}


def feature(code, name, level, parent):
    geometry = json.loads((SOURCE / f"{code}.geojson").read_text())
    props = {"code": code, "name": name, "name_en": NAMES_EN[code], "level": level}
    if parent:
        props["parent"] = parent
    return {"type": "Feature", "properties": props, "geometry": geometry}


def main():
    citygrid = sys.argv[1] if len(sys.argv) > 1 else "citygrid"
    rows = list(csv.DictReader((SOURCE / "names.csv").open(encoding="utf-8")))
    city = [feature(r["adcode"], r["name"], "city", None) for r in rows if r["adcode"] == "520100"]
    districts = [
        feature(r["adcode"], r["name"], "district", "520100")
        for r in rows
        if r["adcode"].startswith("5201") and r["adcode"] != "520100"
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for name, features in (("city", city), ("districts", districts)):
            raw = pathlib.Path(tmp) / f"{name}.gcj02.geojson"
            raw.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False))
            out = HERE / f"{name}.geojson"
            subprocess.run([citygrid, "convert", str(raw), str(out), "--from", "gcj02", "--to", "wgs84"], check=True)
            print(f"wrote {out} ({len(features)} features)")


if __name__ == "__main__":
    main()
