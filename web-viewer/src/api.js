// The server's HTTP API as the viewer uses it. Every call answers JSON or throws an
// Error carrying the server's message ({"error": {"message"}}).

async function getJson(path) {
  const response = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const message = body?.error?.message ?? `${response.status} ${response.statusText}`;
    const error = new Error(message);
    error.status = response.status;
    throw error;
  }
  return body;
}

const query = (params) => new URLSearchParams(params).toString();

/** Basemap and choropleth classes (`/v1/viewer-config.json`). */
export const viewerConfig = () => getJson('/v1/viewer-config.json');

/** The feature ids of the cells of each colour class (`/v1/colours`). */
export const colours = () => getJson('/v1/colours');

/** TileJSON of the vector tiles. */
export const tileJson = () => getJson('/v1/tiles.json');

/** TileJSON of version `v` (the head's when null) and the version it is of. */
export async function tileJsonOf(v) {
  // The head's TileJSON may be cached for a while (Cache-Control): ask the server.
  const response = await fetch(v === null ? '/v1/tiles.json' : `/v1/v/${v}/tiles.json`,
    { headers: { accept: 'application/json' }, cache: v === null ? 'no-cache' : 'default' });
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  return { tiles: await response.json(), version: Number(response.headers.get('x-citygrid-version')) };
}

/**
 * How the server stands (`/readyz`): `status` is `ready`, `read_only` (its store's
 * database is out of reach: the version in memory is served, edits wait),
 * `catching_up` or `starting`; `store` says since when and why. Answered whatever
 * the HTTP status (503 is a status too).
 */
export async function readiness() {
  const response = await fetch('/readyz', { headers: { accept: 'application/json' }, cache: 'no-store' });
  return response.json();
}

/** The newest `limit` versions (`/v1/versions`); 404 when a file is served. */
export const versions = (limit, { brief = true } = {}) => getJson(`/v1/versions?${query({ limit, brief })}`);

/** What changed from version `from` to `to`: a GeoJSON FeatureCollection with `moved`. */
export const diff = (from, to) => getJson(`/v1/diff?${query({ from, to })}`);

/** The cell at a WGS84 point with its ancestors; null outside the city. */
export async function lookup(lon, lat) {
  try {
    return await getJson(`/v1/lookup?${query({ lon, lat })}`);
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

/** A WGS84 point in GCJ-02 (`/v1/convert`): `{lon, lat}`. */
export async function toGcj02(lon, lat) {
  const answer = await getJson(`/v1/convert?${query({ lon, lat, from: 'wgs84', to: 'gcj02' })}`);
  return answer.to;
}

/** Units whose code starts with, or whose name contains, `q`; best first. */
export const search = (q, limit = 8) => getJson(`/v1/search?${query({ q, limit })}`);

/** A unit of any level with its attributes, area, ancestors and children. */
export const unit = (code) => getJson(`/v1/units/${encodeURIComponent(code)}`);

/** The registered layers and the staff registry's size (`/v1/layers`). */
export const layers = () => getJson('/v1/layers');

/** TileJSON of a raster layer's map tiles, with its ramp's legend. */
export const rasterTiles = (name) => getJson(`/v1/layers/${encodeURIComponent(name)}/tiles.json`);

/** One layer's figures per unit (`/v1/stats`): `params` are its query parameters. */
export const stats = (params) => getJson(`/v1/stats?${query(params)}`);

/** A unit's figures in every layer and a cell's staff (`/v1/cells/{code}/stats`). */
export const unitStats = (code, params) =>
  getJson(`/v1/cells/${encodeURIComponent(code)}/stats?${query(params)}`);

/** Makes a new version equal to version `to` (admins): `{version, ...}`. */
export async function revert(to, message, token) {
  const response = await fetch('/v1/revert', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ to, message }),
  });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
  return body;
}

/** The cells in a WGS84 box `[w, s, e, n]` of version `v`, with their exact geometry, all pages. */
export async function cellsIn([w, s, e, n], v) {
  const features = [];
  let offset = 0;
  while (offset !== null) {
    const page = await getJson(`/v1/cells?${query({ bbox: [w, s, e, n].join(','), limit: 1000, offset, version: v })}`);
    features.push(...page.features);
    offset = page.next_offset;
  }
  return features;
}

/** A unit of version `v` as a GeoJSON Feature with its exact geometry (`/v1/cells/{code}`). */
export const cell = (code, v) => getJson(`/v1/cells/${encodeURIComponent(code)}?${query({ version: v })}`);

/** The version in force at `time` (RFC 3339): `/v1/versions?at=`. */
export async function versionAt(time) {
  const answer = await getJson(`/v1/versions?${query({ at: time, brief: true })}`);
  return answer.in_force;
}

/**
 * `POST /v1/edits` with `body` (`dry_run` in it or not): `{status, body}`. Refusals
 * are answers here, not errors: the caller shows a 422's problems and a 409's
 * conflict. Only a network failure throws (or an abort through `signal`).
 */
export async function edit(body, token, signal) {
  const response = await fetch('/v1/edits', {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    signal,
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}

/** The path of the subset of tileset `name` that shows cell `code` (of version `v`, the head's when null). */
export const cellTilesetPath = (code, name, v) =>
  `/v1/cells/${encodeURIComponent(code)}/3dtiles/${encodeURIComponent(name)}/tileset.json${v == null ? '' : `?${query({ version: v })}`}`;

/** That subset tileset (3D Tiles 1.1 JSON); throws the server's reason when the tileset does not reach the cell. */
export const cellTileset = (code, name, v) => getJson(cellTilesetPath(code, name, v));
