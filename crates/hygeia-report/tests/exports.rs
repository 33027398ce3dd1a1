//! Exports opened back: CSV with the csv reader, XLSX with calamine.

use std::io::Cursor;

use calamine::{Reader, Xlsx};
use hygeia_report::{Format, GapRow, Language, SoaRow, gap_analysis, statement_of_applicability};

fn gaps() -> Vec<GapRow> {
    vec![
        GapRow {
            letters: "j".into(),
            reference: "11.7.1".into(),
            title: "Authentification multifacteur".into(),
            kind: "no_coverage".into(),
            derived_value: "no_coverage".into(),
            rule: "no_pair".into(),
            sources: String::new(),
            suggested_control: "=Déployer la MFA".into(),
            source_assessment: "ISO 2026 (a1)".into(),
            source_status: "NOT COMPLETED (in_progress)".into(),
            source_scope: "Site de Rennes".into(),
            source_date: "2026-06-30".into(),
            scope_attested: "NO".into(),
            ..GapRow::default()
        },
        GapRow {
            letters: "e".into(),
            reference: "6.8.1".into(),
            title: "Segmentation".into(),
            kind: "non_compliant".into(),
            derived_value: "non_compliant".into(),
            rule: "all_sources_non_compliant".into(),
            sources: "A.8.22".into(),
            suggested_control: "Segmenter le réseau".into(),
            refined_pairs: "A.8.22: refined by the organisation".into(),
            ..GapRow::default()
        },
    ]
}

#[test]
fn csv_reads_back_with_every_cell() {
    let table = gap_analysis(&gaps(), Language::En);
    let bytes = Format::Csv.write(&table).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers, table.headers);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[1][1], "6.8.1");
    assert_eq!(&rows[0][7], "'=Déployer la MFA");
    assert_eq!(&rows[1][8], "A.8.22: refined by the organisation");
    assert_eq!(&rows[0][10], "NOT COMPLETED (in_progress)");
    assert_eq!(&rows[0][12], "2026-06-30");
}

#[test]
fn xlsx_opens_back_with_the_same_cells() {
    let table = statement_of_applicability(
        &[
            SoaRow {
                reference: "A.5.1".into(),
                title: "Politiques".into(),
                applicable: "yes".into(),
                justification: "Exigé par la direction".into(),
                result: "compliant".into(),
                controls: "PSSI".into(),
                owner: "RSSI".into(),
                evidence: 2,
            },
            SoaRow {
                reference: "A.7.5".into(),
                title: "Menaces physiques".into(),
                applicable: "no".into(),
                justification: "Hébergement externalisé".into(),
                result: "not_applicable".into(),
                ..SoaRow::default()
            },
        ],
        Language::En,
    );
    let bytes = Format::Xlsx.write(&table).unwrap();
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).unwrap();
    let names = book.sheet_names();
    assert_eq!(names, vec!["Statement of Applicability".to_owned()]);
    let range = book.worksheet_range(&names[0]).unwrap();
    assert_eq!(range.height(), 3);
    let cell = |r: u32, c: u32| range.get_value((r, c)).map(|v| v.to_string());
    assert_eq!(cell(0, 0).as_deref(), Some("Requirement"));
    assert_eq!(cell(1, 0).as_deref(), Some("A.5.1"));
    assert_eq!(cell(2, 3).as_deref(), Some("Hébergement externalisé"));
    assert_eq!(cell(1, 7).as_deref(), Some("2"));
}

#[test]
fn french_csv_splits_on_semicolons_with_french_headers() {
    let table = gap_analysis(&gaps(), Language::Fr);
    let bytes = Format::Csv.write(&table).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.starts_with('\u{feff}'), "no byte-order mark");
    let text = text.trim_start_matches('\u{feff}');
    assert!(
        text.starts_with("Art. 21, par. 2;Exigence;Intitulé;Écart;"),
        "{text}"
    );
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(text.as_bytes());
    assert_eq!(reader.headers().unwrap().len(), 14);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // One row per requirement, every row as wide as the header.
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.len() == 14));
    assert_eq!(&rows[1][1], "6.8.1");
}
