"""Helpers shared by the GEOS timing scripts."""

import statistics
import time


def timed(fn, runs):
    """Median seconds of `runs` calls of fn, and its last result."""
    times = []
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result
