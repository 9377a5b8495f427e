//! Rows of `citygrid_tokens`: name, role, district scope, the secret's SHA-256 and
//! the times it was created and revoked. The secret itself is never written.

use citygrid_model::{Level, UnitCode};
use rusqlite::{Connection, OptionalExtension, Row};

use crate::error::{Result, StoreError};
use crate::sqlite::sql_error::At;
use crate::sqlite::units;
use crate::time;
use crate::token::{self, Role, TokenInfo};

const COLUMNS: &str = "name, role, district, created_at, revoked_at";

/// Creates a token; returns it and its secret.
///
/// # Errors
/// [`StoreError::TokenRefused`] for a bad or used name, an admin limited to a
/// district, or a district that is not one of the head.
pub(crate) fn create(
    tx: &Connection,
    store: &str,
    name: &str,
    role: Role,
    district: Option<UnitCode>,
) -> Result<(TokenInfo, String)> {
    let refuse = |reason: String| StoreError::TokenRefused {
        store: store.to_string(),
        name: name.to_string(),
        reason,
    };
    if let Some(problem) = token::name_problem(name) {
        return Err(refuse(problem.to_string()));
    }
    if find(tx, store, name)?.is_some() {
        return Err(refuse(
            "a token of that name exists (names are never reused: commits record them)".into(),
        ));
    }
    if let Some(d) = &district {
        if role == Role::Admin {
            return Err(refuse(
                "an admin token cannot be limited to a district".into(),
            ));
        }
        let level = tx
            .query_row(
                "SELECT level FROM citygrid_units WHERE code = ?1 AND valid_to IS NULL",
                [d.as_str()],
                |r| units::level(r, 0),
            )
            .optional()
            .at(store)?;
        if level != Some(Level::District) {
            return Err(refuse(format!("{d} is not a district of the head version")));
        }
    }
    let secret = token::new_secret().map_err(|e| StoreError::Random {
        store: store.to_string(),
        reason: e.to_string(),
    })?;
    let created_at = time::now();
    tx.execute(
        "INSERT INTO citygrid_tokens (name, role, district, hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        rusqlite::params![
            name,
            role.as_str(),
            district.as_ref().map(UnitCode::as_str),
            token::hash(&secret),
            time::format(created_at)
        ],
    )
    .at(store)?;
    let info = TokenInfo {
        name: name.to_string(),
        role,
        district,
        created_at,
        revoked_at: None,
    };
    Ok((info, secret))
}

/// The live token a secret belongs to.
///
/// # Errors
/// SQLite's error; [`StoreError::Corrupt`].
pub(crate) fn verify(tx: &Connection, store: &str, secret: &str) -> Result<Option<TokenInfo>> {
    let found = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM citygrid_tokens WHERE hash = ?1"
        ))
        .and_then(|mut s| s.query_row([token::hash(secret)], read).optional())
        .at(store)?;
    Ok(decode(store, found)?.filter(|t| t.revoked_at.is_none()))
}

/// Revokes a token (a revoked one stays as it is).
///
/// # Errors
/// [`StoreError::UnknownToken`].
pub(crate) fn revoke(tx: &Connection, store: &str, name: &str) -> Result<TokenInfo> {
    tx.execute(
        "UPDATE citygrid_tokens SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
        [name, &time::format(time::now())],
    )
    .at(store)?;
    find(tx, store, name)?.ok_or_else(|| StoreError::UnknownToken {
        store: store.to_string(),
        name: name.to_string(),
    })
}

/// Every token, by name.
///
/// # Errors
/// SQLite's error; [`StoreError::Corrupt`].
pub(crate) fn all(tx: &Connection, store: &str) -> Result<Vec<TokenInfo>> {
    let mut statement = tx
        .prepare(&format!(
            "SELECT {COLUMNS} FROM citygrid_tokens ORDER BY name"
        ))
        .at(store)?;
    let rows = statement.query_map([], read).at(store)?;
    rows.map(|r| decode(store, Some(r.at(store)?)))
        .filter_map(Result::transpose)
        .collect()
}

fn find(tx: &Connection, store: &str, name: &str) -> Result<Option<TokenInfo>> {
    let found = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM citygrid_tokens WHERE name = ?1"
        ))
        .and_then(|mut s| s.query_row([name], read).optional())
        .at(store)?;
    decode(store, found)
}

type Raw = (String, String, Option<String>, String, Option<String>);

fn read(r: &Row) -> rusqlite::Result<Raw> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn decode(store: &str, raw: Option<Raw>) -> Result<Option<TokenInfo>> {
    let Some((name, role, district, created_at, revoked_at)) = raw else {
        return Ok(None);
    };
    let decoded = || -> std::result::Result<TokenInfo, String> {
        Ok(TokenInfo {
            role: role.parse()?,
            district: district
                .map(|d| d.parse().map_err(|e| format!("{e}")))
                .transpose()?,
            created_at: time::parse(&created_at)?,
            revoked_at: revoked_at.map(|t| time::parse(&t)).transpose()?,
            name: name.clone(),
        })
    };
    decoded().map(Some).map_err(|reason| StoreError::Corrupt {
        store: store.to_string(),
        what: format!("token {name:?}"),
        reason,
    })
}
