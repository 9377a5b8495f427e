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
