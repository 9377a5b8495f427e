//! Reading a tileset into one tree of tiles: explicit tiles, external tilesets grafted
//! where their content points, implicit tiling expanded from its subtree files. Each
//! tile keeps what a subset needs to write it again (volume, own transform, geometric
//! error, refinement, contents as paths inside the tileset's folder) and its frame and
//! footprint on the ground.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use geo_types::Polygon;
use serde_json::Value;

use crate::content::{Content, TileId, folder, inside};
use crate::error::{Result, ThreedError};
use crate::implicit::{self, Grow};
use crate::matrix::Mat4;
use crate::volume::Volume;

/// Deepest nesting of tiles and external tilesets read: deeper is a cycle or a mistake.
const MAX_DEPTH: u32 = 64;

/// How a tile's content relates to its parent's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refine {
    /// Drawn with the parent's.
    Add,
    /// Drawn instead of the parent's.
    Replace,
}

impl Refine {
    /// `ADD` or `REPLACE`, as tilesets write it.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Refine::Add => "ADD",
            Refine::Replace => "REPLACE",
        }
    }
}

/// One tile of the tree.
#[derive(Debug, Clone)]
pub struct Tile {
    /// The tile above, none for the root.
    pub parent: Option<TileId>,
    /// The tiles below, in the tileset's order.
    pub children: Vec<TileId>,
    /// 0 for the root.
    pub depth: u32,
    /// The bounding volume, in the tile's frame.
    pub volume: Volume,
    /// The tile's own `transform`, when it has one (an external tileset's root's too).
    pub transform: Option<Mat4>,
    /// The tile's frame: the product of the transforms from the root down to it.
    pub world: Mat4,
    /// Its geometric error, metres.
    pub geometric_error: f64,
    /// Its refinement, inherited when not written.
    pub refine: Refine,
    /// What it draws (external tilesets grafted in are not contents).
    pub contents: Vec<Content>,
    /// Where it lies on the ground, WGS84; none when its volume says nothing usable.
    pub footprint: Option<Polygon<f64>>,
    /// Where it is in the files, for messages: `root.children[2]`, `city/tileset.json
    /// root`, `implicit 3/2/5`.
    pub place: String,
}

/// A tile that cannot be placed on the ground, or content that cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TileProblem {
    /// Where it is ([`Tile::place`], or a file).
    pub tile: String,
    /// What is wrong.
    pub message: String,
}

/// A tileset read into one tree.
#[derive(Debug, Clone)]
pub struct Tileset {
    /// The folder of its `tileset.json`: every content path is inside it.
    pub dir: PathBuf,
    /// Its `asset` member.
    pub asset: Value,
    /// Its top-level geometric error.
    pub geometric_error: f64,
    /// Every tile, the root first; a parent always before its children.
    pub tiles: Vec<Tile>,
    /// What could not be used, and why.
    pub problems: Vec<TileProblem>,
}

impl Tileset {
    /// Reads `path` (a `tileset.json`) and every external tileset and subtree file it
    /// reaches.
    ///
    /// # Errors
    /// [`ThreedError::Read`] for a missing file; [`ThreedError::Invalid`] for a
    /// tileset.json that is not JSON or has no usable root. Faults below the root
    /// (a tile without a usable volume, an external tileset or subtree missing,
    /// content outside the folder) are [`Tileset::problems`], and the rest is read.
    pub fn load(path: &Path) -> Result<Tileset> {
        let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let json = read_json(path)?;
        let invalid = |message: String| ThreedError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        let root = json
            .get("root")
            .ok_or_else(|| invalid("no root tile".into()))?;
        let mut reader = Reader {
            dir: dir.clone(),
            tiles: Vec::new(),
            problems: Vec::new(),
            open: HashSet::from([path.to_path_buf()]),
        };
        reader
            .tile(
                root,
                None,
                Mat4::IDENTITY,
                Refine::Replace,
                "",
                "root".into(),
            )
            .map_err(invalid)?;
        Ok(Tileset {
            dir,
            asset: json.get("asset").cloned().unwrap_or(Value::Null),
            geometric_error: json
                .get("geometricError")
                .and_then(Value::as_f64)
                .unwrap_or(0.0),
            tiles: reader.tiles,
            problems: reader.problems,
        })
    }

    /// The root tile.
    #[must_use]
    pub fn root(&self) -> &Tile {
        &self.tiles[0]
    }

    /// A tile.
    #[must_use]
    pub fn tile(&self, id: TileId) -> &Tile {
        &self.tiles[id as usize]
    }

    /// Every content path of the tileset, for serving: only these files are.
    pub fn content_paths(&self) -> impl Iterator<Item = &str> {
        self.tiles
            .iter()
            .flat_map(|t| t.contents.iter().map(|c| c.path.as_str()))
    }
}

/// A JSON file.
pub(crate) fn read_json(path: &Path) -> Result<Value> {
    let bytes = std::fs::read(path).map_err(|source| ThreedError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    serde_json::from_slice(&bytes).map_err(|e| ThreedError::Invalid {
        path: path.to_path_buf(),
        message: format!("not JSON: {e}"),
    })
}

struct Reader {
    dir: PathBuf,
    tiles: Vec<Tile>,
    problems: Vec<TileProblem>,
    /// External tilesets on the way down from the root: one met again is a cycle.
    open: HashSet<PathBuf>,
}

impl Reader {
    /// Adds the tile `json` (in a file whose folder is `base`) and everything below
    /// it. An error only for a tile that cannot be placed at all (then it and its
    /// subtree are left out; for the root, the tileset fails).
    fn tile(
        &mut self,
        json: &Value,
        parent: Option<TileId>,
        parent_world: Mat4,
        parent_refine: Refine,
        base: &str,
        place: String,
    ) -> std::result::Result<TileId, String> {
        let depth = parent.map_or(0, |p| self.tiles[p as usize].depth + 1);
        if depth > MAX_DEPTH {
            return Err(format!("{place}: tiles nested over {MAX_DEPTH} deep"));
        }
        let volume = json
            .get("boundingVolume")
            .ok_or("no boundingVolume".to_string())
            .and_then(Volume::from_json)
            .map_err(|e| format!("{place}: {e}"))?;
        let transform = json
            .get("transform")
            .map(Mat4::from_json)
            .transpose()
            .map_err(|e| format!("{place}: {e}"))?;
        let world = transform.map_or(parent_world, |t| parent_world.mul(&t));
        let refine = match json.get("refine").and_then(Value::as_str) {
            Some(r) if r.eq_ignore_ascii_case("add") => Refine::Add,
            Some(r) if r.eq_ignore_ascii_case("replace") => Refine::Replace,
            Some(r) => return Err(format!("{place}: refine {r:?} is neither ADD nor REPLACE")),
            None => parent_refine,
        };
        let geometric_error = json
            .get("geometricError")
            .and_then(Value::as_f64)
            .filter(|g| g.is_finite() && *g >= 0.0)
            .ok_or_else(|| format!("{place}: no geometricError (a number from 0)"))?;
        let id = self.push(Tile {
            parent,
            children: Vec::new(),
            depth,
            volume,
            transform,
            world,
            geometric_error,
            refine,
            contents: Vec::new(),
            footprint: None,
            place: place.clone(),
        });
        let mut external = Vec::new();
        let contents: Vec<&Value> = match (json.get("content"), json.get("contents")) {
            (Some(c), _) => vec![c],
            (None, Some(Value::Array(cs))) => cs.iter().collect(),
            _ => Vec::new(),
        };
        let templates = json.get("implicitTiling").is_some();
        for c in contents {
            let Some(uri) = c.get("uri").and_then(Value::as_str) else {
                self.problems.push(TileProblem {
                    tile: place.clone(),
                    message: "a content without a uri".into(),
                });
                continue;
            };
            if templates {
                continue; // templates: expanded below
            }
            match inside(base, uri) {
                Ok(path) if path.to_ascii_lowercase().ends_with(".json") => external.push(path),
                Ok(path) => {
                    let mut rest = c.as_object().cloned().unwrap_or_default();
                    rest.remove("uri");
                    self.tiles[id as usize]
                        .contents
                        .push(Content { path, rest });
                }
                Err(message) => self.problems.push(TileProblem {
                    tile: place.clone(),
                    message,
                }),
            }
        }
        if let Some(implicit) = json.get("implicitTiling")
            && let Err(message) = implicit::expand(self, id, json, implicit, base)
        {
            self.problems.push(TileProblem {
                tile: place.clone(),
                message,
            });
        }
        for (i, child) in json
            .get("children")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let child_place = format!("{place}.children[{i}]");
            if let Err(message) =
                self.tile(child, Some(id), world, refine, base, child_place.clone())
            {
                self.problems.push(TileProblem {
                    tile: child_place,
                    message,
                });
            }
        }
        for path in external {
            self.external(&path, id, world, refine);
        }
        Ok(id)
    }

    /// Grafts the external tileset at `path` (inside the folder) under tile `parent`.
    fn external(&mut self, path: &str, parent: TileId, world: Mat4, refine: Refine) {
        let file = self.dir.join(path);
        let place = format!("{path} root");
        if !self.open.insert(file.clone()) {
            self.problems.push(TileProblem {
                tile: place,
                message: "an external tileset that contains itself".into(),
            });
            return;
        }
        match read_json(&file) {
            Ok(json) => match json.get("root") {
                Some(root) => {
                    if let Err(message) = self.tile(
                        root,
                        Some(parent),
                        world,
                        refine,
                        folder(path),
                        place.clone(),
                    ) {
                        self.problems.push(TileProblem {
                            tile: place,
                            message,
                        });
                    }
                }
                None => self.problems.push(TileProblem {
                    tile: place,
                    message: "no root tile".into(),
                }),
            },
            Err(e) => self.problems.push(TileProblem {
                tile: place,
                message: e.to_string(),
            }),
        }
        self.open.remove(&file);
    }

    /// Adds a tile under its parent, its footprint worked out here (or its problem
    /// noted): the one way tiles enter the tree.
    fn push(&mut self, mut tile: Tile) -> TileId {
        match tile.volume.footprint(&tile.world) {
            Ok(f) => tile.footprint = Some(f),
            Err(message) => self.problems.push(TileProblem {
                tile: tile.place.clone(),
                message,
            }),
        }
        let id = self.tiles.len() as TileId;
        if let Some(p) = tile.parent {
            self.tiles[p as usize].children.push(id);
        }
        self.tiles.push(tile);
        id
    }
}

impl Grow for Reader {
    fn volume_of(&self, id: TileId) -> Volume {
        self.tiles[id as usize].volume.clone()
    }

    fn error_of(&self, id: TileId) -> f64 {
        self.tiles[id as usize].geometric_error
    }

    fn folder(&self) -> &Path {
        &self.dir
    }

    fn problem(&mut self, tile: String, message: String) {
        self.problems.push(TileProblem { tile, message });
    }

    fn set_contents(&mut self, id: TileId, contents: Vec<Content>) {
        self.tiles[id as usize].contents = contents;
    }

    fn implicit_tile(
        &mut self,
        parent: TileId,
        volume: Volume,
        geometric_error: f64,
        contents: Vec<Content>,
        place: String,
    ) -> TileId {
        let p = &self.tiles[parent as usize];
        let (world, refine, depth) = (p.world, p.refine, p.depth + 1);
        self.push(Tile {
            parent: Some(parent),
            children: Vec::new(),
            depth,
            volume,
            transform: None,
            world,
            geometric_error,
            refine,
            contents,
            footprint: None,
            place,
        })
    }
}
