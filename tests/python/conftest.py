"""Shared helpers: where the binaries are, and how to run them."""

import json
import os
import pathlib
import subprocess

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
