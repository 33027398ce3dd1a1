//! The dated note on where the entity's country stands in transposing NIS2, shown beside the
//! classification and the reporting clocks (`templates/_transposition.html`).

use hygeia_catalog::Catalog;

use super::i18n::Tr;

/// The note as a page shows it.
pub struct TranspositionBlock {
    /// "State of the French transposition of NIS2, as of …".
    pub heading: String,
    pub text: String,
    /// "Sources checked up to …".
    pub known_until: String,
    /// Title and address of each source.
    pub sources: Vec<(String, String)>,
}

/// The note for `country`, if there is one.
pub fn block(tr: Tr, catalog: &Catalog, country: &str) -> Option<TranspositionBlock> {
    let note = catalog.transposition(country)?;
    let day = |d: chrono::NaiveDate| tr.date(&d.format("%Y-%m-%d").to_string());
    Some(TranspositionBlock {
        heading: tr.tf(
            "transposition.heading",
            &[
                ("country", &tr.label("transposition.country", country)),
                ("date", &day(note.as_of)),
            ],
        ),
        text: tr.text(&note.note).to_owned(),
        known_until: tr.tf(
            "transposition.known_until",
            &[("date", &day(note.known_until))],
        ),
        sources: note
            .sources
            .iter()
            .map(|s| (tr.text(&s.title).to_owned(), s.url.clone()))
            .collect(),
    })
}
