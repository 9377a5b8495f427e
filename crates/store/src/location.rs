//! Opening and creating a store by its location, so that callers never name a
//! backend: a path is a GeoPackage file, `postgres://...` will be PostGIS (issue 18).

use std::path::Path;

use citygrid_model::Partition;

use crate::error::{Result, StoreError};
use crate::sqlite::SqliteStore;
use crate::store::Store;

/// Where a store lives, as parsed from a location string.
#[derive(Debug, PartialEq, Eq)]
enum Location<'a> {
    /// A GeoPackage file.
    File(&'a Path),
    /// A URL with a scheme this build has no backend for.
    Url {
        /// The scheme, lowercase.
        scheme: String,
        /// The URL without its user and password.
        shown: String,
    },
}

impl<'a> Location<'a> {
    fn parse(location: &'a str) -> Self {
        let Some((scheme, rest)) = location.split_once("://") else {
            return Location::File(Path::new(location));
        };
        // A one-letter "scheme" is a Windows drive (C://...), not a URL.
        if scheme.len() < 2
            || !scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            return Location::File(Path::new(location));
        }
        let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
        Location::Url {
            scheme: scheme.to_ascii_lowercase(),
            shown: format!("{scheme}://{host}"),
        }
    }

    fn unsupported(scheme: &str, shown: String) -> StoreError {
        let reason = if scheme == "postgres" || scheme == "postgresql" {
            "the PostGIS store is not built yet (issue 18); use a GeoPackage file path for now"
                .to_string()
        } else {
            format!("no store backend for {scheme}:// URLs; give a GeoPackage file path")
        };
        StoreError::Unsupported {
            location: shown,
            reason,
        }
    }
}

/// Opens the store at `location`: a file path (the GeoPackage store).
///
/// # Errors
/// [`StoreError::Unsupported`] for a URL (PostGIS is issue 18);
/// [`StoreError::Missing`], [`StoreError::NotAStore`] or
/// [`StoreError::NewerSchema`] naming the file.
pub fn open(location: &str) -> Result<Box<dyn Store>> {
    match Location::parse(location) {
        Location::File(path) => Ok(Box::new(SqliteStore::open(path)?)),
        Location::Url { scheme, shown } => Err(Location::unsupported(&scheme, shown)),
    }
}

/// Creates a store at `location` holding `partition` as version 1, and opens it.
/// The partition should have passed the checker: every version of a store is a
/// valid partition.
///
/// # Errors
/// [`StoreError::Exists`] when something is at the path already (a store is never
/// overwritten); [`StoreError::Unsupported`] for a URL; [`StoreError::Refused`] for
/// attributes a store cannot hold.
pub fn init(
    location: &str,
    partition: &Partition,
    author: &str,
    message: &str,
) -> Result<Box<dyn Store>> {
    match Location::parse(location) {
        Location::File(path) => Ok(Box::new(SqliteStore::init(
            path, partition, author, message,
        )?)),
        Location::Url { scheme, shown } => Err(Location::unsupported(&scheme, shown)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_files_and_urls_lose_their_password() {
        assert_eq!(
            Location::parse("data/city.gpkg"),
            Location::File(Path::new("data/city.gpkg"))
        );
        assert_eq!(
            Location::parse("C://grid/city.gpkg"),
            Location::File(Path::new("C://grid/city.gpkg"))
        );
        let Err(e) = open("postgres://editor:s3cret@db.example:5432/grid") else {
            panic!("postgres opened")
        };
        let message = e.to_string();
        assert!(
            message.contains("postgres://db.example:5432/grid"),
            "{message}"
        );
        assert!(message.contains("issue 18"), "{message}");
        assert!(!message.contains("s3cret"), "{message}");
        assert!(open("s3://bucket/city.gpkg").is_err());
    }
}
