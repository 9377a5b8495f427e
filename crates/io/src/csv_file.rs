//! CSV files as spreadsheets save them: UTF-8 (a GBK file is refused with the command
//! that converts it), a byte-order mark skipped, a header row, quoted fields over
//! several lines, each record knowing the line it starts on.

use std::path::Path;

use crate::error::{IoError, Result};

/// A CSV file's header (names trimmed) and a reader of its records.
pub(crate) struct CsvFile {
    /// The column names.
    pub header: Vec<String>,
    /// The records after the header.
    pub reader: csv::Reader<std::io::Cursor<Vec<u8>>>,
}

impl CsvFile {
    /// Reads `path`.
    ///
    /// # Errors
    /// [`IoError::Read`]; [`IoError::Content`] for text that is not UTF-8 or an
    /// unreadable header.
    pub(crate) fn open(path: &Path) -> Result<CsvFile> {
        let bytes = std::fs::read(path).map_err(|source| IoError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        CsvFile::from_bytes(bytes, &path.display().to_string())
    }

    /// Reads CSV bytes (`name` for messages).
    ///
    /// # Errors
    /// As [`CsvFile::open`].
    pub(crate) fn from_bytes(mut bytes: Vec<u8>, name: &str) -> Result<CsvFile> {
        let content = |message: String| IoError::Content {
            source_name: name.to_string(),
            message,
        };
        if let Err(e) = std::str::from_utf8(&bytes) {
            return Err(content(format!(
                "is not UTF-8 (byte {}): a spreadsheet saved as GBK? convert it with `iconv -f GBK -t UTF-8`",
                e.valid_up_to()
            )));
        }
        if bytes.starts_with("\u{feff}".as_bytes()) {
            bytes.drain(..3);
        }
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(std::io::Cursor::new(bytes));
        let header = reader
            .headers()
            .map_err(|e| content(format!("cannot read the header: {e}")))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect();
        Ok(CsvFile { header, reader })
    }
}
