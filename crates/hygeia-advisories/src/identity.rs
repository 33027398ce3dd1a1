//! Normalising how devices and advisories name the same product.
//!
//! A device reports `6ES7 315-2EH14-0AB0` where the advisory writes `6ES7315-2EH14-0AB0`; an
//! EtherNet/IP module reports `1756-ENBT/A` (catalogue number and series) where the advisory
//! writes `1756-ENBT` inside a longer product name. Matching must see through spacing and case,
//! but must never let `1756-EN2T` match `1756-EN2TR` or `1756-ENBT`: a model found inside a
//! product name has to stand between non-alphanumeric characters.

/// Upper-case, without any whitespace: the form order and model numbers are compared in.
pub fn normalize_model(model: &str) -> String {
    model
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Upper-case with runs of whitespace folded into one space: the form product names are
/// searched in.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for word in name.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().flat_map(char::to_uppercase));
    }
    out
}

/// The series letter a device reports after its catalogue number (`1756-ENBT/A` → `A`).
pub fn series_of_model(model: &str) -> Option<char> {
    let (_, last) = model.trim().rsplit_once('/')?;
    let mut chars = last.chars();
    let c = chars.next()?;
    (chars.next().is_none() && c.is_ascii_alphabetic()).then(|| c.to_ascii_uppercase())
}

/// The catalogue number without its series (`1756-ENBT/A` → `1756-ENBT`), if it has one.
pub fn model_without_series(model: &str) -> Option<&str> {
    series_of_model(model)?;
    model
        .trim()
        .rsplit_once('/')
        .map(|(base, _)| base.trim_end())
}

/// The series an advisory product name states (`… 1756-EN2T Series D` → `D`).
pub fn series_in_name(normalized_name: &str) -> Option<char> {
    let mut words = normalized_name.split([' ', ',', '(', ')']);
    while let Some(w) = words.next() {
        if w == "SERIES" {
            let next = words.next()?;
            let mut chars = next.chars();
            let c = chars.next()?;
            return (chars.next().is_none() && c.is_ascii_alphabetic()).then_some(c);
        }
    }
    None
}

/// The series written right after a model in a product name (`1756-EN2T/D` → `D`), at the
/// first bounded occurrence of `needle`.
pub fn series_after(haystack: &str, needle: &str) -> Option<char> {
    let start = find_bounded(haystack, needle)?;
    let rest = haystack.get(start + needle.len()..)?.strip_prefix('/')?;
    let mut chars = rest.chars();
    let c = chars.next().filter(char::is_ascii_alphabetic)?;
    chars
        .next()
        .is_none_or(|n| !n.is_alphanumeric())
        .then_some(c)
}

/// Whether the product name goes on, after the bounded occurrence of `needle`, with another
/// designation (a word with a digit) outside parentheses and series words: then the name is
/// more specific than what the asset reported (`SIMATIC S7-300` in
/// `SIMATIC S7-300 CPU 315-2 PN/DP`), and the match is only one of product line.
pub fn names_more_than(haystack: &str, needle: &str) -> bool {
    let Some(start) = find_bounded(haystack, needle) else {
        return false;
    };
    let rest = haystack.get(start + needle.len()..).unwrap_or("");
    let mut depth = 0i32;
    let mut after_series = false;
    for word in rest.split([' ', ',', ':', ';']) {
        let inside = depth > 0 || word.starts_with('(');
        depth += word.matches('(').count() as i32 - word.matches(')').count() as i32;
        let series_word = std::mem::replace(&mut after_series, word == "SERIES");
        if inside || series_word || word.starts_with('/') {
            continue;
        }
        if word.chars().any(|c| c.is_ascii_digit()) {
            return true;
        }
    }
    false
}

/// Whether `needle` occurs in `haystack` with no letter or digit right before or after it,
/// so that `1756-EN2T` is found in `1756-EN2T Series D` but not in `1756-EN2TR` or
/// `1756-EN2TK`. Both sides must already be normalised the same way.
pub fn contains_bounded(haystack: &str, needle: &str) -> bool {
    find_bounded(haystack, needle).is_some()
}

/// Byte offset of the first bounded occurrence of `needle` (see [`contains_bounded`]).
fn find_bounded(haystack: &str, needle: &str) -> Option<usize> {
    let first = needle.chars().next()?;
    let mut from = 0;
    while let Some(i) = haystack.get(from..).and_then(|h| h.find(needle)) {
        let start = from + i;
        let before = haystack.get(..start).and_then(|h| h.chars().next_back());
        let after = haystack
            .get(start + needle.len()..)
            .and_then(|h| h.chars().next());
        let open = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if open(before) && open(after) {
            return Some(start);
        }
        from = start + first.len_utf8();
    }
    None
}

/// CSAF 2.1 model numbers may hold `*` (any run of characters) and `?` (one character). Both
/// sides normalised with [`normalize_model`].
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    // Iterative matcher with one backtrack point for the last `*`.
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(&c) if c == '?' || Some(&c) == t.get(ti) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..)
        .is_some_and(|rest| rest.iter().all(|&c| c == '*'))
}

/// The literal start of a wildcard pattern (`6ES7315-*` → `6ES7315-`), used to index patterns.
pub fn wildcard_prefix(pattern: &str) -> &str {
    pattern
        .find(['*', '?'])
        .and_then(|i| pattern.get(..i))
        .unwrap_or(pattern)
}

/// Names vendors are known under, mapped to one key (checked after lower-casing and removing
/// punctuation and company forms).
const VENDOR_ALIASES: [(&str, &str); 10] = [
    ("allen bradley", "rockwell"),
    ("rockwell automation", "rockwell"),
    ("rockwell", "rockwell"),
    ("siemens", "siemens"),
    ("general electric", "ge"),
    ("ge digital", "ge"),
    ("ge healthcare", "ge healthcare"),
    ("schneider electric", "schneider"),
    ("telemecanique", "schneider"),
    ("modicon", "schneider"),
];

/// Company forms dropped from vendor names.
const COMPANY_FORMS: [&str; 16] = [
    "ag",
    "inc",
    "gmbh",
    "co",
    "corp",
    "corporation",
    "ltd",
    "llc",
    "sa",
    "se",
    "plc",
    "kg",
    "limited",
    "company",
    "bv",
    "nv",
];

/// One vendor key per spelling: `Siemens AG`, `SIEMENS` → `siemens`; `Rockwell Automation`,
/// `Allen-Bradley` → `rockwell`. A name such as `Rockwell Automation/Allen-Bradley` (what the
/// EtherNet/IP identity object reports) gives the key of its first part.
pub fn vendor_key(vendor: &str) -> String {
    let first = vendor.split('/').next().unwrap_or(vendor);
    let cleaned: String = first
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .flat_map(char::to_lowercase)
        .collect();
    let words: Vec<&str> = cleaned
        .split_whitespace()
        .filter(|w| !COMPANY_FORMS.contains(w))
        .collect();
    let joined = words.join(" ");
    for (alias, key) in VENDOR_ALIASES {
        if joined == alias || joined.starts_with(&format!("{alias} ")) {
            return key.to_string();
        }
    }
    joined
}

/// Whether a reported vendor names the company of an advisory's vendor key (each
/// slash-separated part of the reported name counts).
pub fn vendors_agree(reported: &str, advisory_key: &str) -> bool {
    reported
        .split('/')
        .any(|part| keys_agree(&vendor_key(part), advisory_key))
}

/// Whether two vendor keys name the same company: equal, or one is the other plus words
/// (`phoenix` and `phoenix contact`).
pub fn keys_agree(a: &str, b: &str) -> bool {
    let extends = |long: &str, short: &str| {
        long.strip_prefix(short)
            .is_some_and(|rest| rest.starts_with(' '))
    };
    !a.is_empty() && !b.is_empty() && (a == b || extends(a, b) || extends(b, a))
}

/// Upper-case alphanumeric tokens of a text, for the name index.
pub fn alnum_tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .map(|t| t.to_uppercase())
}

/// Product-line words that name a family, such as `S7-300` or `ET200`: words with both letters
/// and digits, outside parentheses (where order numbers stand). From a normalised name.
pub fn family_keys(normalized_name: &str) -> Vec<String> {
    let mut depth = 0u32;
    let mut out = Vec::new();
    for word in normalized_name.split([' ', ',', ';']) {
        let opens = word.matches('(').count();
        let closes = word.matches(')').count();
        let inside = depth > 0 || opens > 0;
        depth = (depth + u32::try_from(opens).unwrap_or(0))
            .saturating_sub(u32::try_from(closes).unwrap_or(0));
        if inside {
            continue;
        }
        let w = word.trim_matches(|c: char| !c.is_alphanumeric());
        let letters = w.chars().any(|c| c.is_alphabetic());
        let digits = w.chars().any(|c| c.is_ascii_digit());
        if letters && digits && w.len() >= 3 && !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
    }
    out
}

/// The family part of a product name that names a whole family
/// (`SIMATIC S7-300 CPU family (incl. SIPLUS variants)` → `SIMATIC S7-300 CPU`).
pub fn family_in_name(normalized_name: &str) -> Option<&str> {
    let i = find_bounded(normalized_name, "FAMILY")?;
    let before = normalized_name.get(..i)?.trim_end();
    (!before.is_empty()).then_some(before)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_compare_without_spaces_and_case() {
        assert_eq!(
            normalize_model("6ES7 315-2EH14-0AB0"),
            normalize_model("6es7315-2eh14-0ab0")
        );
        assert_eq!(normalize_name("  Foo\u{a0} bar\tBaz "), "FOO BAR BAZ");
    }

    #[test]
    fn a_model_in_a_name_must_be_bounded() {
        let name = normalize_name(
            "1756 ControlLogix EtherNet/IP Communications Modules 1756-EN2T Series D",
        );
        assert!(contains_bounded(&name, "1756-EN2T"));
        assert!(!contains_bounded(&name, "1756-ENBT"));
        assert!(!contains_bounded(
            &normalize_name("1756-EN2TR Series A"),
            "1756-EN2T"
        ));
        assert!(!contains_bounded(
            &normalize_name("1756-EN2TK"),
            "1756-EN2T"
        ));
        assert!(!contains_bounded(
            &normalize_name("X1756-EN2T"),
            "1756-EN2T"
        ));
        assert!(contains_bounded(
            &normalize_name("(1756-EN2T)"),
            "1756-EN2T"
        ));
        // A later bounded occurrence after an unbounded one is still found.
        assert!(contains_bounded("1756-EN2TR AND 1756-EN2T", "1756-EN2T"));
        assert!(!contains_bounded("ABC", ""));
    }

    #[test]
    fn a_name_that_goes_on_with_a_designation_is_more_specific() {
        let n = "SIMATIC S7-300 CPU 315-2 PN/DP (6ES7315-2EH14-0AB0)";
        assert!(names_more_than(n, "SIMATIC S7-300"));
        assert!(!names_more_than(n, "CPU 315-2 PN/DP"));
        assert!(!names_more_than(n, "6ES7315-2EH14-0AB0"));
        assert!(!names_more_than("1756-EN2T SERIES D", "1756-EN2T"));
        assert!(!names_more_than("1756-EN2T/D FIRMWARE", "1756-EN2T"));
        assert!(!names_more_than(
            "STRATIX 5400 INDUSTRIAL SWITCHES",
            "STRATIX 5400"
        ));
    }

    #[test]
    fn series_come_from_the_slash_or_the_word_series() {
        assert_eq!(series_of_model("1756-ENBT/A"), Some('A'));
        assert_eq!(model_without_series("1756-ENBT/A"), Some("1756-ENBT"));
        assert_eq!(series_of_model("CPU 315-2 PN/DP"), None);
        assert_eq!(series_in_name("1756-EN2T SERIES D"), Some('D'));
        assert_eq!(series_in_name("MICROLOGIX 1400 CONTROLLERS"), None);
        assert_eq!(
            series_after("USING GOAHEAD: 1756-EN2T/D: FIRMWARE", "1756-EN2T"),
            Some('D')
        );
        assert_eq!(series_after("1756-EN2T/DX", "1756-EN2T"), None);
        assert_eq!(series_after("1756-EN2T SERIES D", "1756-EN2T"), None);
    }

    #[test]
    fn wildcards_in_model_numbers() {
        assert!(wildcard_match("6ES7315-2EH14-*", "6ES7315-2EH14-0AB0"));
        assert!(wildcard_match("6ES7315-?EH14-0AB0", "6ES7315-2EH14-0AB0"));
        assert!(wildcard_match("*", "X"));
        assert!(!wildcard_match("6ES7315-*", "6ES7317-2EK14-0AB0"));
        assert!(wildcard_match("6GK5*-*AA3", "6GK5204-2BB10-2AA3"));
        assert!(!wildcard_match("6GK5*-*AA3", "6GK5204-2BB10-2AA4"));
        assert_eq!(wildcard_prefix("6ES7315-*"), "6ES7315-");
    }

    #[test]
    fn vendor_spellings_share_a_key() {
        assert_eq!(vendor_key("Siemens AG"), "siemens");
        assert_eq!(vendor_key("SIEMENS"), "siemens");
        assert_eq!(vendor_key("Rockwell Automation"), "rockwell");
        assert_eq!(vendor_key("Allen-Bradley"), "rockwell");
        assert_eq!(vendor_key("Rockwell Automation/Allen-Bradley"), "rockwell");
        assert_eq!(vendor_key("Schneider Electric SE"), "schneider");
        assert!(vendors_agree(
            "Phoenix Contact GmbH & Co. KG",
            "phoenix contact"
        ));
        assert!(vendors_agree("Allen-Bradley", "rockwell"));
        assert!(!vendors_agree("Siemens", "rockwell"));
        assert!(!vendors_agree("", "rockwell"));
    }

    #[test]
    fn families_and_their_keys() {
        let fam = normalize_name("SIMATIC S7-300 CPU family (incl. SIPLUS variants)");
        assert_eq!(family_in_name(&fam), Some("SIMATIC S7-300 CPU"));
        assert_eq!(family_in_name("FAMILYNET 3"), None);
        assert_eq!(family_in_name("SUBFAMILY 3"), None);
        let name = normalize_name("SIMATIC S7-300 CPU 315-2 PN/DP (6ES7315-2EH14-0AB0)");
        assert_eq!(family_keys(&name), vec!["S7-300".to_string()]);
        assert_eq!(
            family_keys("SIMATIC S7-300 CPU"),
            vec!["S7-300".to_string()]
        );
    }
}
