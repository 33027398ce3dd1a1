#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Command;

use typst::layout::{Frame, FrameItem, Point};

use super::*;

const A4_WIDTH_PT: f64 = 595.28;
const A4_HEIGHT_PT: f64 = 841.89;
/// The template's horizontal margin, 2.3 cm, in points.
const MARGIN_X_PT: f64 = 2.3 / 2.54 * 72.0;

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn section(label: &str, text: String) -> Section {
    Section {
        label: label.to_owned(),
        text,
        table: None,
    }
}

const EN_PARAGRAPH: &str = "At 03:12 the monitoring of the filling line raised an alert: several \
    operator workstations showed a ransom note and the batch records server stopped answering. \
    The line was halted, the affected segment isolated from the plant network, and the incident \
    response team called in. Production of two sterile products is interrupted; no patient \
    safety impact is known at this stage, but deliveries to three hospitals may be delayed.";

const FR_PARAGRAPH: &str = "À 3 h 12, la supervision de la ligne de remplissage a levé une \
    alerte : plusieurs postes opérateurs affichaient une demande de rançon et le serveur des \
    dossiers de lot ne répondait plus. La ligne a été arrêtée, le segment touché isolé du réseau \
    de l’usine et l’équipe de réponse aux incidents mobilisée. La production de deux produits \
    stériles est interrompue ; aucun effet sur la sécurité des patients n’est connu à ce stade, \
    mais les livraisons à trois hôpitaux pourraient être retardées.";

fn long_text(paragraph: &str, paragraphs: usize) -> String {
    vec![paragraph; paragraphs].join("\n\n")
}

fn english() -> ReportDocument {
    ReportDocument {
        language: "en".to_owned(),
        title: "Early warning — NIS2 significant incident reporting".to_owned(),
        subtitle: "Incident INC-2026-0007 · Ransomware on the filling line".to_owned(),
        identity: pairs(&[
            ("Entity", "Pharma Lyon SAS"),
            ("Country", "France"),
            ("Registration number", "SIREN 552 100 554"),
            ("NIS2 class", "Essential entity (Annex I, health)"),
        ]),
        header: "Pharma Lyon SAS — Early warning".to_owned(),
        meta: pairs(&[
            ("Recipient", "ANSSI (CSIRT)"),
            (
                "Deadline",
                "2026-12-03 03:12 UTC (24 hours after awareness)",
            ),
            ("Version", "1"),
            ("Generated at", "2026-12-02 11:40 UTC"),
        ]),
        sections: vec![
            section("What happened", long_text(EN_PARAGRAPH, 8)),
            section(
                "Suspected cause",
                "Unlawful or malicious act: yes.\nFirst analysis points to a phishing e-mail."
                    .to_owned(),
            ),
            section("Cross-border impact", long_text(EN_PARAGRAPH, 5)),
            section("Measures taken", long_text(EN_PARAGRAPH, 8)),
            section("Empty field", String::new()),
        ],
        footer_note: "Confidential — prepared with Hygeia for the competent authority.".to_owned(),
        landscape: false,
    }
}

fn french() -> ReportDocument {
    ReportDocument {
        language: "fr".to_owned(),
        title: "Alerte précoce — notification d’incident important NIS2".to_owned(),
        subtitle: "Incident INC-2026-0007 · Rançongiciel sur la ligne de remplissage".to_owned(),
        identity: pairs(&[
            ("Entité", "Pharma Lyon SAS"),
            ("Pays", "France"),
            ("Numéro d’immatriculation", "SIREN 552 100 554"),
            ("Catégorie NIS2", "Entité essentielle (annexe I, santé)"),
        ]),
        header: "Pharma Lyon SAS — Alerte précoce".to_owned(),
        meta: pairs(&[
            ("Destinataire", "ANSSI (CSIRT)"),
            (
                "Échéance",
                "03/12/2026 04:12 (24 heures après la prise de connaissance)",
            ),
            ("Version", "1"),
            ("Généré le", "02/12/2026 12:40"),
        ]),
        sections: vec![
            section("Ce qui s’est passé", long_text(FR_PARAGRAPH, 6)),
            section("Cause supposée", long_text(FR_PARAGRAPH, 5)),
            section("Mesures prises", long_text(FR_PARAGRAPH, 6)),
        ],
        footer_note: "Confidentiel — préparé avec Hygeia pour l’autorité compétente.".to_owned(),
        landscape: false,
    }
}

/// Writes the PDF to `$HYGEIA_PDF_KEEP/<name>.pdf` when that variable is set, to look at it.
fn keep(pdf: &[u8], name: &str) {
    if let Some(dir) = std::env::var_os("HYGEIA_PDF_KEEP") {
        std::fs::write(Path::new(&dir).join(format!("{name}.pdf")), pdf).unwrap();
    }
}

/// The text of each page, extracted by poppler's `pdftotext`, or `None` (saying why) when it is
/// not installed.
fn pdf_pages_text(pdf: &[u8], name: &str) -> Option<Vec<String>> {
    let available = Command::new("pdftotext").arg("-v").output().is_ok();
    if !available {
        eprintln!(
            "skipping the text checks of {name}: pdftotext is not on PATH \
             (apt-get install -y -qq poppler-utils)"
        );
        return None;
    }
    let dir = std::env::temp_dir().join(format!("hygeia-pdf-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("report.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&file)
        .arg("-")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pdftotext failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8(out.stdout).unwrap();
    // pdftotext ends every page with a form feed.
    let mut pages: Vec<String> = text.split('\u{c}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    Some(pages)
}

/// Text compared without layout: no white space, no invisible break opportunities, and words
/// hyphenated at a line end joined again.
fn squash(s: &str) -> String {
    s.replace(['\u{200B}', '\u{AD}'], "")
        .replace("-\n", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn assert_contains(haystack: &str, needle: &str) {
    assert!(
        squash(haystack).contains(&squash(needle)),
        "{needle:?} not found in the extracted text:\n{haystack}"
    );
}

/// The right-most edge of any text on a page, in points.
fn max_text_right(frame: &Frame, origin: Point) -> f64 {
    frame
        .items()
        .map(|(pos, item)| {
            let at = origin + *pos;
            match item {
                FrameItem::Group(group) => max_text_right(&group.frame, at),
                FrameItem::Text(text) => (at.x + text.width()).to_pt(),
                _ => 0.0,
            }
        })
        .fold(0.0, f64::max)
}

/// Checks every page is A4 and keeps its text inside the side margins.
fn assert_a4_within_margins(document: &PagedDocument) {
    for (i, page) in document.pages().iter().enumerate() {
        let size = page.frame.size();
        assert!((size.x.to_pt() - A4_WIDTH_PT).abs() < 0.5, "page {i} width");
        assert!(
            (size.y.to_pt() - A4_HEIGHT_PT).abs() < 0.5,
            "page {i} height"
        );
        let right = max_text_right(&page.frame, Point::zero());
        assert!(
            right <= A4_WIDTH_PT - MARGIN_X_PT + 1.0,
            "text runs into the right margin on page {}: {right} pt",
            i + 1
        );
    }
}

/// The checks shared by both languages.
fn check_report(doc: &ReportDocument, name: &str, of_word: &str) {
    let rendered = typeset(doc).unwrap();
    keep(&rendered.pdf, name);
    assert!(rendered.pdf.starts_with(b"%PDF-"));
    assert!(
        rendered.warnings.is_empty(),
        "typst warnings: {:?}",
        rendered.warnings
    );
    let pages = rendered.document.pages().len();
    assert!(pages >= 3, "{name}: expected several pages, got {pages}");
    assert_a4_within_margins(&rendered.document);
    // The public function gives the same bytes: rendering is deterministic.
    assert_eq!(render(doc).unwrap(), rendered.pdf);

    let Some(texts) = pdf_pages_text(&rendered.pdf, name) else {
        return;
    };
    assert_eq!(texts.len(), pages, "{name}: pdftotext's page count");
    for (i, text) in texts.iter().enumerate() {
        // The header (entity name and stage) and the footer on every page.
        assert_contains(text, &doc.header);
        assert_contains(text, &doc.footer_note);
        assert_contains(text, &format!("Page {} {of_word} {pages}", i + 1));
    }
    let first = &texts[0];
    assert_contains(first, &doc.title);
    assert_contains(first, &doc.subtitle);
    for (label, value) in doc.identity.iter().chain(&doc.meta) {
        assert_contains(first, label);
        assert_contains(first, value);
    }
    let all = texts.concat();
    for section in &doc.sections {
        assert_contains(&all, &section.label);
    }
}

#[test]
fn english_report_spans_several_pages_with_header_and_footer_on_each() {
    check_report(&english(), "en", "of");
}

#[test]
fn french_report_uses_french_words() {
    check_report(&french(), "fr", "sur");
}

#[test]
fn language_tags_with_a_region_are_accepted_and_others_refused() {
    assert_eq!(Language::parse("fr-BE").unwrap(), Language::Fr);
    assert_eq!(Language::parse(" EN_gb ").unwrap(), Language::En);
    let mut doc = english();
    doc.language = "de".to_owned();
    let err = render(&doc).unwrap_err();
    assert!(matches!(err, PdfError::UnsupportedLanguage(ref l) if l == "de"));
    assert!(err.to_string().contains("\"de\""));
}

#[test]
fn an_empty_document_still_renders_one_page() {
    let doc = ReportDocument {
        language: "en".to_owned(),
        ..ReportDocument::default()
    };
    let rendered = typeset(&doc).unwrap();
    assert!(rendered.pdf.starts_with(b"%PDF-"));
    assert_eq!(rendered.document.pages().len(), 1);
}

/// Typst markup, code and file access in every field come out as the characters typed.
#[test]
fn hostile_input_renders_literally_and_runs_nothing() {
    let hostile = [
        r#"#read("/etc/passwd")"#,
        r#"#import "@preview/cetz:0.3.0": *"#,
        r#"#include "/etc/hostname""#,
        r#"#set page(paper: "a3")"#,
        r#"#{ panic("boom") } #eval("1 + 1")"#,
        r#"*not bold* _not emphasised_ $x^2$ @ref <label> [brackets] \ backslash"#,
        "// not a comment /* nor this */ `code` ```rust fn main() {}``` = not a heading",
        "- not a list + not numbered ~ tilde 'quotes' \"double\" -- --- ... ",
        "Émoji 🔒🚨👩‍💻 accents àéèêëîïôœùûüÿç ÀÉÈ « guillemets » ß ø Ω Ж",
    ];
    let long_url = "https://intranet.pharma-lyon.example/incidents/INC-2026-0007/evidence/\
                    0123456789abcdef0123456789abcdef0123456789abcdef/report.pdf?download=1&x=y";
    let long_word = "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\
                     aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    let body = hostile.join("\n\n") + "\n\n" + long_url + "\n\n" + long_word;
    let doc = ReportDocument {
        language: "en".to_owned(),
        title: "#read(\"/etc/passwd\") *title* $".to_owned(),
        subtitle: "]) #panic() [".to_owned(),
        identity: pairs(&[("#let x = 1", "<script>alert(1)</script>")]),
        header: "#set text(red) Pharma Lyon SAS".to_owned(),
        meta: pairs(&[("@meta", r#"\#escaped \"#), ("URL", long_url)]),
        sections: vec![
            section("#heading[Injected]", body),
            section("Code", r#"#context { "x" } #show: none"#.to_owned()),
        ],
        footer_note: "#counter(page).display() // footer".to_owned(),
        landscape: false,
    };
    let rendered = typeset(&doc).unwrap();
    keep(&rendered.pdf, "hostile");
    assert!(rendered.pdf.starts_with(b"%PDF-"));
    assert!(
        rendered.warnings.is_empty(),
        "typst warnings (a missing glyph?): {:?}",
        rendered.warnings
    );
    // `#set page(paper: "a3")` changed nothing, and the long URL and word wrapped.
    assert_a4_within_margins(&rendered.document);

    let Some(texts) = pdf_pages_text(&rendered.pdf, "hostile") else {
        return;
    };
    let all = texts.concat();
    for needle in hostile.iter().copied().chain([long_url, long_word]).chain([
        doc.title.as_str(),
        doc.subtitle.as_str(),
        doc.header.as_str(),
        doc.footer_note.as_str(),
        "#let x = 1",
        "<script>alert(1)</script>",
        "@meta",
        r#"\#escaped \"#,
        "#heading[Injected]",
        r#"#context { "x" } #show: none"#,
    ]) {
        assert_contains(&all, needle);
    }
    // Nothing of the machine's files got in.
    if let Ok(passwd) = std::fs::read_to_string(Path::new("/etc/passwd")) {
        for line in passwd.lines().filter(|l| l.len() > 8) {
            assert!(
                !squash(&all).contains(&squash(line)),
                "/etc/passwd leaked: {line}"
            );
        }
    }
    assert!(!all.contains("root:x:0:0"));
}

#[test]
fn renders_in_parallel() {
    let handles: Vec<_> = (0..4)
        .map(|i| {
            std::thread::spawn(move || {
                let mut doc = if i % 2 == 0 { english() } else { french() };
                doc.header = format!("{} #{i}", doc.header);
                render(&doc).unwrap()
            })
        })
        .collect();
    for handle in handles {
        assert!(handle.join().unwrap().starts_with(b"%PDF-"));
    }
}

/// A long table in landscape: pages wider than tall, the header row repeated on every page,
/// each cell printed literally (markup in a cell runs nothing), short rows padded.
#[test]
fn a_long_table_spans_landscape_pages_with_its_header_on_each() {
    let rows: Vec<Vec<String>> = (1..=120)
        .map(|i| {
            vec![
                format!("A.{i}"),
                format!("Control number {i} with a title long enough to wrap in its column"),
                if i == 7 {
                    "#read(\"/etc/passwd\") *x*".to_owned()
                } else {
                    "Applicable".to_owned()
                },
            ]
        })
        .chain(std::iter::once(vec!["short row".to_owned()]))
        .collect();
    let doc = ReportDocument {
        language: "fr".to_owned(),
        title: "Déclaration d'applicabilité".to_owned(),
        sections: vec![Section {
            label: "Mesures".to_owned(),
            text: String::new(),
            table: Some(Table {
                columns: vec!["Exigence".into(), "Intitulé".into(), "Applicable".into()],
                widths: vec![1, 6, 2],
                rows,
            }),
        }],
        landscape: true,
        ..ReportDocument::default()
    };
    let rendered = typeset(&doc).unwrap();
    keep(&rendered.pdf, "table");
    assert!(rendered.warnings.is_empty(), "{:?}", rendered.warnings);
    let pages = rendered.document.pages();
    assert!(pages.len() >= 3, "120 rows fill several pages");
    for page in pages {
        let size = page.frame.size();
        assert!(
            (size.x.to_pt() - A4_HEIGHT_PT).abs() < 1.0
                && (size.y.to_pt() - A4_WIDTH_PT).abs() < 1.0,
            "landscape A4: {size:?}"
        );
    }
    if let Some(text) = pdf_pages_text(&rendered.pdf, "table") {
        assert_eq!(text.len(), pages.len());
        for page in &text {
            assert_contains(page, "Exigence");
        }
        let all = text.join("\n");
        assert_contains(&all, "#read(\"/etc/passwd\") *x*");
        assert_contains(&all, "A.120");
        assert_contains(&all, "short row");
    }
}
