//! `edit-stream`: edits POSTed one after another to a running `citygrid serve
//! --store` of the bundled Guiyang, each round trip timed; the edit half of
//! `benches/edits_load.sh`, which starts the server and runs wrk beside it.
//!
//! ```text
//! edit-stream ADDR TOKEN COUNT MODE [RATE]
//!   ADDR   the server, host:port
//!   TOKEN  an editor's token secret (citygrid token create --role editor)
//!   COUNT  how many edits (200; an odd count gets one more, to end on a back),
//!          or for how long (15s)
//!   MODE   commit: time each POST /v1/edits, validate + commit + the new version
//!                  served (the route swaps it in before it answers)
//!          served: that too, and after each 200 poll GET /v1/cells/{changed code}
//!                  on a second connection until it answers from the new version,
//!                  timed from the 200's arrival: what another client sees
//!          served-on=HOST:PORT: the same, polling another server of the same
//!                  store: how long a commit takes to reach every server
//!   RATE   edits to start per second at most (5); without it, each edit starts
//!          as soon as the one before is answered: the heaviest stream one
//!          client makes
//! ```
//!
//! The edits are [`transfers`] of small squares between neighbouring cells, go
//! and back in turn, each on the version the previous one made; a stream stops
//! between pairs only, so streams can follow one another on the same store. The
//! client is std's `TcpStream` with one keep-alive HTTP/1.1 connection per role:
//! a new connection per request would time the handshake too, and no HTTP crate
//! is needed for requests this plain. Prints the figures for people, then one line
//! `result mode=... edits=N refused=N edit_p50_ms=...` for the script.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use citygrid_benches::{guiyang, quantile, transfers};
use citygrid_edit::Op;
use geo_types::{LineString, MultiPolygon};

/// Distinct go-and-back pairs, made again in turn for longer streams: spread
/// over the city, so the edits touch many places.
const PAIRS: usize = 100;
/// How long a new version may take to show to another client before the edit
/// counts as never served.
const SERVED_TIMEOUT: Duration = Duration::from_secs(5);
/// Refusals whose message is printed; the rest are only counted.
const SHOWN_REFUSALS: usize = 5;

/// How many edits to make.
enum Budget {
    /// This many.
    Edits(usize),
    /// As many as fit in this long.
    For(Duration),
}

/// What to time besides the edit's round trip.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Nothing else.
    Commit,
    /// When another client first sees the new version.
    Served,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Commit => "commit",
            Mode::Served => "served",
        }
    }
}

/// The command line.
struct Args {
    addr: String,
    token: String,
    budget: Budget,
    mode: Mode,
    /// Where the new version is watched for (`served` modes): ADDR, or another
    /// server of the same store.
    watch: String,
    /// The least time from one edit's start to the next one's.
    interval: Option<Duration>,
}

const USAGE: &str = "usage: edit-stream ADDR TOKEN COUNT|SECONDSs commit|served|served-on=HOST:PORT [EDITS_PER_SECOND]";

fn args() -> Result<Args, String> {
    let list: Vec<String> = std::env::args().skip(1).collect();
    let (addr, token, count, mode, rate) = match &list[..] {
        [addr, token, count, mode] => (addr, token, count, mode, None),
        [addr, token, count, mode, rate] => (addr, token, count, mode, Some(rate)),
        _ => return Err(USAGE.to_string()),
    };
    let budget = match count.strip_suffix('s') {
        Some(secs) => secs.parse().map(|s| Budget::For(Duration::from_secs(s))),
        None => count.parse().map(Budget::Edits),
    }
    .map_err(|_| format!("{count:?} is neither a count nor seconds such as 15s; {USAGE}"))?;
    let (mode, watch) = match (mode.as_str(), mode.strip_prefix("served-on=")) {
        ("commit", _) => (Mode::Commit, addr.clone()),
        ("served", _) => (Mode::Served, addr.clone()),
        (_, Some(other)) => (Mode::Served, other.to_string()),
        (other, None) => return Err(format!("unknown mode {other:?}; {USAGE}")),
    };
    let interval = rate
        .map(|r| match r.parse::<f64>() {
            Ok(per_s) if per_s > 0.0 && per_s.is_finite() => {
                Ok(Duration::from_secs_f64(1.0 / per_s))
            }
            _ => Err(format!("{r:?} is not a rate in edits per second; {USAGE}")),
        })
        .transpose()?;
    Ok(Args {
        addr: addr.clone(),
        token: token.clone(),
        budget,
        mode,
        watch,
        interval,
    })
}

/// One answer: its status, version header and body.
struct Answer {
    status: u16,
    version: Option<u64>,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> io::Result<Value> {
        serde_json::from_slice(&self.body).map_err(io::Error::other)
    }
}

/// A keep-alive HTTP/1.1 connection, reopened when the server closes it.
struct Conn {
    addr: String,
    stream: BufReader<TcpStream>,
}

impl Conn {
    fn open(addr: &str) -> io::Result<Self> {
        let tcp = TcpStream::connect(addr)?;
        // Requests go out whole in one write; Nagle would only hold them back.
        tcp.set_nodelay(true)?;
        tcp.set_read_timeout(Some(Duration::from_secs(60)))?;
        Ok(Self {
            addr: addr.to_string(),
            stream: BufReader::new(tcp),
        })
    }

    /// Sends one request and reads its answer, which must have a Content-Length
    /// (the server's all do).
    fn request(
        &mut self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &[u8],
    ) -> io::Result<Answer> {
        let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
        let mut out = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\n{auth}\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        out.extend_from_slice(body);
        self.stream.get_mut().write_all(&out)?;
        let (answer, close) = self.read_answer()?;
        if close {
            *self = Self::open(&self.addr)?;
        }
        Ok(answer)
    }

    /// The answer, and whether the server closes the connection after it.
    fn read_answer(&mut self) -> io::Result<(Answer, bool)> {
        let status_line = self.line()?;
        let status = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad(format!("not an HTTP status line: {status_line:?}")))?;
        let (mut length, mut version, mut close) = (None, None, false);
        loop {
            let line = self.line()?;
            if line.is_empty() {
                break;
            }
            let Some((name, value)) = line.split_once(':') else {
                return Err(bad(format!("not a header: {line:?}")));
            };
            let value = value.trim();
            match name.to_ascii_lowercase().as_str() {
                "content-length" => length = value.parse().ok(),
                "x-citygrid-version" => version = value.parse().ok(),
                "connection" => close = value.eq_ignore_ascii_case("close"),
                "transfer-encoding" => return Err(bad("a chunked answer".to_string())),
                _ => {}
            }
        }
        let length = length.ok_or_else(|| bad("an answer without Content-Length".to_string()))?;
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body)?;
        Ok((
            Answer {
                status,
                version,
                body,
            },
            close,
        ))
    }

    /// One header line, without its CRLF.
    fn line(&mut self) -> io::Result<String> {
        let mut line = String::new();
        if self.stream.read_line(&mut line)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the server closed the connection",
            ));
        }
        Ok(line.trim_end_matches(['\r', '\n']).to_string())
    }
}

fn bad(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

/// The store's head, to make the first edit on.
fn head(conn: &mut Conn) -> io::Result<u64> {
    let answer = conn.request("GET", "/v1/versions?limit=1", None, b"")?;
    answer.json()?["head"]
        .as_u64()
        .ok_or_else(|| bad(format!("GET /v1/versions answered {}", answer.status)))
}

/// `[[[lon, lat], ...], ...]` per polygon: GeoJSON MultiPolygon coordinates.
fn coordinates(area: &MultiPolygon<f64>) -> Value {
    let ring = |r: &LineString<f64>| -> Value { r.0.iter().map(|c| json!([c.x, c.y])).collect() };
    area.0
        .iter()
        .map(|p| -> Value {
            std::iter::once(p.exterior())
                .chain(p.interiors())
                .map(ring)
                .collect()
        })
        .collect()
}

/// The `POST /v1/edits` body of one transfer on version `base`.
fn edit_body(base: u64, op: &Op) -> Value {
    let Op::Transfer { from, to, area, .. } = op else {
        unreachable!("the stream makes transfers only")
    };
    json!({
        "base_version": base,
        "message": "bench",
        "crs": "wgs84",
        "ops": [{
            "op": "transfer",
            "from": from.to_string(),
            "to": to.to_string(),
            "area": {"type": "MultiPolygon", "coordinates": coordinates(area)},
        }],
    })
}

/// How long after `since` the cell `code` is first answered from `version` or a
/// later one; `None` when that takes longer than [`SERVED_TIMEOUT`].
fn served_after(
    conn: &mut Conn,
    code: &str,
    version: u64,
    since: Instant,
) -> io::Result<Option<Duration>> {
    let path = format!("/v1/cells/{code}");
    while since.elapsed() < SERVED_TIMEOUT {
        let answer = conn.request("GET", &path, None, b"")?;
        if answer.status == 200 && answer.version.is_some_and(|v| v >= version) {
            return Ok(Some(since.elapsed()));
        }
    }
    Ok(None)
}

/// What a stream measured.
#[derive(Default)]
struct Figures {
    edits: Vec<Duration>,
    served: Vec<Duration>,
    refused: usize,
    never_served: usize,
}

/// A stream's connections and where it stands.
struct Editing<'a> {
    token: &'a str,
    conn: Conn,
    /// The other client, in served mode.
    other: Option<Conn>,
    /// The version the next edit is made on.
    base: u64,
    /// The least time between edits' starts, and when the next may start.
    pace: Option<(Duration, Instant)>,
    figures: Figures,
}

impl Editing<'_> {
    /// POSTs `op` on the base version and times the round trip, and in served
    /// mode how long the other client then takes to see the new version.
    fn edit(&mut self, op: &Op) -> io::Result<()> {
        self.wait_turn();
        let body = edit_body(self.base, op).to_string();
        let sent = Instant::now();
        let answer = self
            .conn
            .request("POST", "/v1/edits", Some(self.token), body.as_bytes())?;
        let arrived = Instant::now();
        if answer.status != 200 {
            refused(&mut self.figures, &answer);
            return Ok(());
        }
        self.figures.edits.push(arrived - sent);
        let json = answer.json()?;
        self.base = json["version"]
            .as_u64()
            .ok_or_else(|| bad("an edit's answer without a version".to_string()))?;
        if let Some(other) = &mut self.other {
            let code = json["changed"][0]
                .as_str()
                .ok_or_else(|| bad("an edit's answer names no changed cell".to_string()))?;
            match served_after(other, code, self.base, arrived)? {
                Some(t) => self.figures.served.push(t),
                None => self.figures.never_served += 1,
            }
        }
        Ok(())
    }

    /// Sleeps until the next edit may start, at a paced stream's rate; a stream
    /// that fell behind goes on at once, without a burst to catch up.
    fn wait_turn(&mut self) {
        if let Some((interval, next)) = &mut self.pace {
            let now = Instant::now();
            if *next > now {
                std::thread::sleep(*next - now);
            }
            *next = (*next).max(now) + *interval;
        }
    }
}

fn stream(args: &Args) -> io::Result<(Figures, Duration)> {
    let pairs = transfers(&guiyang(), PAIRS);
    let mut conn = Conn::open(&args.addr)?;
    let base = head(&mut conn)?;
    let other = match args.mode {
        Mode::Served => Some(Conn::open(&args.watch)?),
        Mode::Commit => None,
    };
    let mut editing = Editing {
        token: &args.token,
        conn,
        other,
        base,
        pace: args.interval.map(|i| (i, Instant::now())),
        figures: Figures::default(),
    };
    let start = Instant::now();
    // Whole pairs only: a stream that stopped after a go would leave its square
    // where the next stream's go finds none of it to move.
    for (i, (go, back)) in pairs.iter().cycle().enumerate() {
        let done = match args.budget {
            Budget::Edits(n) => 2 * i >= n,
            Budget::For(d) => start.elapsed() >= d,
        };
        if done {
            break;
        }
        editing.edit(go)?;
        editing.edit(back)?;
    }
    Ok((editing.figures, start.elapsed()))
}

/// Counts a refusal, and says why for the first few.
fn refused(figures: &mut Figures, answer: &Answer) {
    figures.refused += 1;
    if figures.refused <= SHOWN_REFUSALS {
        let message = answer
            .json()
            .ok()
            .and_then(|j| j["error"]["message"].as_str().map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(&answer.body).into_owned());
        eprintln!("edit-stream: refused ({}): {message}", answer.status);
    }
}

/// `p50 1.2 ms, p99 3.4 ms, max 5.6 ms` for people, and `NAME_p50_ms=1.2 ...`
/// for the script.
fn percentiles(name: &str, mut times: Vec<Duration>) -> (String, String) {
    if times.is_empty() {
        return ("none".to_string(), String::new());
    }
    times.sort();
    let ms = |q: f64| quantile(&times, q).as_secs_f64() * 1e3;
    let (p50, p99, max) = (ms(0.5), ms(0.99), ms(1.0));
    (
        format!("p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms"),
        format!(" {name}_p50_ms={p50:.2} {name}_p99_ms={p99:.2} {name}_max_ms={max:.2}"),
    )
}

fn report(mode: Mode, figures: Figures, took: Duration) {
    let made = figures.edits.len();
    let per_s = made as f64 / took.as_secs_f64();
    let (edit_text, edit_keys) = percentiles("edit", figures.edits);
    println!(
        "POST /v1/edits (validate + commit + served), {made} made in {:.1} s ({per_s:.1}/s): {edit_text}; {} refused",
        took.as_secs_f64(),
        figures.refused
    );
    let mut keys = format!(
        "result mode={} edits={made} refused={} seconds={:.2} per_s={per_s:.2}{edit_keys}",
        mode.name(),
        figures.refused,
        took.as_secs_f64()
    );
    if mode == Mode::Served {
        let (served_text, served_keys) = percentiles("served", figures.served);
        println!(
            "new version seen by another client after the 200: {served_text}; {} never within {} s",
            figures.never_served,
            SERVED_TIMEOUT.as_secs()
        );
        keys.push_str(&format!(
            " never_served={}{served_keys}",
            figures.never_served
        ));
    }
    println!("{keys}");
}

fn main() -> ExitCode {
    let args = match args() {
        Ok(args) => args,
        Err(e) => {
            eprintln!("edit-stream: {e}");
            return ExitCode::from(2);
        }
    };
    match stream(&args) {
        Ok((figures, took)) => {
            report(args.mode, figures, took);
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("edit-stream: {}: {e}", args.addr);
            ExitCode::FAILURE
        }
    }
}
