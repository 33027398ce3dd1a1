//! Reports typeset as PDF by the binary (issue 16, item 4): the management body's report of an
//! entity ([`board`]) with its governance part ([`governance`]), and the assessment exports
//! (Statement of Applicability, gap analysis) on paper ([`tables`]), and the data an entity
//! registers with its competent authority ([`registration`]). Each is built from the records
//! the reader may see, in English or French, the entity's name and the date on every page.

mod board;
mod governance;
pub mod registration;
pub(crate) mod tables;

pub use board::board_pdf;
