//! Rows of `citygrid_tokens`: name, role, district scope, the secret's SHA-256 and
//! the times it was created and revoked. The secret itself is never written.

use citygrid_model::{Level, UnitCode};
use postgres::Row;

use crate::error::{Result, StoreError};
use crate::postgis::pool::Tx;
use crate::time;
use crate::token::{self, Role, TokenInfo};

const BY_NAME: &str =
    "SELECT name, role, district, created_at, revoked_at FROM citygrid_tokens WHERE name = $1";

/// Creates a token; returns it and its secret.
///
/// # Errors
/// [`StoreError::TokenRefused`] for a bad or used name, an admin limited to a
/// district, or a district that is not one of the head.
pub(crate) fn create(
    tx: &mut Tx<'_>,
    name: &str,
    role: Role,
    district: Option<UnitCode>,
) -> Result<(TokenInfo, String)> {
    let refuse = |reason: String| StoreError::TokenRefused {
        store: tx.store.to_string(),
        name: name.to_string(),
        reason,
    };
    if let Some(problem) = token::name_problem(name) {
        return Err(refuse(problem.to_string()));
    }
    if tx.query_opt(BY_NAME, &[&name])?.is_some() {
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
        let level = tx.query_opt(
            "SELECT 1 FROM citygrid_units WHERE code = $1 AND level = $2 AND valid_to IS NULL",
            &[&d.as_str(), &Level::District.as_str()],
        )?;
        if level.is_none() {
            return Err(refuse(format!("{d} is not a district of the head version")));
        }
    }
    let secret = token::new_secret().map_err(|e| StoreError::Random {
        store: tx.store.to_string(),
        reason: e.to_string(),
    })?;
    let created_at = time::now();
    tx.execute(
        "INSERT INTO citygrid_tokens (name, role, district, hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[
            &name,
            &role.as_str(),
            &district.as_ref().map(UnitCode::as_str),
            &token::hash(&secret),
            &created_at,
        ],
    )?;
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
/// [`StoreError::Postgres`]; [`StoreError::Corrupt`].
pub(crate) fn verify(tx: &mut Tx<'_>, secret: &str) -> Result<Option<TokenInfo>> {
    let row = tx.query_opt(
        "SELECT name, role, district, created_at, revoked_at FROM citygrid_tokens WHERE hash = $1",
        &[&token::hash(secret)],
    )?;
    Ok(row
        .map(|r| read(tx, &r))
        .transpose()?
        .filter(|t| t.revoked_at.is_none()))
}

/// Revokes a token (a revoked one stays as it is).
///
/// # Errors
/// [`StoreError::UnknownToken`].
pub(crate) fn revoke(tx: &mut Tx<'_>, name: &str) -> Result<TokenInfo> {
    tx.execute(
        "UPDATE citygrid_tokens SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
        &[&name, &time::now()],
    )?;
    match tx.query_opt(BY_NAME, &[&name])? {
        Some(row) => read(tx, &row),
        None => Err(StoreError::UnknownToken {
            store: tx.store.to_string(),
            name: name.to_string(),
        }),
    }
}

/// Every token, by name (byte order, as the GeoPackage store sorts).
///
/// # Errors
/// [`StoreError::Postgres`]; [`StoreError::Corrupt`].
pub(crate) fn all(tx: &mut Tx<'_>) -> Result<Vec<TokenInfo>> {
    let rows = tx.query(
        "SELECT name, role, district, created_at, revoked_at FROM citygrid_tokens \
         ORDER BY name COLLATE \"C\"",
        &[],
    )?;
    rows.iter().map(|r| read(tx, r)).collect()
}

fn read(tx: &Tx<'_>, r: &Row) -> Result<TokenInfo> {
    let name: String = tx.get(r, 0)?;
    let role: &str = tx.get(r, 1)?;
    let district: Option<&str> = tx.get(r, 2)?;
    let decoded = || -> std::result::Result<TokenInfo, String> {
        Ok(TokenInfo {
            role: role.parse()?,
            district: district
                .map(|d| d.parse().map_err(|e| format!("{e}")))
                .transpose()?,
            created_at: tx.get(r, 3).map_err(|e| e.to_string())?,
            revoked_at: tx.get(r, 4).map_err(|e| e.to_string())?,
            name: name.clone(),
        })
    };
    decoded().map_err(|reason| StoreError::Corrupt {
        store: tx.store.to_string(),
        what: format!("token {name:?}"),
        reason,
    })
}
