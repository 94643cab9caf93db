//! Emits the error-code table from `error_codes.tsv` (`code`, `name`, `retriable` columns).

use std::fmt::Write as _;

use crate::emit_api::HEADER;

/// One row of the table.
struct Row {
    code: i16,
    name: String,
    retriable: bool,
}

fn parse(tsv: &str) -> Result<Vec<Row>, String> {
    let mut rows = Vec::new();
    for (i, line) in tsv.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [code, name, retriable] = cols.as_slice() else {
            return Err(format!(
                "error_codes.tsv line {}: expected 3 columns",
                i + 1
            ));
        };
        rows.push(Row {
            code: code
                .parse()
                .map_err(|e| format!("error_codes.tsv line {}: {e}", i + 1))?,
            name: (*name).to_owned(),
            retriable: match *retriable {
                "yes" => true,
                "no" => false,
                other => {
                    return Err(format!(
                        "error_codes.tsv line {}: retriable {other:?}",
                        i + 1
                    ));
                }
            },
        });
    }
    Ok(rows)
}

/// Emits `error_code/table.rs`.
pub(crate) fn emit_error_table(tsv: &str) -> Result<String, String> {
    let rows = parse(tsv)?;
    let mut out = String::from(HEADER);
    out.push_str(
        "//! The error codes of the protocol definitions: constants, names and retriability.\n\n",
    );
    out.push_str("use super::ErrorCode;\n\nimpl ErrorCode {\n");
    for r in &rows {
        let retriable = if r.retriable {
            "retriable"
        } else {
            "not retriable"
        };
        writeln!(
            out,
            "    /// `{}` ({}), {retriable}.\n    pub const {}: Self = Self({});",
            r.name, r.code, r.name, r.code
        )
        .unwrap();
    }
    out.push_str("}\n\n/// The name of a known code.\npub(super) const fn name_of(code: i16) -> Option<&'static str> {\n    Some(match code {\n");
    for r in &rows {
        writeln!(out, "        {} => {:?},", r.code, r.name).unwrap();
    }
    out.push_str("        _ => return None,\n    })\n}\n\n/// Whether a known code is retriable.\npub(super) const fn is_retriable(code: i16) -> bool {\n    matches!(code, ");
    let retriable: Vec<String> = rows
        .iter()
        .filter(|r| r.retriable)
        .map(|r| r.code.to_string())
        .collect();
    out.push_str(&retriable.join(" | "));
    out.push_str(")\n}\n");
    Ok(out)
}
