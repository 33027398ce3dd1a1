//! Firmware and software versions as advisories and devices write them.
//!
//! Vendors do not follow semantic versioning: Siemens writes `V3.2.6` and `V4.5 SP1 HF2`,
//! Rockwell `21.003`, CISA sometimes replaces spaces with underscores (`V2_Update_3`). A version
//! is therefore read as a list of numeric release parts (`3.2.6`) followed by post-release
//! qualifiers (service pack, update, patch or hotfix, build, a trailing letter), and two versions
//! compare part by part as numbers, so `V3.2.6` is older than `V3.2.16` and `3.2` equals
//! `3.2.0`. Anything we cannot read with confidence makes [`Version::parse`] return `None`:
//! the caller then answers "unknown", never "outside".

use std::cmp::Ordering;
use std::fmt;

/// One release part: a number, or `x`/`X`/`*` ("any number here", as in `< V3.X.17`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Num(u64),
    Any,
}

/// Rank of a qualifier after the release numbers; higher ranks are later releases of the same
/// base. A pre-release (`beta`, `rc`) ranks below the plain release, which ranks 0.
const PRE: i8 = -1;
const BUILD: i8 = 1;
const LETTER: i8 = 2;
const PATCH: i8 = 3;
const UPDATE: i8 = 4;
const SERVICE_PACK: i8 = 5;

/// A parsed version. Compare with [`Version::compare`] (or `<`, `>`): `x` wildcards make the
/// order partial, so there is no `Ord`.
#[derive(Debug, Clone)]
pub struct Version {
    release: Vec<Part>,
    qualifiers: Vec<(i8, u64)>,
    text: String,
}

/// Words written before the numbers that carry no meaning for the order.
const PREFIXES: [&str; 12] = [
    "version", "firmware", "ver", "frn", "rev", "mx-v", "fw", "sw", "v.", "v", "r", "mx",
];

impl Version {
    /// Reads a version such as `V3.2.6`, `4.003`, `V4.5 SP1`, `V4.6 Patch 01`, `V2.9 HF3`,
    /// `V16 Update 3`, `2.1.0 Build 45`, `1.07E`, `4.x`. Returns `None` for text that is not a
    /// version (dates, serial numbers, prose).
    pub fn parse(text: &str) -> Option<Version> {
        let lower = text.trim().to_lowercase().replace(['_', '\u{a0}'], " ");
        let rest = strip_prefix_words(&lower);
        let bytes = rest.as_bytes();
        let mut pos = 0;
        let mut release = Vec::new();
        loop {
            let (part, next) = read_part(bytes, pos)?;
            release.push(part);
            pos = next;
            // `(4)` as in `2.7.1(5)` continues the release parts.
            if bytes.get(pos) == Some(&b')') {
                pos += 1;
            }
            match (bytes.get(pos), bytes.get(pos + 1)) {
                (Some(b'.' | b'-' | b'('), Some(c)) if is_part_start(*c) => pos += 1,
                _ => break,
            }
        }
        let qualifiers = read_qualifiers(rest.get(pos..)?)?;
        Some(Version {
            release,
            qualifiers,
            text: text.trim().to_string(),
        })
    }

    /// The text this version was read from.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the version holds an `x` wildcard (then it only makes sense as a range bound).
    pub fn has_wildcard(&self) -> bool {
        self.release.contains(&Part::Any)
    }

    /// Compares part by part as numbers; missing parts count as zero; a wildcard equals any
    /// number at its place, and a trailing wildcard equals everything after it (`4.x` equals
    /// `4.5 SP1`).
    pub fn compare(&self, other: &Version) -> Ordering {
        let len = self.release.len().max(other.release.len());
        for i in 0..len {
            let a = self.release.get(i).copied();
            let b = other.release.get(i).copied();
            let a_trailing = a == Some(Part::Any) && i + 1 == self.release.len();
            let b_trailing = b == Some(Part::Any) && i + 1 == other.release.len();
            if a_trailing || b_trailing {
                return Ordering::Equal;
            }
            if let (Part::Num(x), Part::Num(y)) =
                (a.unwrap_or(Part::Num(0)), b.unwrap_or(Part::Num(0)))
                && x != y
            {
                return x.cmp(&y);
            }
            // Otherwise a wildcard matches whatever number stands at its place.
        }
        let len = self.qualifiers.len().max(other.qualifiers.len());
        for i in 0..len {
            let a = self.qualifiers.get(i).copied().unwrap_or((0, 0));
            let b = other.qualifiers.get(i).copied().unwrap_or((0, 0));
            match a.cmp(&b) {
                Ordering::Equal => {}
                other => return other,
            }
        }
        Ordering::Equal
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.compare(other) == Ordering::Equal
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.compare(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

fn is_part_start(c: u8) -> bool {
    c.is_ascii_digit() || c == b'x' || c == b'*'
}

/// Removes `V`, `FW`, `Firmware`, `MX-V`… in front of the first digit (also chained:
/// `FW V2.1`).
fn strip_prefix_words(mut s: &str) -> &str {
    for _ in 0..3 {
        s = s.trim_start_matches([' ', ':', '(']);
        let stripped = PREFIXES.iter().find_map(|p| {
            let rest = s.strip_prefix(p)?.trim_start_matches([' ', ':', '-', '.']);
            rest.starts_with(|c: char| c.is_ascii_digit() || c == 'v')
                .then_some(rest)
        });
        match stripped {
            Some(rest) => s = rest,
            None => break,
        }
    }
    s
}

/// One release part at `pos`: digits, or a wildcard `x`/`*`.
fn read_part(bytes: &[u8], pos: usize) -> Option<(Part, usize)> {
    match bytes.get(pos)? {
        b'x' | b'*' => {
            // `x` must stand alone (`3.x.17`), not start a word (`xe`).
            let next = bytes.get(pos + 1);
            if next.is_some_and(u8::is_ascii_alphanumeric) {
                return None;
            }
            Some((Part::Any, pos + 1))
        }
        c if c.is_ascii_digit() => {
            let end = bytes
                .iter()
                .skip(pos)
                .position(|b| !b.is_ascii_digit())
                .map_or(bytes.len(), |n| pos + n);
            let digits = std::str::from_utf8(bytes.get(pos..end)?).ok()?;
            // Absurdly long digit runs (dates glued together, serials) are not versions.
            let n = digits.parse::<u64>().ok()?;
            Some((Part::Num(n), end))
        }
        _ => None,
    }
}

/// The qualifiers after the release numbers: `sp1 hf2`, `patch 01`, `update 3`, `build 45`,
/// a single letter (`1.07e`), `beta 2`. Unknown words make the whole version unreadable.
fn read_qualifiers(rest: &str) -> Option<Vec<(i8, u64)>> {
    let mut out = Vec::new();
    let attached_letter = rest.starts_with(|c: char| c.is_ascii_alphabetic());
    let tokens = tokenize(rest);
    let mut i = 0;
    while let Some(tok) = tokens.get(i) {
        i += 1;
        let Token::Word(word) = tok else {
            return None; // a bare number after the release: "1.0 2" is not a version
        };
        let number = match tokens.get(i) {
            Some(Token::Num(n)) => {
                i += 1;
                Some(*n)
            }
            _ => None,
        };
        // A single letter glued to the numbers is a revision letter (`1.07E`, `4.3a`).
        if word.len() == 1 && number.is_none() && attached_letter && out.is_empty() {
            let c = word.bytes().next().unwrap_or(b'a');
            out.push((LETTER, u64::from(c.saturating_sub(b'a')) + 1));
            continue;
        }
        let rank = match word.as_str() {
            "sp" | "servicepack" => SERVICE_PACK,
            "service" if matches!(tokens.get(i), Some(Token::Word(w)) if w == "pack") => {
                i += 1;
                let n = match tokens.get(i) {
                    Some(Token::Num(n)) => {
                        i += 1;
                        *n
                    }
                    _ => 0,
                };
                out.push((SERVICE_PACK, n));
                continue;
            }
            "update" | "upd" | "u" | "r" | "rev" | "revision" => UPDATE,
            "patch" | "p" | "hf" | "hotfix" | "fix" => PATCH,
            "build" | "bld" | "b" => BUILD,
            "alpha" | "beta" | "rc" | "pre" => PRE,
            _ => return None,
        };
        out.push((rank, number.unwrap_or(0)));
    }
    Some(out)
}

enum Token {
    Word(String),
    Num(u64),
}

fn tokenize(s: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_ascii_alphabetic() {
            let mut w = String::new();
            while let Some(&c) = chars.peek().filter(|c| c.is_ascii_alphabetic()) {
                w.push(c);
                chars.next();
            }
            out.push(Token::Word(w));
        } else if c.is_ascii_digit() {
            let mut n: u64 = 0;
            while let Some(d) = chars.peek().and_then(|c| c.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(u64::from(d));
                chars.next();
            }
            out.push(Token::Num(n));
        } else if matches!(c, ' ' | '.' | '-' | '(' | ')' | '#') {
            chars.next();
        } else {
            // Any other character (`/`, `,`, non-ASCII) means prose, not a version.
            return vec![Token::Word(String::from("?"))];
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap_or_else(|| panic!("{s} should parse"))
    }

    #[test]
    fn numeric_parts_compare_as_numbers() {
        let table = [
            ("V3.2.6", "V3.2.16", Ordering::Less),
            ("V3.2.16", "V3.2.6", Ordering::Greater),
            ("3.2", "3.2.0", Ordering::Equal),
            ("10.10", "9.99", Ordering::Greater),
            ("21.003", "21.3", Ordering::Equal),
            ("v3.2.6", "V 3.2.6", Ordering::Equal),
            ("V3.2.6", "3.2.6", Ordering::Equal),
            ("FW 5", "5.0", Ordering::Equal),
            ("MX-V4.0.1.15", "4.0.1.15", Ordering::Equal),
            ("2.7.1(5)", "2.7.1.5", Ordering::Equal),
            ("1.07E", "1.07", Ordering::Greater),
            ("1.07E", "1.07F", Ordering::Less),
        ];
        for (a, b, want) in table {
            assert_eq!(v(a).compare(&v(b)), want, "{a} vs {b}");
        }
    }

    #[test]
    fn service_packs_patches_and_hotfixes_come_after_the_base() {
        let ascending = [
            "V4.5",
            "V4.5 HF3",
            "V4.5 SP1",
            "V4.5 SP1 HF2",
            "V4.5 SP2",
            "V4.6",
            "V4.6 Patch 01",
            "V4.6 Patch 02",
            "V4.6 Update 3",
            "V4.6.1",
        ];
        for pair in ascending.windows(2) {
            let [a, b] = pair else { unreachable!() };
            assert_eq!(v(a).compare(&v(b)), Ordering::Less, "{a} < {b}");
        }
        assert_eq!(v("V2_Update_3"), v("V2 Update 3"));
        assert_eq!(v("V2.9 HF3"), v("V2.9 Hotfix 3"));
        assert!(v("1.0 beta 2") < v("1.0"));
        assert!(v("2.1.0 Build 45") > v("2.1.0"));
        assert_eq!(
            v("V13 SP2 Update 3").compare(&v("V13 SP2")),
            Ordering::Greater
        );
    }

    #[test]
    fn wildcards_equal_any_number_at_their_place() {
        assert_eq!(v("V3.2.6").compare(&v("V3.X.17")), Ordering::Less);
        assert_eq!(v("V3.3.18").compare(&v("V3.X.17")), Ordering::Greater);
        assert_eq!(v("V4.5.2").compare(&v("V4.x")), Ordering::Equal);
        assert_eq!(v("V5.0").compare(&v("V4.x")), Ordering::Greater);
        assert!(v("4.x").has_wildcard());
    }

    #[test]
    fn prose_dates_and_serials_are_not_versions() {
        for s in [
            "",
            "No version",
            "April/5/2021",
            "the first 4 digits of serial number 2039",
            "2.7(4)EA.fc3",
            "all",
            "v",
            "version unknown",
        ] {
            assert!(Version::parse(s).is_none(), "{s:?} should not parse");
        }
    }
}
