//! Where clients reach the server, for the URLs in TileJSON and the style: the
//! configured `public_url`, or else the request's Host header, but only a host
//! the settings allow.
//!
//! A Host header is whatever the client sent. Copied into a TileJSON that is served
//! with `Cache-Control: public`, a hostile one would be handed by a shared cache to
//! every later client (cache poisoning), so it must be one of `allowed_hosts`, and
//! answers made from it say `Vary: Host`.

use std::net::Ipv6Addr;

use axum::http::{HeaderMap, header};

use crate::error::{ApiError, shorten};

/// The scheme and authority URLs start with, and whether it came from the Host
/// header (then the answer varies by Host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl {
    /// `http://host:port` or the configured public URL, no trailing slash.
    pub url: String,
    /// Made from the request's Host header.
    pub from_host: bool,
}

/// The base of the URLs an answer carries: `public_url`, else the Host header
/// when `allowed_hosts` has it (the settings of those names).
///
/// # Errors
/// [`ApiError::BadRequest`] when `public_url` is not set and the Host header is
/// missing, malformed, or not in `allowed_hosts`.
pub fn base_url(
    public_url: Option<&str>,
    allowed_hosts: &[String],
    headers: &HeaderMap,
) -> Result<BaseUrl, ApiError> {
    if let Some(u) = public_url {
        return Ok(BaseUrl {
            url: u.trim_end_matches('/').to_string(),
            from_host: false,
        });
    }
    let text = headers
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or("\u{fffd}"))
        .ok_or_else(|| {
            ApiError::BadRequest(
                "no Host header, and no public_url is set to make the tile URLs from".into(),
            )
        })?;
    let allowed = parse_host(text).is_some_and(|(name, port)| {
        allowed_hosts.iter().any(|entry| {
            entry == "*"
                || parse_host(entry).is_some_and(|(n, p)| {
                    n.eq_ignore_ascii_case(name) && (p.is_none() || p == port)
                })
        })
    });
    if !allowed {
        return Err(ApiError::BadRequest(format!(
            "Host {} is not in allowed_hosts {:?}: the tile URLs are made from it; add it to allowed_hosts or set public_url",
            shorten(text),
            allowed_hosts
        )));
    }
    Ok(BaseUrl {
        url: format!("http://{text}"),
        from_host: true,
    })
}

/// A host as a Host header or an `allowed_hosts` entry writes it: a name or IPv4
/// address (letters, digits, `.` and `-`), or an IPv6 address in brackets, with an
/// optional `:port`. None for anything else.
#[must_use]
pub fn parse_host(text: &str) -> Option<(&str, Option<u16>)> {
    let (name, port) = if let Some(rest) = text.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        inside.parse::<Ipv6Addr>().ok()?;
        (&text[..inside.len() + 2], after)
    } else {
        match text.rsplit_once(':') {
            Some((name, _)) => (name, &text[name.len()..]),
            None => (text, ""),
        }
    };
    let port = match port {
        "" => None,
        p => Some(
            p.strip_prefix(':')
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))?
                .parse::<u16>()
                .ok()?,
        ),
    };
    let well_formed = name.starts_with('[')
        || (!name.is_empty()
            && name.len() <= 253
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'));
    well_formed.then_some((name, port))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_host(host: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        h
    }

    #[test]
    fn hosts_parse_with_and_without_ports() {
        assert_eq!(parse_host("grid.example"), Some(("grid.example", None)));
        assert_eq!(parse_host("10.0.0.1:8080"), Some(("10.0.0.1", Some(8080))));
        assert_eq!(parse_host("[::1]:80"), Some(("[::1]", Some(80))));
        assert_eq!(parse_host("[::1]"), Some(("[::1]", None)));
        for bad in ["", "a b", "x/y", "evil\"}", "h:", "h:99999", "[zz]", "h:8a"] {
            assert_eq!(parse_host(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_allowed_hosts_make_urls_and_public_url_wins() {
        let allowed = ["grid.example".to_string(), "10.0.0.1:8080".to_string()];
        let base = |host: &str| base_url(None, &allowed, &with_host(host));
        let ok = base("GRID.example:9000").unwrap();
        assert_eq!(ok.url, "http://GRID.example:9000");
        assert!(ok.from_host);
        assert!(base("10.0.0.1:8080").is_ok());
        assert!(base("10.0.0.1:8081").is_err());
        let refused = base("evil.example").unwrap_err();
        assert!(
            refused
                .to_string()
                .starts_with("Host \"evil.example\" is not in allowed_hosts")
        );
        assert!(base_url(None, &allowed, &HeaderMap::new()).is_err());
        let public = base_url(
            Some("https://grid.example.gov.cn/"),
            &allowed,
            &with_host("evil.example"),
        )
        .unwrap();
        assert_eq!(
            public,
            BaseUrl {
                url: "https://grid.example.gov.cn".into(),
                from_host: false
            }
        );
    }
}
