//! Request bodies: the minimum rate every body must keep, and reading one whole
//! with the status its failure deserves: 413 only for size, 408 for a body too
//! slow, 400 for one truncated or badly chunked.
//!
//! hyper times out a request's head but not its body, and tower-http's body
//! timeout restarts with every chunk, so a body trickled a byte at a time would
//! hold its connection (and its batch permit) for ever. [`TimedBody`] gives a body
//! `body_timeout_s`, plus `1 / min_body_rate` seconds for each byte received, up
//! to `body_timeout_max_s` (Apache's mod_reqtimeout rule).

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use http_body::{Frame, SizeHint};
use http_body_util::{BodyExt, LengthLimitError};
use tokio::time::{Instant, Sleep};

use crate::config::{Config, seconds};
use crate::error::ApiError;

/// How long a body may take: `initial`, plus a second per `rate` bytes received,
/// never more than `max`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BodyRate {
    /// Time before the rate applies.
    pub initial: Duration,
    /// Bytes per second that extend it.
    pub rate: u64,
    /// The most any body gets.
    pub max: Duration,
}

impl BodyRate {
    /// The rule of the settings.
    #[must_use]
    pub fn from_config(config: &Config) -> BodyRate {
        BodyRate {
            initial: seconds(config.body_timeout_s),
            rate: config.min_body_rate.max(1),
            max: seconds(config.body_timeout_max_s),
        }
    }

    /// Time allowed once `received` bytes have arrived.
    fn allowance(&self, received: u64) -> Duration {
        let earned = Duration::from_secs_f64(received as f64 / self.rate as f64);
        (self.initial + earned).min(self.max)
    }
}

/// A body that fails with [`TooSlow`] when it falls behind its [`BodyRate`]. The
/// clock starts when the body is first read, so time spent waiting in a queue is
/// not held against the client.
pub struct TimedBody {
    inner: Body,
    rule: BodyRate,
    started: Option<Instant>,
    received: u64,
    deadline: Option<Pin<Box<Sleep>>>,
}

impl TimedBody {
    /// `inner` under `rule`.
    #[must_use]
    pub fn new(inner: Body, rule: BodyRate) -> TimedBody {
        TimedBody {
            inner,
            rule,
            started: None,
            received: 0,
            deadline: None,
        }
    }
}

/// A body that fell behind its minimum rate.
#[derive(Debug, thiserror::Error)]
#[error(
    "request body: {received} bytes in {:.1} s, behind min_body_rate = {} bytes/s after body_timeout_s = {} (body_timeout_max_s = {}); send it faster or in smaller batches",
    elapsed.as_secs_f64(), rule.rate, rule.initial.as_secs_f64(), rule.max.as_secs_f64()
)]
pub struct TooSlow {
    received: u64,
    elapsed: Duration,
    rule: BodyRate,
}

impl http_body::Body for TimedBody {
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let started = *this.started.get_or_insert_with(Instant::now);
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                }
                return Poll::Ready(Some(Ok(frame)));
            }
            Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => {}
        }
        let deadline = started + this.rule.allowance(this.received);
        let sleep = this
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        if sleep.deadline() != deadline {
            sleep.as_mut().reset(deadline);
        }
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(TooSlow {
                received: this.received,
                elapsed: started.elapsed(),
                rule: this.rule,
            })))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// The whole body, at most `limit` bytes (`max_body_bytes`).
///
/// # Errors
/// [`ApiError::TooLarge`] when the body (or its Content-Length) is over the
/// limit, [`ApiError::Timeout`] when it fell behind the minimum rate,
/// [`ApiError::BadRequest`] when it ended early or its chunks were malformed.
pub async fn read(body: Body, limit: usize) -> Result<Bytes, ApiError> {
    let too_large = |size: &str| {
        ApiError::TooLarge(format!(
            "request body: {size} over max_body_bytes = {limit} bytes; send fewer points per request"
        ))
    };
    let declared = http_body::Body::size_hint(&body).exact();
    if let Some(n) = declared.filter(|&n| n > limit as u64) {
        return Err(too_large(&format!("Content-Length {n} is")));
    }
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(&e);
        while let Some(c) = cause {
            if c.is::<LengthLimitError>() {
                return too_large("a chunked body is");
            }
            if let Some(slow) = c.downcast_ref::<TooSlow>() {
                return ApiError::Timeout(slow.to_string());
            }
            let ended = c
                .downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_incomplete_message)
                || c.downcast_ref::<std::io::Error>()
                    .is_some_and(|e| e.kind() == std::io::ErrorKind::UnexpectedEof);
            if ended {
                return ApiError::BadRequest(format!(
                    "request body: the connection ended before the body did{}",
                    declared.map_or(String::new(), |n| format!(" (Content-Length {n})"))
                ));
            }
            cause = c.source();
        }
        ApiError::BadRequest(format!("request body is malformed: {}", innermost(&e)))
    })
}

/// Reads and drops a body the server will not use (at most `limit` bytes, under
/// its minimum rate), so that a client still sending it reads the answer instead
/// of a reset: hyper closes a connection whose request body was left unread, and
/// a client in the middle of a megabyte upload then never sees its 503.
pub async fn discard(mut body: Body, limit: usize) {
    let mut seen = 0usize;
    while seen <= limit {
        match body.frame().await {
            Some(Ok(frame)) => seen += frame.data_ref().map_or(0, |d| d.len()),
            Some(Err(_)) | None => return,
        }
    }
}

/// The deepest cause of an error: hyper's own words ("invalid chunk size line")
/// rather than the wrappers' ("error reading a body from connection").
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last = e;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_allowance_grows_with_the_bytes_up_to_the_max() {
        let rule = BodyRate {
            initial: Duration::from_secs(10),
            rate: 1000,
            max: Duration::from_secs(60),
        };
        assert_eq!(rule.allowance(0), Duration::from_secs(10));
        assert_eq!(rule.allowance(5000), Duration::from_secs(15));
        assert_eq!(rule.allowance(10_000_000), Duration::from_secs(60));
    }

    #[tokio::test]
    async fn over_the_limit_is_413_and_a_bad_body_400() {
        let e = read(Body::from(vec![b'x'; 100]), 10).await.unwrap_err();
        assert!(
            e.to_string()
                .starts_with("request body: Content-Length 100 is over max_body_bytes = 10 bytes"),
            "{e}"
        );
        assert_eq!(read(Body::from("ok"), 10).await.unwrap(), "ok");
    }
}
