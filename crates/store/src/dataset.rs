//! What the store keeps beside the partition: entity layers (points counted per
//! cell), raster layers (GeoTIFFs summed per cell) and 3D Tiles tilesets (linked to
//! the cells they show), their files kept in the store or registered by path for
//! files too large to copy, and the staff
//! registry. Each change to them moves one counter, the datasets revision, which a
//! server polls as it polls the head.

use std::path::PathBuf;

use citygrid_model::{Entity, LayerSchema, StaffMember};
use jiff::Timestamp;

/// A layer's kind and what only that kind has.
#[derive(Debug, Clone, PartialEq)]
pub enum LayerKind {
    /// Points with typed fields, kept in the store.
    Entity {
        /// The fields and their roles.
        schema: LayerSchema,
        /// How many entities the layer holds (ids run 1..=count).
        count: u64,
    },
    /// A GeoTIFF: its bytes kept in the store (`stored`), so that every server of
    /// the store reads the same raster, or read from where it was registered.
    Raster {
        /// The file, as an absolute path: where it was imported from, and where it
        /// is read when the store does not keep it.
        path: PathBuf,
        /// The band summed, from 1.
        band: u16,
        /// The bytes the store keeps of it ([`crate::Store::layer_files`]); `None`
        /// for a file registered by path.
        stored: Option<u64>,
    },
    /// A 3D Tiles tileset (oblique photography): its folder's files kept in the
    /// store (`stored`), or read from where it was registered.
    Tileset {
        /// Its `tileset.json`, as an absolute path: where it was imported from, and
        /// (its folder) where content is read when the store does not keep it.
        path: PathBuf,
        /// The bytes of the files the store keeps of it; `None` by path.
        stored: Option<u64>,
    },
}

/// A file the store keeps for a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerFile {
    /// Its path in the layer's folder, `/`-separated (`tileset.json`,
    /// `tiles/0/0.b3dm`; a raster's file name).
    pub path: String,
    /// Its bytes, as imported.
    pub bytes: Vec<u8>,
}

impl LayerKind {
    /// `entity` or `raster`, as the store and the API name them.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            LayerKind::Entity { .. } => "entity",
            LayerKind::Raster { .. } => "raster",
            LayerKind::Tileset { .. } => "tileset",
        }
    }
}

/// A registered layer.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerInfo {
    /// Its name: letters, digits and `_`, starting with a letter.
    pub name: String,
    /// Entity or raster, with what that kind holds.
    pub kind: LayerKind,
    /// Where it was imported from (a file name), for people.
    pub source: String,
    /// Who imported it.
    pub author: String,
    /// When it was created.
    pub created_at: Timestamp,
    /// The datasets revision of its last change (import, append).
    pub revision: u64,
}

/// A layer to create.
#[derive(Debug, Clone)]
pub struct NewLayer {
    /// Its name.
    pub name: String,
    /// Entity (with its entities, whose ids are ignored and given anew) or raster.
    pub kind: NewLayerKind,
    /// Where it comes from, for people.
    pub source: String,
    /// Who imports it.
    pub author: String,
    /// Whether an existing layer of that name is replaced (else it is refused).
    pub replace: bool,
}

/// The content of a new layer.
#[derive(Debug, Clone)]
pub enum NewLayerKind {
    /// Points and their schema.
    Entity {
        /// The fields and their roles.
        schema: LayerSchema,
        /// The points, in the order they get their ids.
        entities: Vec<Entity>,
    },
    /// A GeoTIFF, kept in the store or by path.
    Raster {
        /// The file (made absolute by the store).
        path: PathBuf,
        /// The band, from 1.
        band: u16,
        /// Its bytes, to keep in the store (what a server reads); `None` registers
        /// the file by path only.
        bytes: Option<Vec<u8>>,
    },
    /// A 3D Tiles tileset by the path of its `tileset.json` (made absolute).
    Tileset {
        /// The file.
        path: PathBuf,
        /// The files of its folder, `tileset.json` among them, to keep in the
        /// store (what a server reads); `None` registers it by path only.
        files: Option<Vec<LayerFile>>,
    },
}

/// The staff registry as of one of its revisions.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StaffRoster {
    /// The revision (0: nobody registered yet).
    pub revision: u64,
    /// Everybody, by id.
    pub members: Vec<StaffMember>,
}

/// A change to the staff registry: one new revision.
#[derive(Debug, Clone, Default)]
pub struct StaffChange {
    /// Who makes it.
    pub author: String,
    /// Why.
    pub message: String,
    /// People added or changed (by id).
    pub upsert: Vec<StaffMember>,
    /// Ids of people leaving.
    pub remove: Vec<String>,
    /// Whether everyone not in `upsert` leaves (an import of the whole registry).
    pub replace_all: bool,
}

/// Whether `name` may name a layer: what URLs and SQL can carry without quoting.
#[must_use]
pub fn layer_name_problem(name: &str) -> Option<&'static str> {
    let mut chars = name.chars();
    match chars.next() {
        None => Some("a layer name cannot be empty"),
        Some(c) if !c.is_ascii_alphabetic() => Some("a layer name starts with a letter"),
        _ if name.len() > 64 => Some("a layer name has at most 64 characters"),
        _ if !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') => {
            Some("a layer name holds only letters, digits and _")
        }
        _ => None,
    }
}
