// The MapLibre style of the viewer, made from the server's TileJSON, its colours
// and settings: units filled so that neighbours differ (districts when zoomed far
// out, then townships, then cells from the zoom the cells layer starts at; cells
// may be filled by an attribute instead), boundaries of villages, townships and
// districts on top, labels (cell code and name) at close zooms, and an optional
// raster basemap below.
//
// Labels need no glyph server: the style has no `glyphs` URL, so MapLibre draws
// text with the browser's own fonts (`text-font` names CSS font families), which
// covers the Chinese names wherever the system has a CJK font.

/** Soft colours for the neighbour colouring (ColorBrewer Set3), one per class. */
export const NEIGHBOUR_PALETTE = ['#8dd3c7', '#ffffb3', '#bebada', '#fb8072', '#80b1d3', '#fdb462', '#b3de69', '#fccde5'];

/** A sequential palette for choropleths (ColorBrewer YlOrRd, 5 classes). */
export const CHOROPLETH_PALETTE = ['#ffffb2', '#fecc5c', '#fd8d3c', '#f03b20', '#bd0026'];

/** Cells without the attribute. */
export const NO_DATA = '#d9d9d9';

const LABEL_MINZOOM = 13.5;

const LEVEL_OF_LAYER = { districts: 'district', townships: 'township', villages: 'village', cells: 'cell' };

/** `fill-color` for the neighbour colouring of one level: a `match` on the feature id. */
export function neighbourColour(colours) {
  if (!colours) return NO_DATA;
  const branches = colours.classes.flatMap((ids, c) =>
    ids.length ? [ids, NEIGHBOUR_PALETTE[c % NEIGHBOUR_PALETTE.length]] : []);
  return branches.length ? ['match', ['id'], ...branches, NO_DATA] : NEIGHBOUR_PALETTE[0];
}

/** `fill-color` for a choropleth of `attribute` with class `breaks`. */
export function choroplethColour(attribute, breaks) {
  const steps = breaks.flatMap((b, i) => [b, CHOROPLETH_PALETTE[i + 1]]);
  return ['case', ['!', ['has', attribute]], NO_DATA,
    ['step', ['to-number', ['get', attribute]], CHOROPLETH_PALETTE[0], ...steps]];
}

const state = (name) => ['boolean', ['feature-state', name], false];

/** The whole style. `tiles` is the TileJSON, `config` the viewer config. */
export function buildStyle({ tiles, colours, config }) {
  const minzoom = (layer) => tiles.vector_layers.find((l) => l.id === layer)?.minzoom ?? 0;
  const [w, s, e, n] = tiles.bounds;
  const basemap = config.basemap;
  const sources = {
    citygrid: {
      type: 'vector',
      tiles: tiles.tiles,
      minzoom: tiles.minzoom,
      maxzoom: tiles.maxzoom,
      bounds: tiles.bounds,
      attribution: 'citygrid',
    },
  };
  const layers = [{ id: 'background', type: 'background', paint: { 'background-color': '#f3f1ec' } }];
  if (basemap) {
    sources.basemap = { type: 'raster', tiles: basemap.tiles, tileSize: 256, attribution: basemap.attribution };
    layers.push({ id: 'basemap', type: 'raster', source: 'basemap' });
  }
  const vector = (id, type, sourceLayer, paint, extra = {}) =>
    ({ id, type, source: 'citygrid', 'source-layer': sourceLayer, minzoom: minzoom(sourceLayer), paint, ...extra });
  const outline = (layer, color, width) =>
    vector(`${layer}-selected`, 'line', layer, {
      'line-color': color,
      'line-width': width,
      'line-opacity': ['case', state('selected'), 1, 0],
    });
  const opacity = basemap ? 0.45 : 0.7;
  const fillUntil = (layer, until) => vector(`${layer}-fill`, 'fill', layer, {
    'fill-color': neighbourColour(colours[LEVEL_OF_LAYER[layer]]),
    'fill-opacity': opacity,
  }, { maxzoom: until });
  layers.push(
    fillUntil('districts', minzoom('townships')),
    fillUntil('townships', minzoom('cells')),
    vector('cells-fill', 'fill', 'cells', {
      'fill-color': neighbourColour(colours.cell),
      'fill-opacity': ['case', state('selected'), 0.95, state('hover'), 0.9, opacity],
    }),
    vector('cells-line', 'line', 'cells', {
      'line-color': '#8a6d4b',
      'line-width': ['interpolate', ['linear'], ['zoom'], 10, 0.2, 16, 1.2],
    }),
    vector('villages-line', 'line', 'villages', {
      'line-color': '#6f5436',
      'line-width': ['interpolate', ['linear'], ['zoom'], 8, 0.3, 12, 1],
    }),
    vector('townships-line', 'line', 'townships', {
      'line-color': '#4d3a26',
      'line-width': ['interpolate', ['linear'], ['zoom'], 6, 0.6, 12, 1.6],
      'line-dasharray': [3, 1.5],
    }),
    vector('districts-line', 'line', 'districts', { 'line-color': '#2b1f14', 'line-width': 2.4 }),
    vector('cells-hover', 'line', 'cells', {
      'line-color': '#1a1a1a',
      'line-width': 2,
      'line-opacity': ['case', state('hover'), 1, 0],
    }),
    outline('villages', '#1a73e8', 3),
    outline('townships', '#1a73e8', 3),
    outline('districts', '#1a73e8', 3),
    outline('cells', '#1a73e8', 3.5),
    vector('labels', 'symbol', 'labels', {
      'text-color': '#1f1a14',
      'text-halo-color': 'rgba(255,255,255,0.9)',
      'text-halo-width': 1.4,
    }, {
      minzoom: Math.max(minzoom('labels'), LABEL_MINZOOM),
      layout: {
        'text-field': ['format', ['get', 'code'], { 'font-scale': 0.85 }, '\n', {}, ['get', 'name'], {}],
        'text-font': ['sans-serif'],
        'text-size': 12,
        'text-max-width': 12,
        'text-padding': 4,
      },
    }),
  );
  return {
    version: 8,
    name: 'citygrid viewer',
    center: [(w + e) / 2, (s + n) / 2],
    zoom: 8,
    sources,
    layers,
  };
}
