//! The staff registry from CSV: `id,name,role,phone,cells`, cells separated by `;`
//! (a spreadsheet's one column for "the cells this person serves").

use std::path::Path;

use citygrid_model::{StaffMember, StaffRole, UnitCode};

use crate::csv_file::CsvFile;
use crate::error::{IoError, Result};

/// Reads a staff CSV. Every bad row is reported with its line; none is skipped.
///
/// # Errors
/// [`IoError::Read`]; [`IoError::Content`] for missing columns, an unknown role, a
/// bad code or an empty id or name, listing the lines.
pub fn read_staff(path: &Path) -> Result<Vec<StaffMember>> {
    let name = path.display().to_string();
    let content = |message: String| IoError::Content {
        source_name: name.clone(),
        message,
    };
    let CsvFile { header, mut reader } = CsvFile::open(path)?;
    let column = |wanted: &str| {
        header.iter().position(|h| h == wanted).ok_or_else(|| {
            content(format!(
                "has no column {wanted:?} (a staff file has id, name, role, phone, cells; it has {})",
                header.join(", ")
            ))
        })
    };
    let [id, person, role, phone, cells] = ["id", "name", "role", "phone", "cells"].map(column);
    let (id, person, role, phone, cells) = (id?, person?, role?, phone?, cells?);
    let mut members = Vec::new();
    let mut bad = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| content(format!("unreadable CSV: {e}")))?;
        let line = record.position().map_or(0, csv::Position::line);
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let row = || -> std::result::Result<StaffMember, String> {
            let role_text = field(role);
            let role = StaffRole::parse(role_text).ok_or_else(|| {
                format!(
                    "role {role_text:?} is not one of {}",
                    StaffRole::ALL.map(StaffRole::as_str).join(", ")
                )
            })?;
            let codes = field(cells)
                .split(';')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(|c| c.parse::<UnitCode>().map_err(|e| e.to_string()))
                .collect::<std::result::Result<Vec<_>, _>>()?;
            if field(id).is_empty() || field(person).is_empty() {
                return Err("id and name must not be empty".into());
            }
            Ok(StaffMember {
                id: field(id).to_string(),
                name: field(person).to_string(),
                role,
                phone: field(phone).to_string(),
                cells: codes,
            })
        };
        match row() {
            Ok(m) => members.push(m),
            Err(reason) => bad.push(format!("line {line}: {reason}")),
        }
    }
    if !bad.is_empty() {
        let more = if bad.len() > 10 { "; ..." } else { "" };
        return Err(content(format!(
            "{} bad rows, nothing imported: {}{more}",
            bad.len(),
            bad.iter().take(10).cloned().collect::<Vec<_>>().join("; ")
        )));
    }
    Ok(members)
}
