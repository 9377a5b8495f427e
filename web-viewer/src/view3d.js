// The 3D view of one cell, the page 3d.html?cell=CODE&tileset=NAME[&version=N]:
// the cell's subset of a registered 3D Tiles tileset
// (`/v1/cells/{code}/3dtiles/{name}/tileset.json`, only the tiles over the cell)
// in CesiumJS, clipped to the cell's outline, the outline draped on the tiles and
// the ground, the camera looking down on the cell at 45°. The map opens it in a
// dialog (open3d.js); it works as a page of its own too.
//
// Offline: no Cesium ion (no ion imagery, terrain or geocoder), no internet. The
// ground is a plain coloured globe, lifted to the height of the tiles' lowest
// points (a flat "terrain" at that height) so that the tiles stand on it and the
// outline drapes on both; it carries the viewer's basemap when the server names
// one (`basemap` of `/v1/viewer-config.json`).
//
// For the end-to-end tests: `window.citygrid3d` is `{viewer, tileset, clipping,
// ground}`, and `document.body.dataset.tiles` is "loading" while tiles or ground
// load, "loaded" once a frame drew everything there is to draw for the view,
// "none" when there is nothing to show (the reason is on the page).

import './cesium-base.js';

import {
  BoundingSphere,
  Cartesian3,
  Cartographic,
  Cesium3DTileset,
  ClassificationType,
  ClippingPolygon,
  ClippingPolygonCollection,
  Color,
  CustomHeightmapTerrainProvider,
  DirectionalLight,
  HeadingPitchRange,
  ImageryLayer,
  Math as CesiumMath,
  Matrix4,
  OrientedBoundingBox,
  Transforms,
  UrlTemplateImageryProvider,
  Viewer,
} from 'cesium';

import * as api from './api.js';
import { element } from './dom.js';

/** The cell's outline: the blue of the map's selected cell. */
const OUTLINE = '#1a73e8';
const GROUND = '#d9d3c7';
const SKY = '#eef1f4';

const params = new URLSearchParams(window.location.search);
const code = params.get('cell');
const name = params.get('tileset');
const version = params.get('version');

const status = (text) => { document.getElementById('status').textContent = text; };

/** Back to the map: the dialog that holds this page closes, or the map page opens. */
function back() {
  if (window.parent !== window) window.parent.postMessage({ citygrid3d: 'close' }, window.location.origin);
  else window.location.assign(new URL('./', window.location.href));
}

/** A GeoJSON ring as Cesium positions, without the closing vertex. */
function ring(coordinates) {
  const [first, last] = [coordinates[0], coordinates[coordinates.length - 1]];
  const open = first[0] === last[0] && first[1] === last[1] ? coordinates.slice(0, -1) : coordinates;
  return Cartesian3.fromDegreesArray(open.flat());
}

/** The polygons of a GeoJSON MultiPolygon: `[{outer, holes}]` of positions. */
const polygonsOf = (multiPolygon) =>
  multiPolygon.coordinates.map(([outer, ...holes]) => ({ outer: ring(outer), holes: holes.map(ring) }));

/** The lowest point of a tile's bounding volume, metres above the ellipsoid (3D Tiles 1.1 §bounding volumes). */
function bottomOf(tile) {
  const volume = tile.boundingVolume;
  if (volume.minimumHeight !== undefined) return volume.minimumHeight; // region
  if (volume.boundingVolume instanceof OrientedBoundingBox) { // box
    return Math.min(...OrientedBoundingBox.computeCorners(volume.boundingVolume)
      .map((corner) => Cartographic.fromCartesian(corner)?.height ?? Infinity));
  }
  const sphere = volume.boundingSphere; // sphere
  return (Cartographic.fromCartesian(sphere.center)?.height ?? Infinity) - sphere.radius;
}

/**
 * The height of the ground under the cell: the lowest point of the finest tiles
 * (photography is a mesh of the ground and what stands on it, and the subset holds
 * only the finest tiles over the cell), 0 when there are none.
 */
function groundHeight(root) {
  let lowest = Infinity;
  const visit = (tile) => {
    if (tile.children.length === 0) lowest = Math.min(lowest, bottomOf(tile));
    tile.children.forEach(visit);
  };
  visit(root);
  return Number.isFinite(lowest) ? lowest : 0;
}

/** The viewer: no ion, no widgets but the credits, a plain globe and sky, rendering only when something changed. */
function makeViewer(config) {
  const basemap = config.basemap?.tiles?.[0];
  const viewer = new Viewer('scene', {
    baseLayer: basemap
      ? new ImageryLayer(new UrlTemplateImageryProvider({ url: basemap, credit: config.basemap.attribution || undefined, maximumLevel: 19 }))
      : false,
    baseLayerPicker: false,
    geocoder: false,
    homeButton: false,
    sceneModePicker: false,
    navigationHelpButton: false,
    animation: false,
    timeline: false,
    fullscreenButton: false,
    infoBox: false,
    selectionIndicator: false,
    skyBox: false,
    skyAtmosphere: false,
    requestRenderMode: true,
    maximumRenderTimeChange: Infinity,
    // FXAA instead of 4x multisampling: about as smooth, and a quarter of the
    // work where WebGL has no GPU (software rendering, as in virtual desktops
    // and the tests: 280 ms a frame instead of 1 s).
    msaaSamples: 1,
  });
  const { scene } = viewer;
  scene.postProcessStages.fxaa.enabled = true;
  // A plain ground needs no detail: fewer, larger globe tiles (16 px of error
  // instead of 2) load in seconds instead of minutes without a GPU. A basemap
  // needs the usual detail.
  scene.globe.maximumScreenSpaceError = basemap ? 2 : 16;
  scene.backgroundColor = Color.fromCssColorString(SKY);
  scene.globe.baseColor = Color.fromCssColorString(GROUND);
  scene.globe.showGroundAtmosphere = false;
  // no sun or moon drawn in the sky (there is none without a sky box; the light is set below)
  if (scene.sun) scene.sun.show = false;
  if (scene.moon) scene.moon.show = false;
  return viewer;
}

/** The cell's figures from the subset's metadata (the `cell` class of its schema) and extras. */
function describe(json) {
  const cell = json.metadata?.properties ?? {};
  const rows = [
    ['Code', cell.code ?? code],
    ['Name', cell.name ?? ''],
    ['Village', cell.village ?? ''],
    ['Township', cell.township ?? ''],
    ['District', cell.district ?? ''],
    ['Partition version', String(cell.version ?? '')],
    ['Tileset', name],
    ['Tiles over the cell', String(json.extras?.citygrid?.tiles ?? '')],
  ];
  const dl = element('dl', { class: 'cell-metadata' });
  for (const [term, value] of rows) dl.append(element('dt', {}, term), element('dd', {}, value));
  document.getElementById('title').replaceChildren(
    '3D: ', element('strong', { class: 'code' }, cell.code ?? code), ' ', cell.name ?? '');
  document.title = `${cell.code ?? code} in 3D · citygrid`;
  return dl;
}

/** "Clip to the cell": off shows the tiles whole, as they reach beyond the cell. */
function clipSwitch(clipping, scene) {
  const input = element('input', { type: 'checkbox', id: 'clip', checked: '' });
  input.addEventListener('change', () => {
    clipping.enabled = input.checked;
    scene.requestRender();
  });
  return element('p', {}, element('label', { for: 'clip' }, input, ' Clip to the cell'));
}

async function start() {
  const backButton = document.getElementById('back');
  backButton.addEventListener('click', back);
  backButton.focus(); // (autofocus is not honoured in a frame that opened without the focus)
  document.addEventListener('keydown', (event) => { if (event.key === 'Escape') back(); });
  document.body.dataset.tiles = 'loading';
  if (!code || !name) {
    document.body.dataset.tiles = 'none';
    status('Which cell and tileset? Open the 3D view from a cell on the map.');
    return;
  }
  document.getElementById('title').replaceChildren('3D: ', element('strong', { class: 'code' }, code));
  status(`Loading ${name} over ${code}…`);
  let json;
  let config;
  try {
    [json, config] = await Promise.all([api.cellTileset(code, name, version), api.viewerConfig()]);
  } catch (error) {
    document.body.dataset.tiles = 'none';
    document.getElementById('about').append(element('p', { role: 'alert' }, error.message));
    status('Nothing to show in 3D.');
    return;
  }
  const about = document.getElementById('about');
  about.append(describe(json));

  const viewer = makeViewer(config);
  const { scene } = viewer;
  const tileset = await Cesium3DTileset.fromUrl(api.cellTilesetPath(code, name, version));

  // Hide what is outside the cell: with `inverse`, a point is clipped unless it is
  // inside one of the polygons (the cell's parts, holes excluded).
  const polygons = polygonsOf(json.extras.citygrid.clippingPolygon);
  const clipping = new ClippingPolygonCollection({
    polygons: polygons.map(({ outer, holes }) => new ClippingPolygon({ positions: outer, holes })),
    inverse: true,
  });
  tileset.clippingPolygons = clipping;

  const ground = groundHeight(tileset.root);
  // 65 x 65 heights a tile, as Cesium's own ellipsoid "terrain" has: fewer make
  // the tiles' geometric error larger and the globe load many more tiles.
  const flat = new Float32Array(65 * 65).fill(ground);
  scene.terrainProvider = new CustomHeightmapTerrainProvider({ width: 65, height: 65, callback: () => flat });
  tileset.tileFailed.addEventListener(({ url, message }) => console.error(`tile ${url}: ${message}`));
  scene.primitives.add(tileset);

  // The outline, draped on the tiles and the ground.
  for (const { outer, holes } of polygons) {
    for (const positions of [outer, ...holes]) {
      viewer.entities.add({
        polyline: {
          positions: [...positions, positions[0]],
          clampToGround: true,
          classificationType: ClassificationType.BOTH,
          width: 4,
          material: Color.fromCssColorString(OUTLINE),
        },
      });
    }
  }

  // Light from the south-west, high: the same at any hour (the sun of the clock
  // would leave the tiles dark at night).
  const corners = polygons.flatMap(({ outer }) => outer.map((p) => {
    const c = Cartographic.fromCartesian(p);
    return Cartesian3.fromRadians(c.longitude, c.latitude, ground);
  }));
  const sphere = BoundingSphere.fromPoints(corners);
  const frame = Transforms.eastNorthUpToFixedFrame(sphere.center);
  scene.light = new DirectionalLight({
    direction: Cartesian3.normalize(Matrix4.multiplyByPointAsVector(frame, new Cartesian3(0.4, 0.6, -1), new Cartesian3()), new Cartesian3()),
    intensity: 2.2,
  });
  // The whole cell in view from the south, 45° down.
  viewer.camera.flyToBoundingSphere(sphere, {
    offset: new HeadingPitchRange(0, CesiumMath.toRadians(-45), Math.max(sphere.radius * 2.6, 150)),
    duration: 0,
  });

  about.append(clipSwitch(clipping, scene));
  const drawn = element('p', { class: 'status', id: 'drawn', role: 'status', 'aria-live': 'polite' });
  about.append(drawn);
  scene.postRender.addEventListener(() => {
    const done = tileset.tilesLoaded && scene.globe.tilesLoaded;
    document.body.dataset.tiles = done ? 'loaded' : 'loading';
    const text = done
      ? `${tileset.statistics.selected} tiles drawn${clipping.enabled ? ', clipped to the cell' : ', whole'}.`
      : 'Loading tiles…';
    if (drawn.textContent !== text) drawn.textContent = text;
  });
  window.citygrid3d = { viewer, tileset, clipping, ground };
  status('Drag to move, scroll or right-drag to zoom, Ctrl-drag to turn and tilt; Escape goes back to the map.');
  scene.requestRender();
}

start().catch((error) => {
  document.body.dataset.tiles = 'none';
  status(`The 3D view could not start: ${error.message}`);
  console.error(error);
});
