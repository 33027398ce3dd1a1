//! The typst "world" of a report: the standard library with the report's data as `sys.inputs`,
//! the embedded fonts, and exactly one file, the template. Any other file, package or font a
//! document might ask for does not exist here, and there is no clock.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Duration};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, World, WorldExt};

use crate::PdfError;

/// The template, compiled into the binary.
const TEMPLATE: &str = include_str!("report.typ");
/// Its path in the world's single-file project.
const TEMPLATE_PATH: &str = "/report.typ";

/// The fonts, parsed once per process.
struct Fonts {
    book: LazyHash<FontBook>,
    fonts: Vec<Font>,
}

static FONTS: LazyLock<Fonts> = LazyLock::new(|| {
    let fonts: Vec<Font> = typst_assets::fonts()
        .chain([epaint_default_fonts::NOTO_EMOJI_REGULAR])
        .flat_map(|data| Font::iter(Bytes::new(data)))
        .collect();
    Fonts {
        book: LazyHash::new(FontBook::from_fonts(&fonts)),
        fonts,
    }
});

/// One report's world.
pub(crate) struct ReportWorld {
    library: LazyHash<Library>,
    main: Source,
}

impl ReportWorld {
    pub(crate) fn new(library: LazyHash<Library>) -> Result<Self, PdfError> {
        let path = VirtualPath::new(TEMPLATE_PATH)
            .map_err(|e| PdfError::Compile(vec![format!("template path: {e}")]))?;
        // Interned: the same id for every report, so ids are not used up.
        let id = RootedPath::new(VirtualRoot::Project, path).intern();
        Ok(Self {
            library,
            main: Source::new(id, TEMPLATE.to_owned()),
        })
    }

    /// A diagnostic as one line: its message, where in the template, and its hints.
    pub(crate) fn describe(&self, diag: &SourceDiagnostic) -> String {
        let mut out = diag.message.to_string();
        if let Some(range) = self.range(diag.span) {
            let line = TEMPLATE
                .get(..range.start)
                .map_or(0, |before| before.matches('\n').count() + 1);
            out.push_str(&format!(" (report.typ line {line})"));
        }
        for hint in &diag.hints {
            out.push_str(&format!("; hint: {}", hint.v));
        }
        out
    }
}

impl World for ReportWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        &FONTS.book
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            Ok(self.main.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            Ok(Bytes::new(TEMPLATE.as_bytes()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.fonts.get(index).cloned()
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        None
    }
}
