//! CSV: RFC 4180, UTF-8 with a byte-order mark so spreadsheet programs read accents right.

use crate::{ReportError, Table};

/// Cells a spreadsheet would run as a formula start with one of these (some spreadsheet
/// programs also read the full-width forms used in Japanese and Chinese input as the ASCII
/// ones); such cells get a leading apostrophe so that an exported note cannot become a formula
/// (CSV injection).
const FORMULA_STARTS: [char; 10] = [
    '=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
];

fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    // Leading spaces do not stop a spreadsheet from reading a formula.
    let start = cell.trim_start_matches([' ', '\u{a0}', '\u{3000}']);
    if start.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// Writes the header and rows as CSV, separated as the table's language expects (`,` in
/// English, `;` in French).
pub fn to_csv(table: &Table) -> Result<Vec<u8>, ReportError> {
    table.check()?;
    let mut out = Vec::with_capacity(64 * (table.rows.len() + 1));
    out.extend_from_slice("\u{feff}".as_bytes());
    let mut writer = csv::WriterBuilder::new()
        .delimiter(table.language.csv_separator())
        .from_writer(out);
    writer.write_record(&table.headers)?;
    for row in &table.rows {
        writer.write_record(row.iter().map(|c| neutralise(c).into_owned()))?;
    }
    // After one empty row, what the export is (label, value), then one credit per row in the
    // first cell; every row keeps the header's width so that any CSV reader still reads the
    // file.
    let blank = vec![String::new(); table.headers.len()];
    if !table.about.is_empty() {
        writer.write_record(&blank)?;
        for (label, value) in &table.about {
            let mut row = blank.clone();
            for (cell, text) in row.iter_mut().zip([label, value]) {
                *cell = neutralise(text).into_owned();
            }
            writer.write_record(&row)?;
        }
    }
    if !table.credits.is_empty() {
        writer.write_record(&blank)?;
        for credit in &table.credits {
            let mut row = blank.clone();
            if let Some(first) = row.first_mut() {
                *first = neutralise(credit).into_owned();
            }
            writer.write_record(&row)?;
        }
    }
    writer
        .into_inner()
        .map_err(|e| ReportError::Csv(csv::Error::from(e.into_error())))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn credits_follow_the_rows_at_the_same_width() {
        let mut t = Table::new("t", &["a", "b", "c"]);
        t.rows.push(vec!["1".into(), "2".into(), "3".into()]);
        t.credits.push("Mapping pairs: ENISA, CC BY 4.0".into());
        let bytes = to_csv(&t).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines,
            [
                "a,b,c",
                "1,2,3",
                ",,",
                "\"Mapping pairs: ENISA, CC BY 4.0\",,"
            ]
        );
    }

    #[test]
    fn what_the_export_is_follows_the_rows() {
        let mut t = Table::new("t", &["a", "b", "c"]);
        t.rows.push(vec!["1".into(), "2".into(), "3".into()]);
        t.about.push(("Entity".into(), "=Acme".into()));
        t.credits.push("ENISA".into());
        let text = String::from_utf8(to_csv(&t).unwrap()).unwrap();
        let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(
            lines,
            ["a,b,c", "1,2,3", ",,", "Entity,'=Acme,", ",,", "ENISA,,"]
        );
    }

    #[test]
    fn formulas_are_neutralised_and_quotes_escaped() {
        let mut t = Table::new("t", &["a", "b"]);
        t.rows
            .push(vec!["=HYPERLINK(\"x\")".into(), "dit \"oui\", puis".into()]);
        let text = String::from_utf8(to_csv(&t).unwrap()).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
        assert!(text.contains("\"dit \"\"oui\"\", puis\""), "{text}");
        for sneaky in [
            "\u{ff1d}1+1",
            "\u{ff0b}1",
            "\u{ff0d}1",
            "\u{ff20}SUM(A1)",
            "  =1+1",
            "\u{3000}=1",
        ] {
            assert_eq!(neutralise(sneaky), format!("'{sneaky}"), "{sneaky:?}");
        }
        assert_eq!(neutralise("1 = 1"), "1 = 1");
    }
}
