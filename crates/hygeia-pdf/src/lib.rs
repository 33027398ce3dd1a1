//! Hygeia's PDF reports: a short, structured document (title, the entity's identity, a table of
//! facts, labelled sections of free text) typeset as an A4 PDF with the typst compiler used as a
//! library.
//!
//! Rendering is fully offline and reads nothing from the machine: the fonts are compiled into the
//! binary (typst's own set, plus a monochrome emoji font), and the typst "world" of this crate
//! serves one file, the fixed template `report.typ`. No system font, no package, no network, no
//! file system, no clock.
//!
//! User text never becomes typst markup. Every field is handed to the template as a typst string
//! in `sys.inputs`, and a string placed in content is shown as text: `#`, `*`, `$`, `#import`,
//! `#read(…)` and the like come out literally and cannot run code.
//!
//! This crate is a leaf: it knows nothing of incidents, the database or the web, and must not
//! depend on any other Hygeia crate. It is kept apart because typst adds minutes to a clean build.
//! [`render`] is CPU-bound (about 11 ms for two pages in release, far more in a debug build):
//! async callers should run it in `spawn_blocking`.
//!
//! Embedded material and its licences: the text face is Libertinus Serif (SIL OFL 1.1), emoji
//! come from Noto Emoji (SIL OFL 1.1, via `epaint_default_fonts`); typst also compiles in New
//! Computer Modern (GUST Font License), DejaVu Sans Mono (Bitstream Vera licence) and data listed
//! in `typst-assets`' NOTICE, and hayagriva's citation styles and locales (CC BY-SA 3.0), which a
//! report does not use. None of them applies to the PDFs produced.

#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod text;
mod world;

use typst::foundations::{Array, Dict, IntoValue, Smart, Str, Value};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt};
use typst_layout::PagedDocument;

/// One labelled block of a report (a field of an incident report: label, then its text; the text
/// may have several paragraphs separated by blank lines).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Section {
    /// The field's name, printed in bold above the text.
    pub label: String,
    /// The field's text. Blank lines separate paragraphs; a single line break is kept as a line
    /// break. An empty text prints a dash, unless a table follows.
    pub text: String,
    /// A table printed after the text, its header repeated on every page it spans.
    pub table: Option<Table>,
}

/// A table of text cells (each cell printed on as many lines as it needs, its line breaks
/// folded into spaces).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    /// Column headings, in bold.
    pub columns: Vec<String>,
    /// Relative widths of the columns; all equal when empty. Must match `columns` otherwise.
    pub widths: Vec<u16>,
    /// Rows of as many cells as there are columns (missing cells print empty, extra ones are
    /// dropped).
    pub rows: Vec<Vec<String>>,
}

/// A report to typeset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportDocument {
    /// `"en"` or `"fr"` (a region such as `"fr-BE"` is accepted and ignored): sets the document's
    /// language (hyphenation) and the fixed words the renderer adds ("page 1 of 3").
    pub language: String,
    /// The title on the first page, also the PDF's title, e.g. "Early warning — NIS2 significant
    /// incident reporting".
    pub title: String,
    /// The line under the title, e.g. "Incident INC-2026-0007 · Ransomware on the filling line";
    /// nothing is printed when empty.
    pub subtitle: String,
    /// The entity's identity as label/value pairs (name, country, registration number, NIS2
    /// class), printed in a framed block on the first page.
    pub identity: Vec<(String, String)>,
    /// Repeated at the top of every page (the entity's name and the stage), e.g. "Pharma Lyon SAS
    /// — Early warning".
    pub header: String,
    /// Label/value pairs such as recipient, deadline, version, generated at: a small table under
    /// the identity.
    pub meta: Vec<(String, String)>,
    /// The report's fields, in order.
    pub sections: Vec<Section>,
    /// Small print at the bottom of every page, followed by "Page N of M" in the document's
    /// language.
    pub footer_note: String,
    /// A4 in landscape, for wide tables.
    pub landscape: bool,
}

/// What can go wrong while typesetting a report.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The language is neither English nor French.
    #[error("unsupported report language {0:?}: expected \"en\" or \"fr\"")]
    UnsupportedLanguage(String),
    /// typst could not compile the template with this data (a bug in the template, never in the
    /// user's text): each message with its hints and template line.
    #[error("typesetting failed: {}", .0.join("; "))]
    Compile(Vec<String>),
    /// The laid-out document could not be written as PDF.
    #[error("PDF export failed: {}", .0.join("; "))]
    Export(Vec<String>),
}

/// The languages a report can be written in, with the words the renderer adds itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Language {
    En,
    Fr,
}

impl Language {
    fn parse(tag: &str) -> Result<Self, PdfError> {
        let primary = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match primary.as_str() {
            "en" => Ok(Self::En),
            "fr" => Ok(Self::Fr),
            _ => Err(PdfError::UnsupportedLanguage(tag.to_owned())),
        }
    }

    fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    /// The words around the page numbers: "Page 1 of 3", "Page 1 sur 3".
    fn page_words(self) -> (&'static str, &'static str) {
        match self {
            Self::En => ("Page", "of"),
            Self::Fr => ("Page", "sur"),
        }
    }
}

/// Typesets `doc` as an A4 PDF and returns its bytes.
///
/// Any text is accepted and printed literally; only an unsupported [`ReportDocument::language`]
/// is refused before typesetting.
pub fn render(doc: &ReportDocument) -> Result<Vec<u8>, PdfError> {
    typeset(doc).map(|rendered| rendered.pdf)
}

/// A report typeset: the PDF, and what the tests look at besides.
struct Rendered {
    pdf: Vec<u8>,
    #[cfg_attr(not(test), allow(dead_code))]
    document: PagedDocument,
    #[cfg_attr(not(test), allow(dead_code))]
    warnings: Vec<String>,
}

fn typeset(doc: &ReportDocument) -> Result<Rendered, PdfError> {
    let language = Language::parse(&doc.language)?;
    let library = Library::builder()
        .with_inputs(inputs(doc, language))
        .build();
    let world = world::ReportWorld::new(LazyHash::new(library))?;
    let rendered = compile_and_export(&world);
    // Each report is different: keep typst's memoisation caches from growing without bound in a
    // long-running server (entries unused over the last few renders are dropped). Safe while
    // other renders run: they only lose cache hits.
    typst::comemo::evict(CACHE_MAX_AGE);
    rendered
}

fn compile_and_export(world: &world::ReportWorld) -> Result<Rendered, PdfError> {
    let compiled = typst::compile::<PagedDocument>(world);
    let warnings = compiled
        .warnings
        .iter()
        .map(|diag| world.describe(diag))
        .collect();
    let document = compiled.output.map_err(|errors| {
        PdfError::Compile(errors.iter().map(|diag| world.describe(diag)).collect())
    })?;

    let options = typst_pdf::PdfOptions {
        creator: Smart::Custom(Some("Hygeia".to_owned())),
        ..typst_pdf::PdfOptions::default()
    };
    let pdf = typst_pdf::pdf(&document, &options).map_err(|errors| {
        PdfError::Export(errors.iter().map(|diag| world.describe(diag)).collect())
    })?;
    Ok(Rendered {
        pdf,
        document,
        warnings,
    })
}

/// How many renders an unused memoised result survives.
const CACHE_MAX_AGE: usize = 4;

/// The template's `sys.inputs`: every user field as a typst string (see `report.typ`).
fn inputs(doc: &ReportDocument, language: Language) -> Dict {
    let (page_word, of_word) = language.page_words();
    let pairs = |pairs: &[(String, String)]| -> Value {
        pairs
            .iter()
            .map(|(label, value)| Array::from_iter([line(label), line(value)]).into_value())
            .collect::<Array>()
            .into_value()
    };
    let sections = doc
        .sections
        .iter()
        .map(|section| {
            // A table stands for the text: no dash above it when there is none.
            let table_only = section.table.is_some() && section.text.trim().is_empty();
            let paragraphs = if table_only {
                Vec::new()
            } else {
                text::paragraphs(&section.text)
            };
            let paragraphs = paragraphs
                .into_iter()
                .map(|lines| {
                    lines
                        .into_iter()
                        .map(|l| Str::from(l).into_value())
                        .collect::<Array>()
                        .into_value()
                })
                .collect::<Array>();
            Dict::from_iter([
                (Str::from("label"), line(&section.label)),
                (Str::from("paragraphs"), paragraphs.into_value()),
                (
                    Str::from("table"),
                    section.table.as_ref().map_or(Value::None, table),
                ),
            ])
            .into_value()
        })
        .collect::<Array>();

    Dict::from_iter([
        (Str::from("lang"), Str::from(language.code()).into_value()),
        (Str::from("page_word"), Str::from(page_word).into_value()),
        (Str::from("of_word"), Str::from(of_word).into_value()),
        (Str::from("title"), line(&doc.title)),
        (Str::from("subtitle"), line(&doc.subtitle)),
        (Str::from("header"), line(&doc.header)),
        (Str::from("footer_note"), line(&doc.footer_note)),
        (Str::from("identity"), pairs(&doc.identity)),
        (Str::from("meta"), pairs(&doc.meta)),
        (Str::from("sections"), sections.into_value()),
        (Str::from("landscape"), Value::Bool(doc.landscape)),
    ])
}

/// A table as the template reads it: headings, one width per column, rows padded or cut to
/// the number of columns.
fn table(table: &Table) -> Value {
    let count = table.columns.len();
    let widths: Vec<i64> = if table.widths.len() == count {
        table
            .widths
            .iter()
            .map(|w| i64::from((*w).max(1)))
            .collect()
    } else {
        vec![1; count]
    };
    let rows = table
        .rows
        .iter()
        .map(|row| {
            (0..count)
                .map(|i| line(row.get(i).map_or("", String::as_str)))
                .collect::<Array>()
                .into_value()
        })
        .collect::<Array>();
    Dict::from_iter([
        (
            Str::from("columns"),
            table
                .columns
                .iter()
                .map(|c| line(c))
                .collect::<Array>()
                .into_value(),
        ),
        (
            Str::from("widths"),
            widths
                .into_iter()
                .map(IntoValue::into_value)
                .collect::<Array>()
                .into_value(),
        ),
        (Str::from("rows"), rows.into_value()),
    ])
    .into_value()
}

/// A one-line field as a typst string value.
fn line(s: &str) -> Value {
    Str::from(text::one_line(s)).into_value()
}

#[cfg(test)]
mod tests;
