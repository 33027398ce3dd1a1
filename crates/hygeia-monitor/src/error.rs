//! Errors at the boundary of the monitor crate.
//!
//! Per-packet problems are *not* errors: they are counted in [`crate::report::Stats`] and skipped.
//! Only problems that stop a whole source (cannot open, not a capture at all) or a whole policy
//! file surface here.

use std::path::PathBuf;

/// Everything that can stop an analysis.
#[derive(Debug, thiserror::Error)]
pub enum MonitorError {
    /// A capture file could not be opened or read.
    #[error("cannot read capture {path}: {source}")]
    Io {
        /// The path given by the caller (`-` for standard input).
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The input is not a pcap or pcapng capture.
    #[error("{source_name}: not a pcap or pcapng capture ({reason})")]
    Format {
        /// The name of the source (path or `-`).
        source_name: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A zone policy file is invalid.
    #[error("zone policy {origin}: {reason}")]
    Policy {
        /// Where the policy came from (file path or `<string>`).
        origin: String,
        /// What is wrong, with the zone or conduit concerned.
        reason: String,
    },
    /// An imported asset list or Zeek log is invalid; nothing from it was imported.
    #[error("{origin} line {line}: {reason}")]
    Import {
        /// The file name (or `-`).
        origin: String,
        /// One-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The bundled OUI data file is malformed (a build defect, caught by tests).
    #[error("OUI data line {line}: {reason}")]
    OuiData {
        /// One-based line number in `data/oui.tsv`.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// The bundled protocol-number names are malformed (a build defect, caught by tests).
    #[error("protocol names data line {line}: {reason}")]
    ProtocolData {
        /// One-based line number in `data/protocol_numbers.tsv`.
        line: usize,
        /// What is wrong.
        reason: String,
    },
}
