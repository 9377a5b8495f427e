#!/usr/bin/env bash
# Soak test of `citygrid serve` with wrk on a Guiyang-sized generated city (5,900
# cells): a mix of single lookups, vector tiles (cold at first, then cached) and
# 1,000-point batches for SECONDS, with the server's resident memory sampled every
# second and /healthz timed every half second meanwhile. It must end with no
# errors (socket errors or non-2xx answers) and memory flat: the figures go in
# target/bench-data/soak-summary.txt. Then a burst of 200 one-megabyte batches at
# once: each is answered or shed with 503, peak memory and /healthz latency in
# target/bench-data/burst-summary.txt. Loopback only; every loop is bounded.
# Not in `make test`. Usage: benches/serve_soak.sh [seconds, default 60]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
# shellcheck source=benches/load/server.sh
. benches/load/server.sh 18082
bbox=$(python3 - "$port" <<'PY'
import json, sys, urllib.request
w, s, e, n = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/v1/tiles.json"))["bounds"]
print(f"{w},{s},{e},{n}")
PY
)
tiles=$dir/soak-tiles.txt
body=$dir/soak-batch-1000.json
points=$dir/soak-points.txt
python3 - "$bbox" "$tiles" "$body" "$points" "$port" <<'PY'
import json, math, random, sys, urllib.request
w, s, e, n = map(float, sys.argv[1].split(","))
def tile(lon, lat, z):
    k = 1 << z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * k
    return int((lon + 180) / 360 * k), int(y)
out = []
for z in (11, 12, 13, 14):
    (x0, y0), (x1, y1) = tile(w, n, z), tile(e, s, z)
    out += [f"{z}/{x}/{y}" for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
open(sys.argv[2], "w").write("\n".join(out) + "\n")
rng = random.Random(11)
pts = [[round(rng.uniform(w, e), 7), round(rng.uniform(s, n), 7)] for _ in range(1000)]
json.dump({"points": pts}, open(sys.argv[3], "w"))
# Single lookups ask for points inside cells (the server says which), so that
# every answer is 200 and an error is an error.
sample = [[round(rng.uniform(w, e), 7), round(rng.uniform(s, n), 7)] for _ in range(20000)]
req = urllib.request.Request(f"http://127.0.0.1:{sys.argv[5]}/v1/lookup?fields=code",
                             data=json.dumps({"points": sample}).encode(), headers={"Content-Type": "application/json"})
codes = json.load(urllib.request.urlopen(req))["results"]
inside = [f"{x},{y}" for (x, y), c in zip(sample, codes) if c is not None]
open(sys.argv[4], "w").write("\n".join(inside) + "\n")
print(f"{len(out)} tiles of zooms 11-14, {len(inside)} points inside cells, a batch of 1,000 points")
PY
rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
# Warm up, so that the soak measures a server in its steady state: every tile of
# the list rendered once (the cache holds them all), then 10 s of the same mix.
python3 - "$port" "$tiles" <<'PY'
import sys, urllib.request
from concurrent.futures import ThreadPoolExecutor
port, tiles = sys.argv[1], open(sys.argv[2]).read().split()
def fetch(t):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/tiles/{t}.mvt", headers={"Accept-Encoding": "gzip"})
    return urllib.request.urlopen(req, timeout=60).status
with ThreadPoolExecutor(4) as pool:
    statuses = list(pool.map(fetch, tiles))
print(f"warm-up: {len(statuses)} tiles rendered and cached")
PY
POINTS=$points TILES=$tiles BODY_FILE=$body wrk -t2 -c64 -d10s -s benches/load/mixed.lua "http://127.0.0.1:$port" >/dev/null
rss_start=$(rss)
samples=$dir/soak-rss.txt; : >"$samples"
health=$dir/soak-healthz.txt; : >"$health"
(for _ in $(seq 1 $((secs + 5))); do rss >>"$samples" || break; sleep 1; done) &
sampler=$!
(for _ in $(seq 1 $((secs * 2))); do
   curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/healthz" >>"$health" || echo fail >>"$health"
   sleep 0.5
 done) &
prober=$!
echo "== mixed load: 80% GET /v1/lookup, 17% tiles z11-14 (gzip), 3% batches of 1,000 points; 2 threads, 64 connections, ${secs}s"
POINTS=$points TILES=$tiles BODY_FILE=$body wrk -t2 -c64 -d"${secs}s" --timeout 10s --latency \
  -s benches/load/mixed.lua "http://127.0.0.1:$port" | tee "$dir/wrk-soak.txt"
wait "$prober" || true
sleep 2
rss_end=$(rss)
kill "$sampler" 2>/dev/null || true
curl -fs "http://127.0.0.1:$port/metrics" | grep -E '^citygrid_(queue_shed_total|http_rejected_total|tile_renders_total|tile_cache_entries|connections_max)' >"$dir/soak-metrics.txt" || true
python3 - "$dir" "$rss_start" "$rss_end" <<'PY' | tee "$dir/soak-summary.txt"
import re, sys
d, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
t = open(f"{d}/wrk-soak.txt").read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
total = int(re.search(r"(\d+) requests in", t).group(1))
p99 = re.search(r"99%\s+([\d.]+\w+)", t).group(1)
errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", t))
non2xx = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", t)) else 0
peak = max(int(x) for x in open(f"{d}/soak-rss.txt").read().split() or [start])
times = [l.strip() for l in open(f"{d}/soak-healthz.txt") if l.strip()]
failed = times.count("fail")
slowest = max((float(x) for x in times if x != "fail"), default=0.0)
print(f"summary: {total} requests, {rps:,.0f} requests/s, p99 {p99}, socket errors {errors}, non-2xx {non2xx}; "
      f"RSS start {start / 1024:.0f} MiB, peak {peak / 1024:.0f} MiB, end {end / 1024:.0f} MiB; "
      f"/healthz slowest {slowest * 1000:.1f} ms of {len(times)}, {failed} failed")
print(open(f"{d}/soak-metrics.txt").read().strip())
sys.exit(1 if errors or non2xx or failed else 0)
PY
echo "== burst: 200 batch lookups of 1 MB each at once (as issue 13's tester sent), /healthz timed meanwhile"
python3 - "$port" "$server" "$bbox" <<'PY' | tee "$dir/burst-summary.txt"
import http.client, json, random, sys, threading, time
port, pid = int(sys.argv[1]), sys.argv[2]
w, s, e, n = map(float, sys.argv[3].split(","))
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
rng = random.Random(5)
pts, size = [], 0
while size < 1 << 20:
    p = [round(rng.uniform(w, e), 7), round(rng.uniform(s, n), 7)]
    pts.append(p); size += len(json.dumps(p)) + 1
body = json.dumps({"points": pts}).encode()
start, done, peak, slowest, statuses = threading.Barrier(201), threading.Event(), [rss()], [0.0], []
before = peak[0]
def client():
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    start.wait()
    try:
        c.request("POST", "/v1/lookup", body, {"Content-Type": "application/json"})
        r = c.getresponse()
        while r.read(1 << 16):
            pass
        statuses.append(r.status)
    except OSError as err:
        statuses.append(type(err).__name__)
def sample():
    while not done.is_set():
        peak[0] = max(peak[0], rss()); time.sleep(0.02)
def health():
    while not done.is_set():
        t = time.perf_counter()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        c.request("GET", "/healthz"); c.getresponse().read(); c.close()
        slowest[0] = max(slowest[0], time.perf_counter() - t); time.sleep(0.05)
threads = [threading.Thread(target=client) for _ in range(200)]
for t in threads: t.start()
side = [threading.Thread(target=sample), threading.Thread(target=health)]
for t in side: t.start()
t0 = time.perf_counter(); start.wait()
for t in threads: t.join()
took = time.perf_counter() - t0
done.set()
for t in side: t.join()
time.sleep(2)
after = rss()
counts = {str(k): statuses.count(k) for k in sorted(set(statuses), key=str)}
print(f"burst: {len(pts):,} points per batch ({len(body) / 1e6:.1f} MB), 200 at once: statuses {counts} in {took:.1f} s; "
      f"RSS {before:.0f} MiB before, peak {peak[0]:.0f} MiB, {after:.0f} MiB 2 s after; /healthz slowest {slowest[0] * 1000:.1f} ms")
sys.exit(0 if set(counts) <= {"200", "503"} else 1)
PY
