"""schemathesis against the server's own OpenAPI document.

Starts `citygrid serve` on a generated city and lets schemathesis send what the
document allows (and what it forbids): no request may crash the server, every
answer must match its documented status, content type and shape, and requests the
document forbids must be refused. Requests the document allows but the server
refuses are allowed here only because coordinate ranges depend on the crs, which
the document cannot express (positive_data_acceptance is skipped).
"""

import os
import subprocess
import sys
import time
import urllib.request

from conftest import binary, free_port, synth_city


def test_the_server_keeps_its_openapi_promises(tmp_path):
    city = tmp_path / "city.geojson"
    synth_city(city, cells=200, vertices=16, seed=5, extent_km=10)
    port = free_port()
    server = subprocess.Popen([binary("citygrid"), "serve", "--partition", str(city), "--bind", f"127.0.0.1:{port}"])
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        run = subprocess.run(
            [
                # The console script pip put beside this interpreter (no PATH lookup).
                os.path.join(os.path.dirname(sys.executable), "schemathesis"), "run", f"{base}/openapi.json",
                "--checks", "all", "--exclude-checks", "positive_data_acceptance",
                "--max-examples", "25", "--seed", "1", "--no-color",
            ],
            capture_output=True, text=True, timeout=600,
        )
        assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
        assert server.poll() is None, "the server died during the run"
    finally:
        server.terminate()
        server.wait(timeout=10)
