// Drawing on the map for the editing tools: terra-draw (through its MapLibre
// adapter) draws the line or the polygon, and every point placed snaps to a vertex
// or an edge of the cells near the pointer.
//
// Snapping uses the cells' exact geometry, not the rendered tiles': tiles are
// quantised to their grid (4096 units a tile, about 0.6 m at zoom 14) and
// simplified at low zooms, so a point snapped to a tile's vertex would land up to
// a metre off the boundary, farther than the edit engine's own 0.5 m snap
// (docs/edits.md). The rendered features only say which cells are under the
// pointer; their coordinates come from `/v1/cells` (every cell in the view, of the
// version shown, loaded when the view settles), bit for bit the stored ones.
//
// terra-draw finishes a drawing on Enter (or a click on its last point) when the
// map has the keyboard focus; Escape is left to the tools, which cancel from
// anywhere on the page.
//
// For the tests: `window.citygrid.draw` is the TerraDraw instance,
// `document.body.dataset.drawing` what is being drawn ("line", "polygon"), and
// `document.body.dataset.snapTo` the version whose cells in view are loaded to snap
// to (absent while they load).

import { TerraDraw, TerraDrawLineStringMode, TerraDrawPolygonMode } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';

import * as api from './api.js';

/** The closest zoom the tools draw from: a city-centre cell is then some 50 px across. */
export const DRAW_ZOOM = 15;

/** How near (in pixels) the pointer must be to a vertex or an edge to snap to it; more for fingers. */
const SNAP_PX = matchMedia('(pointer: coarse)').matches ? 22 : 12;

const INK = '#6a1b9a';

/** The exact rings of the cells in view, of one version: code -> rings of [lon, lat]. */
const exact = { version: null, rings: new Map() };

/** Loads the exact geometry of the cells in view (of `version`), when zoomed in to draw. */
async function loadView(map, version) {
  if (exact.version !== version) {
    exact.version = version;
    exact.rings = new Map();
  }
  if (map.getZoom() < DRAW_ZOOM - 0.5) return;
  delete document.body.dataset.snapTo;
  const b = map.getBounds();
  const features = await api.cellsIn([b.getWest(), b.getSouth(), b.getEast(), b.getNorth()], version);
  if (exact.version !== version) return;
  for (const f of features) exact.rings.set(f.properties.code, f.geometry.coordinates.flat(1));
  document.body.dataset.snapTo = String(version);
}

/** Where on segment a-b (pixels) the point x, y is closest: `{t, d}`. */
function closestOnSegment(a, b, x, y) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - a.x) * dx + (y - a.y) * dy) / length2));
  return { t, d: Math.hypot(a.x + t * dx - x, a.y + t * dy - y) };
}

/**
 * The exact vertex within SNAP_PX of pixel x, y, else the nearest point of an exact
 * edge within it, else undefined. A vertex wins over a nearer edge: two cells share
 * their vertices, and a line ending on one splits no segment.
 */
function snap(map, x, y) {
  const near = map.queryRenderedFeatures([[x - SNAP_PX, y - SNAP_PX], [x + SNAP_PX, y + SNAP_PX]], { layers: ['cells-fill'] });
  let vertex = null;
  let edge = null;
  for (const code of new Set(near.map((f) => f.properties.code))) {
    for (const ring of exact.rings.get(code) ?? []) {
      let previous = null;
      for (const position of ring) {
        const p = map.project(position);
        const d = Math.hypot(p.x - x, p.y - y);
        if (d <= SNAP_PX && (!vertex || d < vertex.d)) vertex = { d, position };
        if (previous) {
          const { t, d: de } = closestOnSegment(previous.p, p, x, y);
          if (de <= SNAP_PX && (!edge || de < edge.d)) {
            const [a, b] = [previous.position, position];
            edge = { d: de, position: [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])] };
          }
        }
        previous = { p, position };
      }
    }
  }
  return (vertex ?? edge)?.position;
}

/** The positions of a drawn line or ring without the repeats terra-draw leaves while drawing. */
function distinct(positions) {
  return positions.filter((p, i) => i === 0 || p[0] !== positions[i - 1][0] || p[1] !== positions[i - 1][1]);
}

/**
 * Sets up drawing on `map`; `onChange(shape)` hears of every change of the shape
 * drawn: `{type: 'LineString' | 'Polygon', coordinates, finished}` (while drawing,
 * the pointer is its last point), or null; `onError(message)` of cells that could
 * not be loaded for snapping. Returns the drawing's controls.
 */
export function setUpDrawing(map, { onChange, onError }) {
  const snapping = { toCustom: (event) => snap(map, event.containerX, event.containerY) };
  const keyEvents = { cancel: null, finish: 'Enter' };
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map, coordinatePrecision: 9 }),
    modes: [
      new TerraDrawLineStringMode({
        snapping,
        keyEvents,
        styles: { lineStringColor: INK, lineStringWidth: 3, closingPointColor: INK, snappingPointColor: '#ffffff', snappingPointOutlineColor: INK, snappingPointWidth: 5, snappingPointOutlineWidth: 2 },
      }),
      new TerraDrawPolygonMode({
        snapping,
        keyEvents,
        styles: { fillColor: INK, fillOpacity: 0.2, outlineColor: INK, outlineWidth: 3, closingPointColor: INK, snappingPointColor: '#ffffff', snappingPointOutlineColor: INK, snappingPointWidth: 5, snappingPointOutlineWidth: 2 },
      }),
    ],
  });
  window.citygrid.draw = draw;
  let finished = false;
  let version = null;

  const shape = () => {
    const f = draw.enabled && draw.getSnapshot().find((g) => g.geometry.type === 'LineString' || g.geometry.type === 'Polygon');
    if (!f) return null;
    const coordinates = f.geometry.type === 'Polygon' ? [distinct(f.geometry.coordinates[0])] : distinct(f.geometry.coordinates);
    return { type: f.geometry.type, coordinates, finished };
  };
  draw.on('change', () => onChange(shape()));
  draw.on('finish', () => {
    finished = true;
    // Out of terra-draw's own click handling: a finished shape takes no more points.
    setTimeout(() => {
      draw.setMode('static');
      onChange(shape());
    });
  });
  const load = () => loadView(map, version).catch((error) => onError(`Cannot load the cells to snap to: ${error.message}`));
  map.on('moveend', () => { if (draw.enabled) load(); });

  return {
    /** Starts a new drawing: `kind` 'line' or 'polygon'. */
    begin(kind) {
      if (!draw.enabled) draw.start();
      draw.clear();
      finished = false;
      draw.setMode(kind === 'polygon' ? 'polygon' : 'linestring');
      document.body.dataset.drawing = kind;
      load();
    },
    /** Removes what is drawn and stops drawing (the map pans and clicks as usual). */
    end() {
      if (!draw.enabled) return;
      draw.clear();
      finished = false;
      draw.stop();
      delete document.body.dataset.drawing;
    },
    /** Snaps to the cells of version `v` from now on (the version the map shows). */
    follow(v) {
      version = v;
      if (draw.enabled) load();
    },
    shape,
  };
}
