//! Opening and creating a store by its location, so that callers never name a
//! backend: a path is a GeoPackage file, `postgres://...` (or `postgresql://`) a
//! PostGIS database.

use std::path::Path;

use citygrid_model::Partition;

use crate::error::{Result, StoreError};
use crate::postgis::PostgisStore;
use crate::sqlite::SqliteStore;
use crate::store::Store;

/// Where a store lives, as parsed from a location string.
#[derive(Debug, PartialEq, Eq)]
enum Location<'a> {
    /// A GeoPackage file.
    File(&'a Path),
    /// A PostgreSQL database.
    Postgres {
        /// The URL as given, credentials included.
        url: &'a str,
        /// The URL without its user, password and query (which may hold a password).
        shown: String,
    },
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
        let rest = rest.split_once('?').map_or(rest, |(before, _)| before);
        let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
        let host = authority
            .rsplit_once('@')
            .map_or(authority, |(_, host)| host);
        let shown = if path.is_empty() {
            format!("{scheme}://{host}")
        } else {
            format!("{scheme}://{host}/{path}")
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme == "postgres" || scheme == "postgresql" {
            return Location::Postgres {
                url: location,
                shown,
            };
        }
        Location::Url { scheme, shown }
    }

    fn unsupported(scheme: &str, shown: String) -> StoreError {
        StoreError::Unsupported {
            location: shown,
            reason: format!(
                "no store backend for {scheme}:// URLs; give a GeoPackage file path or a postgres:// URL"
            ),
        }
    }
}

/// Opens the store at `location`: a file path (the GeoPackage store) or a
/// `postgres://user:password@host:port/database` URL (the PostGIS store).
///
/// # Errors
/// [`StoreError::Unsupported`] for another URL; [`StoreError::Missing`],
/// [`StoreError::NotAStore`] or [`StoreError::NewerSchema`] naming the store;
/// [`StoreError::OlderSchema`] for a database that needs `citygrid store migrate`;
/// [`StoreError::Postgres`] when the database cannot be reached.
pub fn open(location: &str) -> Result<Box<dyn Store>> {
    match Location::parse(location) {
        Location::File(path) => Ok(Box::new(SqliteStore::open(path)?)),
        Location::Postgres { url, shown } => Ok(Box::new(PostgisStore::open(url, &shown)?)),
        Location::Url { scheme, shown } => Err(Location::unsupported(&scheme, shown)),
    }
}

/// Creates a store at `location` holding `partition` as version 1, and opens it.
/// The partition should have passed the checker: every version of a store is a
/// valid partition.
///
/// # Errors
/// [`StoreError::Exists`] when a file or a store is there already (a store is
/// never overwritten); [`StoreError::Unsupported`] for a URL of another kind;
/// [`StoreError::Refused`] for attributes a store cannot hold.
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
        Location::Postgres { url, shown } => Ok(Box::new(PostgisStore::init(
            url, &shown, partition, author, message,
        )?)),
        Location::Url { scheme, shown } => Err(Location::unsupported(&scheme, shown)),
    }
}

/// Brings the store at `location` up to this build's schema; returns its schema
/// version before and after. A GeoPackage file is also brought up to date when it
/// is opened; a database shared by several servers only by this, in one
/// transaction.
///
/// # Errors
/// As [`open`].
pub fn migrate(location: &str) -> Result<(i64, i64)> {
    match Location::parse(location) {
        Location::File(path) => SqliteStore::migrate(path),
        Location::Postgres { url, shown } => PostgisStore::migrate(url, &shown),
        Location::Url { scheme, shown } => Err(Location::unsupported(&scheme, shown)),
    }
}

/// The location without credentials, as stores describe themselves.
#[must_use]
pub fn shown(location: &str) -> String {
    match Location::parse(location) {
        Location::File(path) => path.display().to_string(),
        Location::Postgres { shown, .. } | Location::Url { shown, .. } => shown,
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
        assert_eq!(
            shown("postgres://editor:s3cret@db.example:5432/grid?password=s3cret"),
            "postgres://db.example:5432/grid"
        );
        assert_eq!(shown("postgresql://db.example"), "postgresql://db.example");
        // Nothing listens on port 1: the error names the database, not the password.
        let Err(e) = open("postgres://editor:s3cret@127.0.0.1:1/grid?connect_timeout=2") else {
            panic!("a database on port 1 opened")
        };
        let message = e.to_string();
        assert!(message.contains("postgres://127.0.0.1:1/grid"), "{message}");
        assert!(!message.contains("s3cret"), "{message}");
        let Err(e) = open("s3://key:s3cret@bucket/city.gpkg") else {
            panic!("s3 opened")
        };
        assert!(!e.to_string().contains("s3cret"), "{e}");
    }
}
