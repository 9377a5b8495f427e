//! A small CSV writer for the demo layers: a header row, comma-separated UTF-8 fields,
//! `\n` line ends, a field quoted only when it holds a comma, a quote or a line break
//! (RFC 4180 section 2, rules 5 to 7), and an empty field for no value.
//!
//! Written by hand because the layers need nothing else from a CSV library, and the
//! output must be the same bytes on every machine: numbers are written from integers.

use std::fmt::{Display, Write as _};
use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use crate::demo::{DemoFile, DemoLayersError};
use crate::places::Point;

/// One CSV file being written.
pub(crate) struct CsvFile {
    name: &'static str,
    path: PathBuf,
    out: BufWriter<File>,
    line: String,
    rows: usize,
}

impl CsvFile {
    /// Creates `dir/name.csv` and writes its header.
    pub(crate) fn create(
        dir: &Path,
        name: &'static str,
        header: &str,
    ) -> Result<CsvFile, DemoLayersError> {
        let path = dir.join(format!("{name}.csv"));
        let file = File::create(&path).map_err(|source| DemoLayersError::Io {
            path: path.clone(),
            source,
        })?;
        let mut csv = CsvFile {
            name,
            path,
            out: BufWriter::with_capacity(1 << 16, file),
            line: String::with_capacity(256),
            rows: 0,
        };
        csv.line.push_str(header);
        csv.flush_line()?;
        Ok(csv)
    }

    /// Starts a data row; its fields are added with [`Row`]'s methods and it is
    /// written by [`Row::end`].
    pub(crate) fn row(&mut self) -> Row<'_> {
        self.line.clear();
        Row {
            csv: self,
            first: true,
        }
    }

    /// Flushes the file and says what it holds.
    pub(crate) fn finish(mut self) -> Result<DemoFile, DemoLayersError> {
        self.out.flush().map_err(|source| DemoLayersError::Io {
            path: self.path.clone(),
            source,
        })?;
        Ok(DemoFile {
            name: self.name.into(),
            path: self.path,
            rows: self.rows,
        })
    }

    fn flush_line(&mut self) -> Result<(), DemoLayersError> {
        self.line.push('\n');
        self.out
            .write_all(self.line.as_bytes())
            .map_err(|source| DemoLayersError::Io {
                path: self.path.clone(),
                source,
            })
    }
}

/// A data row being built.
pub(crate) struct Row<'a> {
    csv: &'a mut CsvFile,
    first: bool,
}

impl Row<'_> {
    /// A point as two fields, `lon,lat`, with 6 decimals.
    pub(crate) fn point(self, p: Point) -> Self {
        self.field(Micro(p.lon_e6)).field(Micro(p.lat_e6))
    }

    /// A field written with `Display`, quoted if it needs to be.
    pub(crate) fn field(mut self, value: impl Display) -> Self {
        if !self.first {
            self.csv.line.push(',');
        }
        self.first = false;
        let start = self.csv.line.len();
        // writing to a String cannot fail
        let _ = write!(self.csv.line, "{value}");
        if self.csv.line[start..].contains([',', '"', '\n', '\r']) {
            let quoted = format!("\"{}\"", self.csv.line[start..].replace('"', "\"\""));
            self.csv.line.truncate(start);
            self.csv.line.push_str(&quoted);
        }
        self
    }

    /// An empty field: no value.
    pub(crate) fn empty(self) -> Self {
        self.field("")
    }

    /// Writes the row.
    pub(crate) fn end(self) -> Result<(), DemoLayersError> {
        self.csv.rows += 1;
        self.csv.flush_line()
    }
}

/// Millionths as a decimal with 6 places, from the integer (no float formatting).
struct Micro(i64);

impl Display for Micro {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let v = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:06}", v / 1_000_000, v % 1_000_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micro_degrees_have_six_decimals_and_a_sign() {
        assert_eq!(Micro(106_712_345).to_string(), "106.712345");
        assert_eq!(Micro(26_000_001).to_string(), "26.000001");
        assert_eq!(Micro(-5).to_string(), "-0.000005");
        assert_eq!(Micro(0).to_string(), "0.000000");
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        let dir = std::env::temp_dir().join(format!("citygrid-csv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut csv = CsvFile::create(&dir, "t", "a,b,c,d").unwrap();
        csv.row()
            .field("plain")
            .field("a,b")
            .field("say \"hi\"")
            .empty()
            .end()
            .unwrap();
        let file = csv.finish().unwrap();
        assert_eq!(file.rows, 1);
        let text = std::fs::read_to_string(&file.path).unwrap();
        assert_eq!(text, "a,b,c,d\nplain,\"a,b\",\"say \"\"hi\"\"\",\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
