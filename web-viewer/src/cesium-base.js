// Where CesiumJS finds its Workers, Assets, ThirdParty and Widgets files: beside the
// 3D page's bundle, in `cesium/` (build.mjs copies them there). Imported before
// `cesium` so that it is set before anything of CesiumJS runs.

window.CESIUM_BASE_URL = new URL('cesium/', import.meta.url).href;
