//! A returned workbook read back: each sheet's rows as text, numbered as a spreadsheet
//! numbers them (row 1 first), so that problems can be named by sheet and line.

use std::io::Cursor;

use calamine::{Data, Range, Reader, Xlsx};

use crate::ReportError;

/// One sheet of a workbook: its name and its non-empty rows, each with its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sheet {
    pub name: String,
    pub rows: Vec<(u32, Vec<String>)>,
}

fn unreadable(e: &dyn std::fmt::Display) -> ReportError {
    ReportError::Unreadable(e.to_string())
}

/// The rows of a sheet as trimmed text cells, each with its line number; empty rows are left
/// out. Dates and numbers come as they display.
fn rows_of(range: &Range<Data>) -> Vec<(u32, Vec<String>)> {
    let first_row = range.start().map_or(0, |(row, _)| row);
    let first_col = range.start().map_or(0, |(_, col)| col) as usize;
    range
        .rows()
        .enumerate()
        .filter_map(|(i, row)| {
            let mut cells: Vec<String> = vec![String::new(); first_col];
            cells.extend(row.iter().map(|cell| match cell {
                Data::Empty => String::new(),
                other => other.to_string().trim().to_owned(),
            }));
            let line = first_row + u32::try_from(i).unwrap_or(u32::MAX) + 1;
            cells.iter().any(|c| !c.is_empty()).then_some((line, cells))
        })
        .collect()
}

/// The first sheet of an XLSX workbook (see [`read_sheets`]).
pub fn read_first_sheet(bytes: &[u8]) -> Result<Vec<(u32, Vec<String>)>, ReportError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let range = book
        .worksheet_range_at(0)
        .ok_or_else(|| ReportError::Unreadable("it has no sheet".into()))?
        .map_err(|e| unreadable(&e))?;
    Ok(rows_of(&range))
}

/// Every sheet of an XLSX workbook, in order.
pub fn read_sheets(bytes: &[u8]) -> Result<Vec<Sheet>, ReportError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let names = book.sheet_names();
    if names.is_empty() {
        return Err(ReportError::Unreadable("it has no sheet".into()));
    }
    names
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).map_err(|e| unreadable(&e))?;
            Ok(Sheet {
                rows: rows_of(&range),
                name,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Table, to_xlsx};

    #[test]
    fn a_written_table_reads_back_by_line() -> Result<(), ReportError> {
        let mut table = Table::new("Questionnaire", &["ID", "Answer"]);
        table.rows.push(vec!["gov.policy".into(), "Oui".into()]);
        table.rows.push(vec![String::new(), String::new()]);
        table.rows.push(vec!["access.mfa".into(), " Non ".into()]);
        let rows = read_first_sheet(&to_xlsx(&table)?)?;
        let lines: Vec<(u32, &str, &str)> = rows
            .iter()
            .map(|(line, cells)| (*line, cells[0].as_str(), cells[1].as_str()))
            .collect();
        assert_eq!(
            lines,
            [
                (1, "ID", "Answer"),
                (2, "gov.policy", "Oui"),
                (4, "access.mfa", "Non")
            ]
        );
        assert!(matches!(
            read_first_sheet(b"not a workbook"),
            Err(ReportError::Unreadable(_))
        ));
        Ok(())
    }
}
