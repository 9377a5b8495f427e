// Hover and selection on the map, through feature-state on the numeric ids the
// tiles carry (docs: citygrid_tiles::ids): a code of up to 15 digits is its own id,
// any other code is 2^52 + FNV-1a-64(code) mod 2^52.

const SOURCE = 'citygrid';
const LAYER_OF_LEVEL = { district: 'districts', township: 'townships', village: 'villages', cell: 'cells' };

/** The tiles' feature id of a unit code. */
export function featureId(code) {
  if (/^\d{1,15}$/.test(code)) return Number(code);
  let h = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(code)) {
    h ^= BigInt(byte);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return Number((1n << 52n) + (h % (1n << 52n)));
}

let hovered = null;
let selected = null;

function setState(target, value) {
  if (target) {
    // Sources go away when the style is replaced; there is nothing to clear then.
    if (target.map.getSource(SOURCE)) target.map.setFeatureState(target.feature, value);
  }
}

/** Marks the unit `code` of `level` as selected (and nothing else). */
export function select(map, level, code) {
  setState(selected, { selected: false });
  selected = null;
  const sourceLayer = LAYER_OF_LEVEL[level];
  if (!sourceLayer || !code) return;
  selected = { map, feature: { source: SOURCE, sourceLayer, id: featureId(code) } };
  setState(selected, { selected: true });
}

/** Highlights the cell under the pointer; the cursor says it can be clicked. */
export function followPointer(map) {
  const leave = () => {
    setState(hovered, { hover: false });
    hovered = null;
    map.getCanvas().style.cursor = '';
  };
  map.on('mousemove', 'cells-fill', (event) => {
    const feature = event.features?.[0];
    if (feature?.id === undefined) return;
    if (hovered?.feature.id === feature.id) return;
    setState(hovered, { hover: false });
    hovered = { map, feature: { source: SOURCE, sourceLayer: 'cells', id: feature.id } };
    setState(hovered, { hover: true });
    map.getCanvas().style.cursor = 'pointer';
  });
  map.on('mouseleave', 'cells-fill', leave);
}
