"""The committed CRS fixtures are exactly what PROJ and eviltransform compute now.

The Rust tests compare citygrid's transforms with tests/data/crs/*.csv; this test
regenerates those files from the independent libraries and requires byte equality,
so the fixture cannot drift from its source.
"""

import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_reference_files_regenerate_byte_for_byte(tmp_path):
    env = dict(os.environ, CRS_REFERENCE_OUT=str(tmp_path))
    subprocess.run([sys.executable, str(ROOT / "tests/crs/make_reference.py")], check=True, env=env)
    for name in ("reference.csv", "geodesic.csv"):
        fresh = (tmp_path / name).read_bytes()
        committed = (ROOT / "tests/data/crs" / name).read_bytes()
        assert fresh == committed, f"{name} differs from what pyproj/eviltransform compute"
