//! What every `/ogc` answer shares: JSON or a plain HTML page (`f=json|html`, else
//! the Accept header), links with absolute URLs, and ETags with If-None-Match.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::as_of::VERSION_HEADER;
use crate::error::{ApiError, shorten};
use crate::hosts::BaseUrl;
use crate::routes::params::matches_etag;

/// How an answer is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// JSON (GeoJSON for features).
    Json,
    /// A plain HTML page for people.
    Html,
}

impl Format {
    /// `f=json|html`, else HTML when the Accept header prefers it over JSON (a
    /// browser), else JSON.
    ///
    /// # Errors
    /// [`ApiError::BadRequest`] for another `f`.
    pub fn of(query: &HashMap<String, String>, headers: &HeaderMap) -> Result<Format, ApiError> {
        match query.get("f").map(String::as_str) {
            Some("json" | "geojson") => Ok(Format::Json),
            Some("html") => Ok(Format::Html),
            Some(other) => Err(ApiError::BadRequest(format!(
                "f={} must be json or html",
                shorten(other)
            ))),
            None => {
                let accept = headers
                    .get(header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                let html = accept.find("text/html");
                let json = accept.find("json");
                Ok(match (html, json) {
                    (Some(h), Some(j)) if h < j => Format::Html,
                    (Some(_), None) => Format::Html,
                    _ => Format::Json,
                })
            }
        }
    }

    /// The media type of a JSON answer as this format, `json_type` for JSON.
    fn content_type(self, json_type: &'static str) -> &'static str {
        match self {
            Format::Json => json_type,
            Format::Html => "text/html; charset=utf-8",
        }
    }
}

/// A link object.
#[must_use]
pub fn link(href: String, rel: &str, media: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": media, "title": title})
}

/// `self` and `alternate` links of a resource at `path` (with `query`, already
/// encoded, possibly empty), as JSON of `json_type` and as HTML.
#[must_use]
pub fn self_links(
    base: &BaseUrl,
    path: &str,
    query: &str,
    format: Format,
    json_type: &str,
) -> Vec<Value> {
    let at = |f: &str| {
        let sep = if query.is_empty() { "" } else { "&" };
        format!("{}{path}?{query}{sep}f={f}", base.url)
    };
    let json = (at("json"), json_type, "this document as JSON");
    let html = (at("html"), "text/html", "this document as HTML");
    let (me, other) = match format {
        Format::Json => (json, html),
        Format::Html => (html, json),
    };
    vec![
        link(me.0, "self", me.1, me.2),
        link(other.0, "alternate", other.1, other.2),
    ]
}

/// How one answer is written: format, media type, title of its HTML page, the
/// version it is of, the request it answers (path and query, for the ETag) and the
/// base of its links.
pub struct Reply<'a> {
    /// JSON or HTML.
    pub format: Format,
    /// The media type of the JSON form.
    pub json_type: &'static str,
    /// The HTML page's title.
    pub title: String,
    /// The version the answer is of.
    pub version: u64,
    /// Path and query.
    pub request: &'a str,
    /// Where the links point.
    pub base: &'a BaseUrl,
}

impl Reply<'_> {
    /// `body` in this reply's format, with `extra` headers, an ETag naming the
    /// version and the request, and 304 when If-None-Match has it.
    pub fn send(
        &self,
        body: &Value,
        request_headers: &HeaderMap,
        extra: &[(&'static str, String)],
    ) -> Response {
        let etag = etag(self.version, self.request, self.format, &self.base.url);
        let mut response = if matches_etag(request_headers, &etag) {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let text = match self.format {
                Format::Json => body.to_string(),
                Format::Html => page(&self.title, body),
            };
            (
                [(
                    header::CONTENT_TYPE,
                    self.format.content_type(self.json_type),
                )],
                text,
            )
                .into_response()
        };
        let h = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(&etag) {
            h.insert(header::ETAG, v);
        }
        h.insert(VERSION_HEADER, HeaderValue::from(self.version));
        h.insert(header::VARY, HeaderValue::from_static("accept, host"));
        for (name, value) in extra {
            if let Ok(v) = HeaderValue::from_str(value) {
                h.insert(*name, v);
            }
        }
        response
    }
}

/// A weak ETag of the version, the request (path and query), the format and the
/// base URL the links were made from.
fn etag(version: u64, request: &str, format: Format, base: &str) -> String {
    let mut hasher = std::hash::DefaultHasher::new();
    (request, format, base).hash(&mut hasher);
    format!("W/\"v{version}-{:016x}\"", hasher.finish())
}

/// A plain HTML page of a JSON answer: its links as a list, features as a table,
/// the rest as indented JSON.
fn page(title: &str, body: &Value) -> String {
    let mut html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;margin:2em;max-width:70em}}table{{border-collapse:collapse}}\
         td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}pre{{background:#f6f6f6;padding:1em;overflow:auto}}</style>\
         </head><body><h1>{t}</h1>",
        t = escape(title)
    );
    if let Some(links) = body["links"].as_array() {
        html.push_str("<ul>");
        for l in links {
            html.push_str(&format!(
                "<li><a href=\"{}\">{}</a> ({}, {})</li>",
                escape(l["href"].as_str().unwrap_or("")),
                escape(l["title"].as_str().unwrap_or("")),
                escape(l["rel"].as_str().unwrap_or("")),
                escape(l["type"].as_str().unwrap_or("")),
            ));
        }
        html.push_str("</ul>");
    }
    if let Some(collections) = body["collections"].as_array() {
        html.push_str("<table><tr><th>collection</th><th>description</th></tr>");
        for c in collections {
            let href = c["links"]
                .as_array()
                .and_then(|l| l.iter().find(|l| l["type"] == "text/html"))
                .and_then(|l| l["href"].as_str())
                .unwrap_or("");
            html.push_str(&format!(
                "<tr><td><a href=\"{}\">{}</a></td><td>{}</td></tr>",
                escape(href),
                escape(c["id"].as_str().unwrap_or("")),
                escape(c["description"].as_str().unwrap_or("")),
            ));
        }
        html.push_str("</table>");
    }
    let features: Vec<&Value> = match body["type"].as_str() {
        Some("FeatureCollection") => body["features"].as_array().into_iter().flatten().collect(),
        Some("Feature") => vec![body],
        _ => Vec::new(),
    };
    if !features.is_empty() {
        html.push_str("<table><tr><th>code</th><th>name</th><th>level</th><th>parent</th></tr>");
        for f in features {
            let p = &f["properties"];
            let text = |v: &Value| escape(v.as_str().unwrap_or(""));
            html.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                text(&p["code"]),
                text(&p["name"]),
                text(&p["level"]),
                text(&p["parent"]),
            ));
        }
        html.push_str("</table>");
    }
    let mut rest = body.clone();
    if let Some(o) = rest.as_object_mut() {
        for key in ["links", "features", "geometry"] {
            o.remove(key);
        }
    }
    html.push_str(&format!(
        "<pre>{}</pre></body></html>",
        escape(&serde_json::to_string_pretty(&rest).unwrap_or_default())
    ));
    html
}

/// Text safe inside HTML elements and quoted attributes.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_what_it_shows() {
        let body = json!({"links": [{"href": "x\"><script>", "title": "<b>", "rel": "self", "type": "text/html"}],
                          "title": "a & b"});
        let html = page("<t>", &body);
        assert!(!html.contains("<script>") && !html.contains("<b>") && !html.contains("<t>"));
        assert!(html.contains("a &amp; b"));
    }

    #[test]
    fn the_format_follows_f_then_accept() {
        let none = HashMap::new();
        let mut h = HeaderMap::new();
        assert_eq!(Format::of(&none, &h).unwrap(), Format::Json);
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/xhtml+xml,*/*"),
        );
        assert_eq!(Format::of(&none, &h).unwrap(), Format::Html);
        let f = HashMap::from([("f".to_string(), "json".to_string())]);
        assert_eq!(Format::of(&f, &h).unwrap(), Format::Json);
        let bad = HashMap::from([("f".to_string(), "xml".to_string())]);
        assert!(Format::of(&bad, &h).is_err());
    }
}
