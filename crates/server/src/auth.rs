//! Who is calling: `Authorization: Bearer TOKEN` (RFC 6750), verified through the
//! store, which keeps only the tokens' hashes. A handler that needs a token takes a
//! [`Caller`] argument (401 without one; the extractor is in `crate::guard`) and asks
//! it for a role or a district ([`Caller::require`], [`Caller::require_scope`]: 403
//! when they do not allow it); `Option<Caller>` takes one when it is sent.
//!
//! Verified tokens are remembered for [`TRUSTED`], so a burst of requests asks the
//! store once; a revocation takes effect within that time. While the store cannot
//! be reached, the last answer about a token stands, so reads go on through an
//! outage (a revocation then waits for the store).

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::http::header;
use axum::http::request::Parts;
use rustc_hash::FxHashMap;

use citygrid_model::{Partition, UnitCode};
use citygrid_store::{Role, Store, StoreError, TokenInfo};

use crate::error::{ApiError, store_error};

/// How long a token the store verified is trusted without asking again: the most a
/// revocation waits to take effect.
pub const TRUSTED: Duration = Duration::from_secs(2);
/// How long a token the store does not know is refused without asking again (a
/// token created meanwhile waits this long).
const DISTRUSTED: Duration = Duration::from_secs(1);
/// Tokens remembered at most; beyond, the memory starts afresh.
const REMEMBERED: usize = 10_000;

/// Verifies tokens through the store and remembers the answers briefly.
pub struct Auth {
    store: Option<Arc<dyn Store>>,
    /// Whether every `/v1/` request needs a token (`read_requires_token`).
    pub reads_need_token: bool,
    remembered: Mutex<FxHashMap<String, (Option<Caller>, Instant)>>,
}

/// The holder of a verified token: its name (the author of what it commits), role
/// and district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The token's name.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The district it is limited to, if any.
    pub district: Option<UnitCode>,
}

impl From<TokenInfo> for Caller {
    fn from(t: TokenInfo) -> Self {
        Caller {
            name: t.name,
            role: t.role,
            district: t.district,
        }
    }
}

impl Caller {
    /// Succeeds when the token's role is `role` or above.
    ///
    /// # Errors
    /// [`ApiError::Forbidden`] naming the token, its role and the role needed.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            return Ok(());
        }
        Err(ApiError::Forbidden(format!(
            "token {:?} is a {} token; this needs {} or above",
            self.name, self.role, role
        )))
    }

    /// Succeeds when the token may act on the unit `code` of `partition`: it has no
    /// district, or the unit is that district or inside it.
    ///
    /// # Errors
    /// [`ApiError::Forbidden`] naming the token, its district and the unit (also for
    /// a code that is not in `partition`, when the token has a district).
    pub fn require_scope(&self, partition: &Partition, code: &UnitCode) -> Result<(), ApiError> {
        let Some(district) = &self.district else {
            return Ok(());
        };
        let inside = partition.id_of(code).is_some_and(|id| {
            std::iter::once(id)
                .chain(partition.ancestors(id))
                .any(|a| &partition.unit(a).code == district)
        });
        if inside {
            return Ok(());
        }
        Err(ApiError::Forbidden(format!(
            "token {:?} may act in district {district} only, and {code} is not in it",
            self.name
        )))
    }
}

impl Auth {
    /// Verifies through `store`; with `reads_need_token`, every `/v1/` request
    /// needs a token (`crate::guard::readers`).
    #[must_use]
    pub fn new(store: Option<Arc<dyn Store>>, reads_need_token: bool) -> Self {
        Auth {
            store,
            reads_need_token,
            remembered: Mutex::new(FxHashMap::default()),
        }
    }

    /// The caller a request's `Authorization` header names; `None` without one.
    ///
    /// # Errors
    /// [`ApiError::Unauthorized`] for a header that is not `Bearer TOKEN`, a token
    /// the store does not know or has revoked, and on a server with no store.
    pub async fn caller(&self, parts: &Parts) -> Result<Option<Caller>, ApiError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Ok(None);
        };
        let secret = value
            .to_str()
            .ok()
            .and_then(|v| {
                let (scheme, token) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::Unauthorized("the Authorization header must be \"Bearer TOKEN\"".into())
            })?;
        match self.verify(secret).await? {
            Some(caller) => Ok(Some(caller)),
            None => Err(ApiError::Unauthorized(
                "the token is unknown or revoked".into(),
            )),
        }
    }

    async fn verify(&self, secret: &str) -> Result<Option<Caller>, ApiError> {
        if let Some(known) = self.remembered(secret) {
            return Ok(known);
        }
        let store = self.store.clone().ok_or_else(|| {
            ApiError::Unauthorized(
                "this server serves a file, not a store, and has no tokens".into(),
            )
        })?;
        let owned = secret.to_string();
        let asked = tokio::task::spawn_blocking(move || store.verify_token(&owned))
            .await
            .map_err(|e| ApiError::Internal(format!("verifying a token: {e}")))?;
        let found = match asked {
            Ok(found) => found.map(Caller::from),
            // While the store is out of reach, the last word on a token stands
            // (however old): reads go on; a token never seen waits for the store.
            Err(e @ StoreError::Unreachable { .. }) => {
                return match self.lock().get(secret) {
                    Some((known, _)) => Ok(known.clone()),
                    None => Err(store_error(e)),
                };
            }
            Err(e) => return Err(store_error(e)),
        };
        let mut remembered = self.lock();
        if remembered.len() >= REMEMBERED {
            remembered.clear();
        }
        remembered.insert(secret.to_string(), (found.clone(), Instant::now()));
        Ok(found)
    }

    /// What the store said about `secret` lately, if it is recent enough to trust.
    fn remembered(&self, secret: &str) -> Option<Option<Caller>> {
        let remembered = self.lock();
        let (caller, at) = remembered.get(secret)?;
        let trusted = if caller.is_some() {
            TRUSTED
        } else {
            DISTRUSTED
        };
        (at.elapsed() < trusted).then(|| caller.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashMap<String, (Option<Caller>, Instant)>> {
        // Each change is one insert or a clear: still consistent after a panic.
        self.remembered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
