//! The assessment exports typeset as PDF: the Statement of Applicability and the gap analysis,
//! from the very table the CSV and XLSX exports write (same rows, same headers in the reader's
//! language), in landscape with the columns a reader needs on paper, the figures first and the
//! sources credited last.

use std::collections::BTreeMap;

use crate::error::{ApiError, ApiResult};
use crate::ui::i18n::Tr;

/// Which columns of an export's table go on paper (index, relative width), and the column
/// whose values are counted in the figures.
pub(crate) struct PaperLayout {
    pub columns: &'static [(usize, u16)],
    pub counted: usize,
}

/// Requirement, title, applicable, justification, result, controls, owner, evidence.
pub(crate) const SOA: PaperLayout = PaperLayout {
    columns: &[
        (0, 3),
        (1, 8),
        (2, 3),
        (3, 8),
        (4, 4),
        (5, 6),
        (6, 4),
        (7, 2),
    ],
    counted: 4,
};

/// Art. 21(2) letters, requirement, title, gap, derived result, sources, suggested control
/// (the source assessment's own cells repeat on every row: they go in the identity block).
pub(crate) const GAPS: PaperLayout = PaperLayout {
    columns: &[(0, 2), (1, 3), (2, 9), (3, 4), (4, 4), (6, 5), (7, 9)],
    counted: 3,
};

/// `table` typeset as PDF in `tr`'s language; `entity` and `day` head every page.
pub(crate) async fn table_pdf(
    table: &hygeia_report::Table,
    layout: &PaperLayout,
    (entity, day): (&str, &str),
    tr: Tr,
) -> ApiResult<Vec<u8>> {
    let pick = |row: &[String]| -> Vec<String> {
        layout
            .columns
            .iter()
            .map(|(i, _)| row.get(*i).cloned().unwrap_or_default())
            .collect()
    };
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &table.rows {
        let value = row.get(layout.counted).map_or("", String::as_str);
        *counts.entry(value).or_default() += 1;
    }
    let mut figures = vec![tr.tf(
        "table_report.rows",
        &[("count", &tr.unum(table.rows.len() as u64))],
    )];
    let counted = table
        .headers
        .get(layout.counted)
        .cloned()
        .unwrap_or_default();
    for (value, count) in counts {
        let value = if value.is_empty() { "—" } else { value };
        figures.push(format!("{counted} — {value}: {}", tr.unum(count as u64)));
    }
    let sections = vec![
        hygeia_pdf::Section {
            label: tr.t("table_report.figures").to_owned(),
            text: figures.join("\n"),
            table: None,
        },
        hygeia_pdf::Section {
            label: table.title.clone(),
            text: if table.rows.is_empty() {
                tr.t("table_report.no_rows").to_owned()
            } else {
                String::new()
            },
            table: (!table.rows.is_empty()).then(|| hygeia_pdf::Table {
                columns: pick(&table.headers),
                widths: layout.columns.iter().map(|(_, w)| *w).collect(),
                rows: table.rows.iter().map(|r| pick(r)).collect(),
            }),
        },
        hygeia_pdf::Section {
            label: tr.t("table_report.sources").to_owned(),
            text: table.credits.join("\n\n"),
            table: None,
        },
    ];
    let doc = hygeia_pdf::ReportDocument {
        language: tr.code().to_owned(),
        title: table.title.clone(),
        subtitle: format!("{entity} · {day}"),
        identity: table.about.clone(),
        header: format!("{entity} — {} — {day}", table.title),
        meta: Vec::new(),
        sections,
        footer_note: format!("Hygeia · {entity}"),
        landscape: true,
    };
    tokio::task::spawn_blocking(move || hygeia_pdf::render(&doc))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}
