//! XLSX: one worksheet, a bold frozen header row, every cell written as text (never a formula).

use rust_xlsxwriter::{Format as CellFormat, Workbook};

use crate::{ReportError, Table};

/// Worksheet names are limited to 31 characters and may not contain `[]:*?/\`.
fn sheet_name(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| if "[]:*?/\\".contains(c) { ' ' } else { c })
        .take(31)
        .collect();
    if cleaned.trim().is_empty() {
        "Sheet1".to_owned()
    } else {
        cleaned
    }
}

/// Writes the table as a one-sheet workbook.
pub fn to_xlsx(table: &Table) -> Result<Vec<u8>, ReportError> {
    table.check()?;
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(sheet_name(&table.title))?;
    let bold = CellFormat::new().set_bold();
    let wrap = CellFormat::new().set_text_wrap();
    for (col, header) in table.headers.iter().enumerate() {
        let col = u16::try_from(col).unwrap_or(u16::MAX);
        sheet.write_string_with_format(0, col, header, &bold)?;
        sheet.set_column_width(col, 24)?;
    }
    for (index, row) in table.rows.iter().enumerate() {
        let r = u32::try_from(index + 1).unwrap_or(u32::MAX);
        for (col, cell) in row.iter().enumerate() {
            let col = u16::try_from(col).unwrap_or(u16::MAX);
            sheet.write_string_with_format(r, col, cell, &wrap)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    if !table.about.is_empty() {
        let about = workbook.add_worksheet();
        about.set_name(match table.language {
            crate::Language::En => "About",
            crate::Language::Fr => "À propos",
        })?;
        about.set_column_width(0, 28)?;
        about.set_column_width(1, 70)?;
        for (index, (label, value)) in table.about.iter().enumerate() {
            let r = u32::try_from(index).unwrap_or(u32::MAX);
            about.write_string_with_format(r, 0, label, &bold)?;
            about.write_string_with_format(r, 1, value, &wrap)?;
        }
    }
    if !table.credits.is_empty() {
        let sources = workbook.add_worksheet();
        sources.set_name("Sources")?;
        sources.write_string_with_format(0, 0, "Sources", &bold)?;
        sources.set_column_width(0, 100)?;
        for (index, credit) in table.credits.iter().enumerate() {
            let r = u32::try_from(index + 1).unwrap_or(u32::MAX);
            sources.write_string_with_format(r, 0, credit, &wrap)?;
        }
    }
    Ok(workbook.save_to_buffer()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_legal() {
        assert_eq!(sheet_name("a/b"), "a b");
        assert_eq!(sheet_name("   "), "Sheet1");
        assert_eq!(sheet_name(&"x".repeat(40)).len(), 31);
    }
}
