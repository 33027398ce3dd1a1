//! Hygeia's exports: tables of plain text rows written as CSV or XLSX (the gap analysis and the
//! Statement of Applicability), and the first sheet of a workbook read back as rows of text
//! (spreadsheets filled in and returned, such as supplier questionnaires).
//!
//! This crate is pure: rows in, bytes out. It knows nothing of the database, the web, the
//! catalog or the compliance rules; the web layer turns its views into [`Table`]s. It depends
//! only on `csv`, `rust_xlsxwriter`, `calamine` and `thiserror`.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod csv_out;
mod table;
mod xlsx_in;
mod xlsx_out;

pub use csv_out::to_csv;
pub use table::{GapRow, Language, SoaRow, Table, gap_analysis, statement_of_applicability};
pub use xlsx_in::{Sheet, read_first_sheet, read_sheets};
pub use xlsx_out::to_xlsx;

/// What can go wrong while writing an export.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("CSV export failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("XLSX export failed: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("the file is not a readable XLSX workbook: {0}")]
    Unreadable(String),
    #[error("row {row} has {found} cells where the header has {expected}")]
    RowWidth {
        row: usize,
        expected: usize,
        found: usize,
    },
}

/// The two formats an export can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    /// Reads `csv` or `xlsx`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "xlsx" => Some(Format::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }

    /// Writes `table` in this format.
    pub fn write(self, table: &Table) -> Result<Vec<u8>, ReportError> {
        match self {
            Format::Csv => to_csv(table),
            Format::Xlsx => to_xlsx(table),
        }
    }
}
