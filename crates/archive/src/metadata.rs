//! What an archive says about its tiles: name, zooms, bounds, centre, and the
//! TileJSON `vector_layers` with each layer's fields.

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
        }
    }

    /// The metadata as one JSON object (PMTiles metadata; MBTiles `json` row
    /// holds the `vector_layers` part).
    #[must_use]
    pub fn json(&self) -> Value {
        json!({
            "name": self.name,
            "description": self.description,
            "format": "pbf",
            "vector_layers": self.vector_layers,
        })
    }
}
