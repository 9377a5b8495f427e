//! What an archive says about its tiles: name, zooms, bounds, centre, the
//! TileJSON `vector_layers` with each layer's fields, and for a store's version
//! where it came from (so a CDN publisher can tell one snapshot from another).

use citygrid_tiles::Tiler;
use serde_json::{Map, Value, json};

/// Archive metadata, taken from the tiler.
#[derive(Debug, Clone, PartialEq)]
pub struct Metadata {
    /// A short name.
    pub name: String,
    /// What the tiles show.
    pub description: String,
    /// Lowest zoom written.
    pub minzoom: u8,
    /// Highest zoom written.
    pub maxzoom: u8,
    /// West, south, east, north in degrees.
    pub bounds: [f64; 4],
    /// Longitude, latitude and zoom to open at.
    pub center: (f64, f64, u8),
    /// TileJSON `vector_layers`.
    pub vector_layers: Value,
    /// The store version the tiles are of, when they came from a store.
    pub origin: Option<Origin>,
}

/// The store version an archive's tiles are of. Written as `citygrid_source` in
/// the PMTiles metadata and the MBTiles `json` row (the name of the table a
/// GeoPackage export records the same in); MBTiles' `version` row is the
/// version number, as MBTiles 1.3 says: "a revision of the tileset itself".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The store, as its `describe()` names it: a path, or a URL without
    /// credentials (archives are published; a password must not be).
    pub store: String,
    /// The version.
    pub version: u64,
    /// When the version was committed (RFC 3339): tells the same number in two
    /// stores apart.
    pub created_at: String,
}

impl Metadata {
    /// Metadata for the zooms `minzoom..=maxzoom` of a tiler's pyramid.
    #[must_use]
    pub fn from_tiler(tiler: &Tiler, name: &str, minzoom: u8, maxzoom: u8) -> Metadata {
        let layers: Vec<Value> = tiler
            .layers()
            .into_iter()
            .filter_map(|l| {
                let (lo, hi) = tiler.options().zooms_of(l)?;
                let (lo, hi) = (lo.max(minzoom), hi.min(maxzoom));
                (lo <= hi).then(|| {
                    let fields: Map<String, Value> = tiler
                        .fields(l)
                        .into_iter()
                        .map(|(k, t)| (k, json!(t.as_str())))
                        .collect();
                    json!({"id": l.name(), "description": l.description(), "minzoom": lo, "maxzoom": hi, "fields": fields})
                })
            })
            .collect();
        let b = tiler.bounds();
        Metadata {
            name: name.to_string(),
            description: format!(
                "Grid cells and admin units, partition version {}, {} coordinates",
                tiler.partition().version(),
                tiler.options().crs_of().name()
            ),
            minzoom,
            maxzoom,
            bounds: b,
            center: (
                (b[0] + b[2]) / 2.0,
                (b[1] + b[3]) / 2.0,
                minzoom.max(maxzoom.min(12)),
            ),
            vector_layers: Value::Array(layers),
            origin: None,
        }
    }

    /// The same, saying which store version the tiles are of.
    #[must_use]
    pub fn origin(mut self, origin: Origin) -> Metadata {
        self.origin = Some(origin);
        self
    }

    /// The MBTiles `version` row: the store's version, else 1.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.origin.as_ref().map_or(1, |o| o.version)
    }

    /// The `citygrid_source` object, when the tiles came from a store.
    #[must_use]
    pub fn source_json(&self) -> Option<Value> {
        self.origin
            .as_ref()
            .map(|o| json!({"store": o.store, "version": o.version, "created_at": o.created_at}))
    }

    /// The metadata as one JSON object (PMTiles metadata; MBTiles `json` row
    /// holds the `vector_layers` part).
    #[must_use]
    pub fn json(&self) -> Value {
        let mut out = json!({
            "name": self.name,
            "description": self.description,
            "format": "pbf",
            "vector_layers": self.vector_layers,
        });
        if let Some(source) = self.source_json() {
            out["citygrid_source"] = source;
        }
        out
    }
}
