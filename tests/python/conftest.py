"""Shared helpers: where the binaries are, how to run them, and a server on a free port."""

import contextlib
import json
import os
import pathlib
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROFILE = os.environ.get("CITYGRID_PROFILE", "debug")


def binary(name):
    path = ROOT / "target" / PROFILE / name
    if not path.exists():
        pytest.fail(f"{path} is missing: run `cargo build --workspace --bins` first (make test does)")
    return str(path)


def synth_city(out, **options):
    """Writes a generated city; returns what synth-city says it did."""
    args = [binary("synth-city"), str(out)]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is True:
            args.append(flag)
        elif value is not None:
            args += [flag, str(value)]
    done = subprocess.run(args, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def citygrid_check(path, *extra):
    """Runs `citygrid check --format json`; returns (exit status, report)."""
    done = subprocess.run(
        [binary("citygrid"), "check", str(path), "--format", "json", *extra], capture_output=True, text=True
    )
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def citygrid(*args):
    """Runs `citygrid ARGS`, failing the test with its stderr unless it succeeds; returns stdout."""
    done = subprocess.run([binary("citygrid"), *map(str, args)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(*args):
    """Runs `citygrid serve ARGS` on a free port until the block ends; yields its base URL.

    Waits for /readyz rather than /ogc so that a server without /ogc fails each test
    with the answer it gave, not the fixture with a timeout.
    """
    port = free_port()
    server = subprocess.Popen([binary("citygrid"), "serve", *map(str, args), "--bind", f"127.0.0.1:{port}"])
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while http(f"{base}/readyz")[0] != 200:
            assert server.poll() is None, f"citygrid serve exited with status {server.returncode}"
            assert time.monotonic() < deadline, "citygrid serve was not ready within 30 s"
            time.sleep(0.05)
        yield base
        assert server.poll() is None, "the server died during the test"
    finally:
        server.terminate()
        server.wait(timeout=10)


def http(address, headers=None, method="GET", body=None):
    """(status, headers, body) of one request: 3xx, 4xx and 5xx are answers to inspect, not exceptions."""
    request = urllib.request.Request(address, headers=headers or {}, method=method, data=body)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers, answer.read()
    except OSError:  # not listening yet
        return None, {}, b""
