//! Affected version ranges as advisories write them, and whether a firmware falls inside.
//!
//! CSAF leaves carry ranges as `vers:` strings (`vers:all/<V3.2.17`, `vers:all/*`,
//! `vers:all/>=V2.0<V3.0`) but also as free text (`<= 10.10`, `All versions < V4.6 Patch 01`,
//! `>= 1.0 | <= 2.0`, `< V3.X.17`, `<=the_first_4_digits_of_serial_number_2039`). The reading is
//! deliberately conservative: anything not understood is [`VersionRange::Unreadable`], whose
//! verdict is always [`Verdict::Unknown`] — an unreadable range must never turn into a silent
//! "not affected".
//!
//! Several constraints combine like the `vers` specification: sorted by version, a lower bound
//! followed by an upper bound is one interval, a lone upper bound is open below, a lone lower
//! bound open above, `=` adds single versions and `!=` removes them. An `x` in a bound
//! (`< V3.X.17`) matches any number at its place, so it reads "below .17 within every V3 line".

use crate::version::Version;
use std::cmp::Ordering;

/// A range read from an advisory.
#[derive(Debug, Clone)]
pub enum VersionRange {
    /// All versions (`vers:all/*`, `All versions`, `*`).
    All,
    /// One or more constraints (at least one).
    Constraints(Vec<Constraint>),
    /// Text we cannot read; kept for display.
    Unreadable(String),
}

/// A comparison with one version, e.g. `< V3.2.17`.
#[derive(Debug, Clone)]
pub struct Constraint {
    /// The comparison.
    pub op: Op,
    /// The version compared with.
    pub version: Version,
}

/// Comparison operators of a constraint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=` (or a bare version)
    Eq,
    /// `!=`
    Ne,
}

/// Whether a version falls in a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The version is in the range.
    Inside,
    /// The range was read and the version is not in it.
    Outside,
    /// The range (or the version) could not be read.
    Unknown,
}

impl VersionRange {
    /// Reads a range; never fails: unreadable text becomes [`VersionRange::Unreadable`].
    pub fn parse(text: &str) -> VersionRange {
        parse_range(text).unwrap_or_else(|| VersionRange::Unreadable(text.trim().to_string()))
    }

    /// Whether `version` is inside. `Unknown` only for an unreadable range.
    pub fn contains(&self, version: &Version) -> Verdict {
        match self {
            VersionRange::All => Verdict::Inside,
            VersionRange::Unreadable(_) => Verdict::Unknown,
            VersionRange::Constraints(cs) => {
                if inside(cs, version) {
                    Verdict::Inside
                } else {
                    Verdict::Outside
                }
            }
        }
    }

    /// Like [`VersionRange::contains`] for version text; text that is not a version gives
    /// `Unknown`.
    pub fn contains_text(&self, version: &str) -> Verdict {
        match (self, Version::parse(version)) {
            (VersionRange::All, _) => Verdict::Inside,
            (_, None) => Verdict::Unknown,
            (range, Some(v)) => range.contains(&v),
        }
    }

    /// Whether `version` is newer than everything the range covers: the range is bounded above
    /// and the version is past its highest bound. That is what "fixed" means for a firmware
    /// outside an affected range (as opposed to one older than a lower bound).
    pub fn is_past(&self, version: &Version) -> bool {
        let VersionRange::Constraints(cs) = self else {
            return false;
        };
        let mut bounded = true;
        let mut all_below = true;
        for iv in intervals(cs) {
            match iv.upper {
                None => bounded = false,
                Some((u, inclusive)) => {
                    all_below &= match version.compare(u) {
                        Ordering::Greater => true,
                        Ordering::Equal => !inclusive,
                        Ordering::Less => false,
                    }
                }
            }
        }
        for c in cs.iter().filter(|c| c.op == Op::Eq) {
            all_below &= version.compare(&c.version) == Ordering::Greater;
        }
        bounded && all_below && !inside(cs, version)
    }

    /// Whether the range was read.
    pub fn is_readable(&self) -> bool {
        !matches!(self, VersionRange::Unreadable(_))
    }
}

/// One interval; a bound is `(version, inclusive)`.
struct Interval<'a> {
    lower: Option<(&'a Version, bool)>,
    upper: Option<(&'a Version, bool)>,
}

fn intervals(cs: &[Constraint]) -> Vec<Interval<'_>> {
    let mut bounds: Vec<&Constraint> = cs
        .iter()
        .filter(|c| !matches!(c.op, Op::Eq | Op::Ne))
        .collect();
    bounds.sort_by(|a, b| a.version.compare(&b.version));
    let mut out = Vec::new();
    let mut pending: Option<(&Version, bool)> = None;
    for c in bounds {
        match c.op {
            Op::Gt | Op::Ge => {
                // Two lower bounds in a row: the first (lower) one already covers the second.
                if pending.is_none() {
                    pending = Some((&c.version, c.op == Op::Ge));
                }
            }
            Op::Lt | Op::Le => out.push(Interval {
                lower: pending.take(),
                upper: Some((&c.version, c.op == Op::Le)),
            }),
            Op::Eq | Op::Ne => {}
        }
    }
    if pending.is_some() {
        out.push(Interval {
            lower: pending,
            upper: None,
        });
    }
    out
}

fn inside(cs: &[Constraint], v: &Version) -> bool {
    let cmp_eq = |c: &&Constraint| v.compare(&c.version) == Ordering::Equal;
    if cs.iter().filter(|c| c.op == Op::Ne).any(|c| cmp_eq(&c)) {
        return false;
    }
    if cs.iter().filter(|c| c.op == Op::Eq).any(|c| cmp_eq(&c)) {
        return true;
    }
    intervals(cs).iter().any(|iv| {
        let above_lower = iv.lower.is_none_or(|(l, incl)| match v.compare(l) {
            Ordering::Greater => true,
            Ordering::Equal => incl,
            Ordering::Less => false,
        });
        let below_upper = iv.upper.is_none_or(|(u, incl)| match v.compare(u) {
            Ordering::Less => true,
            Ordering::Equal => incl,
            Ordering::Greater => false,
        });
        above_lower && below_upper
    })
}

/// Leading words that mean "every version" (`All versions`, `All BIOS versions`).
fn strip_all_versions(s: &str) -> Option<&str> {
    let rest = s.strip_prefix("all")?;
    let at = rest.find("versions").map(|i| i + "versions".len());
    let at = at.or_else(|| rest.find("version").map(|i| i + "version".len()))?;
    let (words, rest) = rest.split_at(at);
    // At most one word between "all" and "versions" ("All BIOS versions").
    (words.split_whitespace().count() <= 2).then_some(rest)
}

fn parse_range(text: &str) -> Option<VersionRange> {
    let lower = text.trim().to_lowercase().replace(['\u{a0}', '_'], " ");
    let mut s = lower.as_str();
    if let Some(rest) = s.strip_prefix("vers:") {
        s = rest.split_once('/')?.1;
    }
    s = s.trim();
    if let Some(rest) = strip_all_versions(s) {
        s = rest.trim();
        if s.is_empty() {
            return Some(VersionRange::All);
        }
    }
    if s == "*" || s == "all" {
        return Some(VersionRange::All);
    }
    let mut constraints = Vec::new();
    for piece in s.split(['|', ',', ';']) {
        let piece = piece.trim();
        if piece.is_empty() {
            continue;
        }
        parse_piece(piece, &mut constraints)?;
    }
    (!constraints.is_empty()).then_some(VersionRange::Constraints(constraints))
}

/// A version followed by words that make it a bound.
fn word_bound(piece: &str) -> Option<(String, Op)> {
    const WORDS: [(&str, Op); 10] = [
        ("and below", Op::Le),
        ("and earlier", Op::Le),
        ("and prior", Op::Le),
        ("or earlier", Op::Le),
        ("or below", Op::Le),
        ("and later", Op::Ge),
        ("and above", Op::Ge),
        ("and newer", Op::Ge),
        ("or later", Op::Ge),
        ("or newer", Op::Ge),
    ];
    let words: Vec<&str> = piece.split_whitespace().collect();
    let (head, [w1, w2]) = words.split_last_chunk::<2>()?;
    let tail = format!("{w1} {w2}");
    let op = WORDS.iter().find(|(w, _)| *w == tail)?.1;
    Some((head.join(" "), op))
}

/// One `|`-separated piece: `< V3.2.17`, `>= V2.0 < V3.0`, `>= 1.0 and < 2.0`, or a version.
fn parse_piece(piece: &str, out: &mut Vec<Constraint>) -> Option<()> {
    let bytes = piece.as_bytes();
    let is_op = |b: &u8| matches!(b, b'<' | b'>' | b'=' | b'!');
    let Some(first) = bytes.iter().position(is_op) else {
        // `2.3.6 and below`, `v10.10 and earlier`, `4.1 or later`, or a bare version.
        let (text, op) = word_bound(piece).unwrap_or_else(|| (piece.to_string(), Op::Eq));
        let version = Version::parse(&text)?;
        out.push(Constraint { op, version });
        return Some(());
    };
    if !piece.get(..first)?.trim().is_empty() {
        return None; // words before the comparison: "NMC2 <= 6.9.6", "distributed < april…"
    }
    let mut pos = first;
    while pos < bytes.len() {
        let op_end = bytes
            .iter()
            .skip(pos)
            .position(|b| !is_op(b))
            .map_or(bytes.len(), |n| pos + n);
        let op = match piece.get(pos..op_end)? {
            "<" => Op::Lt,
            "<=" | "=<" => Op::Le,
            ">" => Op::Gt,
            ">=" | "=>" => Op::Ge,
            "=" | "==" => Op::Eq,
            "!=" => Op::Ne,
            _ => return None,
        };
        let next = bytes
            .iter()
            .skip(op_end)
            .position(is_op)
            .map_or(bytes.len(), |n| op_end + n);
        let raw = piece.get(op_end..next)?.trim();
        let raw = raw.strip_suffix(" and").unwrap_or(raw).trim();
        let version = Version::parse(raw)?;
        out.push(Constraint { op, version });
        pos = next;
    }
    Some(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn check(range: &str, version: &str) -> Verdict {
        VersionRange::parse(range).contains_text(version)
    }

    #[test]
    fn ranges_seen_in_cisa_advisories() {
        use Verdict::*;
        let table = [
            ("vers:all/<V3.2.17", "V3.2.6", Inside),
            ("vers:all/<V3.2.17", "V3.2.16", Inside),
            ("vers:all/<V3.2.17", "V3.2.17", Outside),
            ("vers:all/<V3.2.17", "V3.10", Outside),
            ("vers:all/*", "anything at all", Inside),
            ("vers:generic/>=1.0|<2.0", "1.5", Inside),
            ("vers:generic/>=1.0|<2.0", "2.0", Outside),
            ("vers:generic/>=1.0|<2.0", "0.9", Outside),
            ("vers:all/>=V2.0<V3.0", "V2.5", Inside),
            ("vers:all/>=V3.0.1<V3.0.3", "V3.0.2", Inside),
            ("vers:all/>=V3.0.1<V3.0.3", "V2.9.7", Outside),
            ("<= 10.10", "10.10", Inside),
            ("<= 10.10", "4.3", Inside),
            ("<= 10.10", "11.001", Outside),
            ("<V3.2.17", "V3.2.6", Inside),
            ("All versions", "V1", Inside),
            ("All Versions < V4.6 Patch 01", "V4.6", Inside),
            ("All versions < V4.6 Patch 01", "V4.6 Patch 01", Outside),
            ("All BIOS versions < V1.21.0", "V1.20.9", Inside),
            ("< V3.X.17", "V3.2.6", Inside),
            ("< V3.X.17", "V3.3.17", Outside),
            ("All versions <= V4.x", "V4.9", Inside),
            (">= 1.0, < 2.0", "1.2", Inside),
            (">= V1.0 and < V1.2.3", "V1.2.3", Outside),
            (">= 2.0 | <= 2.4", "2.4", Inside),
            ("<= 2.1 | 2.3 | 2.5", "2.3", Inside),
            ("<= 2.1 | 2.3 | 2.5", "2.4", Outside),
            ("5.028", "5.28", Inside),
            ("5.028", "5.008", Outside),
            ("< V2 Update 2", "V2 Update 1", Inside),
            ("<V2_Update_2", "V2", Inside),
            ("< V4.5 SP1", "V4.5", Inside),
            ("< V4.5 SP1", "V4.5 SP1", Outside),
            ("< V1.2 HF3", "V1.2 HF2", Inside),
            ("<= 1.2.3 Build 45", "1.2.3 Build 46", Outside),
            ("> V1.0 < V2.0", "V1.0", Outside),
            ("2.3.6 and  below", "2.3.6", Inside),
            ("2.3.6 and below", "2.3.7", Outside),
            ("v10.10 and earlier", "4.3", Inside),
            ("4.1 or later", "4.0", Outside),
            ("!= 1.0 | <= 2.0", "1.0", Outside),
        ];
        for (range, version, want) in table {
            assert_eq!(check(range, version), want, "{version} in {range:?}");
        }
    }

    #[test]
    fn unreadable_ranges_give_unknown_never_outside() {
        for range in [
            "<=the_first_4_digits_of_serial_number_2039",
            "distributed  < april 5, 2021",
            "No version",
            "All versions with U-Boot < V1.2RS1",
            "NMC2 <= 6.9.6",
            "All versions <= V4.1.1 and Function State (FS) <= 2",
            "<April/5/2021",
            "",
            "and  5.028",
        ] {
            let r = VersionRange::parse(range);
            assert!(
                !r.is_readable(),
                "{range:?} should be unreadable, got {r:?}"
            );
            assert_eq!(r.contains_text("1.0"), Verdict::Unknown, "{range:?}");
        }
    }

    #[test]
    fn unreadable_firmware_gives_unknown() {
        assert_eq!(check("<V3.2.17", "not a version"), Verdict::Unknown);
        assert_eq!(check("<V3.2.17", ""), Verdict::Unknown);
    }

    #[test]
    fn past_the_range_means_fixed_not_below_it() {
        let r = VersionRange::parse(">= V2.0 < V3.0");
        assert!(r.is_past(&Version::parse("V3.0").unwrap()));
        assert!(!r.is_past(&Version::parse("V1.0").unwrap()));
        assert!(!r.is_past(&Version::parse("V2.5").unwrap()));
        assert!(!VersionRange::parse(">= V2.0").is_past(&Version::parse("V9").unwrap()));
        assert!(!VersionRange::All.is_past(&Version::parse("V9").unwrap()));
        assert!(VersionRange::parse("<= 10.10").is_past(&Version::parse("11.001").unwrap()));
    }
}
