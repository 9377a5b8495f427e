"""martin serving citygrid's tile archives, compared tile by tile with `citygrid serve`.

Usage: compare.py CITYGRID_URL MARTIN_URL SOURCE... [--mbtiles FILE] [--sample N] [--seed S]

CITYGRID_URL is a running `citygrid serve` (e.g. http://127.0.0.1:8080), MARTIN_URL a
running martin serving the archives that `citygrid export tiles --maxzoom 16` wrote of
the same partition, SOURCE the martin source ids (the archives' file stems).

Checks, each failure named with what and where:
- martin's /catalog lists every source as MVT;
- each source's TileJSON has the minzoom, maxzoom, bounds and vector_layers (ids,
  zooms, fields, descriptions) of citygrid's /v1/tiles.json; the one known
  deviation (martin lowers the layers' minzoom of an MBTiles source, see
  `lowered_minzoom`) is printed, not failed;
- every tile z0-z11 over citygrid's bounds, and a deterministic sample of tiles
  z12-z16 that citygrid answers with content (plus the empty ones met on the way):
  the MVT bytes (gzip undone per Content-Encoding or gzip magic) are identical from
  citygrid and from every martin source, and an empty tile (citygrid 204) is empty in
  martin too;
- with --mbtiles, each tile martin serves equals the row in the archive itself
  (sqlite3): the archive holds the server's bytes and martin passes them on;
- a few tiles decoded with mapbox-vector-tile hold only the layers TileJSON lists at
  that zoom.

Fetches are sequential over one keep-alive connection per server and timed: tiles/s
for martin (reading the archive) and citygrid (rendering on first request, from its
cache on the second pass) are printed for the record, not as a benchmark.
Exits 1 on any mismatch.
"""

import argparse
import collections
import gzip
import http.client
import json
import math
import random
import sqlite3
import sys
import time
import urllib.parse

import mapbox_vector_tile

FULL_ZOOMS = range(0, 12)  # every tile over the bounds
SAMPLED_ZOOMS = range(12, 17)  # a deterministic sample of tiles with content


class Server:
    """One HTTP server on one keep-alive connection; counts the time spent in its requests."""

    def __init__(self, name, base_url):
        url = urllib.parse.urlsplit(base_url)
        self.name = name
        self.host, self.port = url.hostname, url.port or 80
        self.prefix = url.path.rstrip("/")
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.seconds = 0.0
        self.requests = 0

    def get(self, path, gzip_ok=True):
        """GET path; returns (status, body with any gzip undone, headers)."""
        headers = {"Accept-Encoding": "gzip"} if gzip_ok else {}
        started = time.perf_counter()
        for attempt in (0, 1):
            try:
                self.conn.request("GET", self.prefix + path, headers=headers)
                resp = self.conn.getresponse()
                body = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server closed the keep-alive connection: open a new one once.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
                if attempt:
                    raise
        self.seconds += time.perf_counter() - started
        self.requests += 1
        if resp.getheader("Content-Encoding", "").lower() == "gzip" or body[:2] == b"\x1f\x8b":
            body = gzip.decompress(body)
        return resp.status, body, resp

    def json(self, path):
        """GET path as JSON; a status other than 200 is an error naming the URL."""
        status, body, _ = self.get(path)
        if status != 200:
            raise SystemExit(f"{self.name}: GET {path}: HTTP {status}: {body[:200]!r}")
        return json.loads(body)

    def tile(self, path):
        """GET a tile: the MVT bytes, b"" for an empty tile (204), None for any other answer."""
        status, body, _ = self.get(path)
        if status == 200:
            return body
        if status == 204:
            return b""
        return None


def tile_range(bounds, z):
    """XYZ tiles (x, y from the north) covering the bounds [w, s, e, n] at zoom z."""
    w, s, e, n = bounds
    count = 1 << z

    def tx(lon):
        return min(count - 1, max(0, int((lon + 180.0) / 360.0 * count)))

    def ty(lat):
        r = math.radians(lat)
        v = (1.0 - math.asinh(math.tan(r)) / math.pi) / 2.0 * count
        return min(count - 1, max(0, int(v)))

    return [(z, x, y) for x in range(tx(w), tx(e) + 1) for y in range(ty(n), ty(s) + 1)]


def layers_by_id(tilejson):
    """vector_layers as {id: (minzoom, maxzoom, fields, description)}."""
    return {
        layer["id"]: (layer.get("minzoom"), layer.get("maxzoom"), layer.get("fields"), layer.get("description"))
        for layer in tilejson.get("vector_layers") or []
    }


def lowered_minzoom(ours, theirs, archive_minzoom):
    """True when a layer differs only in a minzoom lowered to the archive's lowest zoom.

    That is what martin 1.14 does to every MBTiles source (crate mbtiles 0.19.1,
    src/metadata.rs, `reconcile_zoom_levels`, from maplibre/martin#2983): each
    vector layer's minzoom becomes min(lowest zoom in the tiles table, the layer's
    minzoom), so a layer that starts at zoom 6 is listed from zoom 0. The archive's
    metadata is right (the test compares it with citygrid's); no value written there
    can survive the rule, so it is reported as a known deviation, not a mismatch."""
    return (ours is not None and theirs is not None and theirs[1:] == ours[1:]
            and theirs[0] == archive_minzoom < ours[0])


def check_tilejson(source, reference, theirs, problems, notes):
    """Compares a martin source's TileJSON with citygrid's; appends problems, and
    notes for martin's known MBTiles layer-minzoom rewrite."""
    for key in ("minzoom", "maxzoom"):
        if theirs.get(key) != reference.get(key):
            problems.append(f"{source}: TileJSON {key} {theirs.get(key)} != citygrid {reference.get(key)}")
    ours_b, their_b = reference.get("bounds"), theirs.get("bounds")
    # PMTiles stores bounds as integers of 1e-7 degree; citygrid prints 6 decimals.
    if their_b is None or any(abs(a - b) > 1e-6 for a, b in zip(ours_b, their_b)):
        problems.append(f"{source}: TileJSON bounds {their_b} != citygrid {ours_b}")
    ours_l, their_l = layers_by_id(reference), layers_by_id(theirs)
    for lid in sorted(set(ours_l) | set(their_l)):
        ours, their = ours_l.get(lid), their_l.get(lid)
        if ours == their:
            continue
        if lowered_minzoom(ours, their, reference.get("minzoom")):
            notes.append(f"{source}: vector layer {lid}: minzoom {their[0]}, citygrid {ours[0]} "
                         "(martin's MBTiles zoom reconciliation, see lowered_minzoom)")
        else:
            problems.append(f"{source}: vector layer {lid}: {their} != citygrid {ours}")


def check_catalog(martin, sources, problems):
    """Every source is in martin's catalog as an MVT tile source; returns the catalog entries."""
    catalog = martin.json("/catalog").get("tiles", {})
    for source in sources:
        entry = catalog.get(source)
        if entry is None:
            problems.append(f"catalog: no source {source!r} (has {sorted(catalog)})")
        elif entry.get("content_type") != "application/x-protobuf":
            problems.append(f"catalog: {source}: content_type {entry.get('content_type')!r}")
    return {s: catalog.get(s) for s in sources}


def archive_tiles(path):
    """The MBTiles archive's tiles as {(z, x, y): MVT bytes} (rows are TMS, y from the south)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    rows = db.execute("SELECT zoom_level, tile_column, tile_row, tile_data FROM tiles")
    return {(z, x, (1 << z) - 1 - row): gzip.decompress(data) for z, x, row, data in rows}


def tiles_to_compare(citygrid, bounds, sample, seed):
    """Every tile z0-z11 over the bounds, and per zoom z12-z16 tiles in a seeded random
    order until `sample` of them have content. Returns [(z, x, y)] and citygrid's
    bytes of each, fetched on the way (the first, cold pass of citygrid)."""
    rng = random.Random(seed)
    chosen, bytes_of = [], {}
    for z in FULL_ZOOMS:
        for t in tile_range(bounds, z):
            chosen.append(t)
            bytes_of[t] = citygrid.tile("/v1/tiles/{}/{}/{}.mvt".format(*t))
    for z in SAMPLED_ZOOMS:
        candidates = tile_range(bounds, z)
        rng.shuffle(candidates)
        found = 0
        for t in candidates:
            if found == sample:
                break
            body = citygrid.tile("/v1/tiles/{}/{}/{}.mvt".format(*t))
            chosen.append(t)
            bytes_of[t] = body
            found += bool(body)
    return chosen, bytes_of


def check_decoded(source, tile, body, layers, problems):
    """Decodes one tile; its layers must be ones TileJSON lists at that zoom."""
    z = tile[0]
    names = set(mapbox_vector_tile.decode(body))
    allowed = {lid for lid, (lo, hi, _, _) in layers.items() if lo <= z <= hi}
    if not names or not names <= allowed:
        problems.append(f"{source} {z}/{tile[1]}/{tile[2]}: decoded layers {sorted(names)}, allowed {sorted(allowed)}")
    return names


def first_difference(a, b):
    """Index of the first byte where a and b differ (the shorter length if one is a prefix)."""
    return next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))


def compare_tiles(chosen, cg_bytes, martins, archive, layers, problems):
    """Fetches each chosen tile from every martin source and compares it with
    citygrid's bytes (and the archive row, if given). Returns per zoom the tiles
    compared, those with content, and the layer names decoded from one tile."""
    compared, with_content, decoded = collections.Counter(), collections.Counter(), {}
    for t in chosen:
        path = "/{}/{}/{}".format(*t)
        ours = cg_bytes[t]
        if ours is None:
            problems.append(f"citygrid {path}: neither 200 nor 204")
            continue
        if archive is not None and archive.get(t, b"") != ours:
            problems.append(f"archive {path}: the MBTiles row differs from citygrid")
        for source, martin in martins.items():
            theirs = martin.tile(f"/{source}{path}")
            if theirs is None:
                problems.append(f"martin/{source} {path}: neither 200 nor 204")
            elif theirs != ours:
                problems.append(f"martin/{source} {path}: {len(theirs)} bytes, citygrid {len(ours)} bytes, "
                                f"first difference at byte {first_difference(theirs, ours)}")
            elif ours and t[0] not in decoded:
                decoded[t[0]] = check_decoded(f"martin/{source}", t, theirs, layers, problems)
        compared[t[0]] += 1
        with_content[t[0]] += bool(ours)
    return compared, with_content, decoded


def check_uncompressed(martins, tile, expected, problems):
    """A client that does not accept gzip gets the plain MVT from martin."""
    for source, martin in martins.items():
        status, body, resp = martin.get("/{}/{}/{}/{}".format(source, *tile), gzip_ok=False)
        encoding = resp.getheader("Content-Encoding")
        if status != 200 or encoding or body != expected:
            problems.append(f"martin/{source} {tile} without Accept-Encoding: HTTP {status}, "
                            f"Content-Encoding {encoding!r}, {len(body)} bytes")


def timings(servers):
    """{server name: (requests, seconds)} since the last reset, and resets the counts."""
    out = {s.name: (s.requests, s.seconds) for s in servers}
    for s in servers:
        s.requests, s.seconds = 0, 0.0
    return out


def main():
    """Runs every check, prints a summary, exits 1 on any mismatch."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("citygrid_url")
    ap.add_argument("martin_url")
    ap.add_argument("sources", nargs="+")
    ap.add_argument("--mbtiles", help="the MBTiles archive martin serves, compared row by row")
    ap.add_argument("--sample", type=int, default=100, help="tiles with content per zoom 12-16")
    ap.add_argument("--seed", type=int, default=5)
    args = ap.parse_args()

    citygrid = Server("citygrid", args.citygrid_url)
    martins = {s: Server(f"martin/{s}", args.martin_url) for s in args.sources}
    servers = [citygrid, *martins.values()]
    anyone = next(iter(martins.values()))
    problems, notes = [], []

    reference = citygrid.json("/v1/tiles.json")
    catalog = check_catalog(anyone, args.sources, problems)
    for source in args.sources:
        check_tilejson(source, reference, anyone.json(f"/{source}"), problems, notes)
    layers = layers_by_id(reference)
    archive = archive_tiles(args.mbtiles) if args.mbtiles else None
    timings(servers)

    # Pass 1: citygrid renders each tile on its first request; martin reads the archive.
    chosen, cg_bytes = tiles_to_compare(citygrid, reference["bounds"], args.sample, args.seed)
    compared, with_content, decoded = compare_tiles(chosen, cg_bytes, martins, archive, layers, problems)
    cold = timings(servers)
    first = next(t for t in chosen if cg_bytes[t])
    check_uncompressed(martins, first, cg_bytes[first], problems)
    timings(servers)
    # Pass 2: the same tiles again, from both servers' caches.
    for t in chosen:
        citygrid.tile("/v1/tiles/{}/{}/{}.mvt".format(*t))
        for source, martin in martins.items():
            martin.tile("/{}/{}/{}/{}".format(source, *t))
    warm = timings(servers)

    encodings = ", ".join(f"{s} ({(catalog[s] or {}).get('content_encoding', '?')})" for s in args.sources)
    print(f"martin sources: {encodings}; TileJSON minzoom {reference['minzoom']} maxzoom "
          f"{reference['maxzoom']}, bounds and {len(layers)} vector layers compared")
    print("zoom  compared  with content  decoded layers")
    for z in sorted(compared):
        print(f"{z:>4} {compared[z]:>9} {with_content[z]:>13}  {','.join(sorted(decoded.get(z, [])))}")
    total = sum(compared.values())
    print(f"total {total} tiles x {len(martins)} martin sources, {sum(with_content.values())} with content"
          + (f"; each also compared with its row in {args.mbtiles} ({len(archive)} rows)" if archive is not None else ""))
    for label, numbers in (("first pass (citygrid renders)", cold), ("second pass (both cached)", warm)):
        rates = ", ".join(f"{name} {n / secs:,.0f} tiles/s" for name, (n, secs) in numbers.items() if secs)
        print(f"sequential fetches, {label}: {rates}")
    for note in notes:
        print("known martin deviation: " + note)
    if problems:
        print(f"FAIL: {len(problems)} mismatches")
        for p in problems[:50]:
            print("  " + p)
        sys.exit(1)
    print(f"OK: martin serves every compared tile byte for byte as citygrid ({total} tiles, 0 mismatches)")


if __name__ == "__main__":
    main()
