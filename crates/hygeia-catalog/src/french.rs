//! The legal vocabulary of the French NIS2 text, checked on French strings.
//!
//! The French version of the Directive (EU) 2022/2555 says *incident important* (not
//! "significatif" or "majeur"), *risques en matière de cybersécurité*, *systèmes d'information*
//! in full, *rapport* or *notification*, and cites letters as *article 21, paragraphe 2, point a)*.
//! [`shortcuts`] finds the usual departures from it in a French text, so that tests can hold
//! every shipped French string (catalogs, interface) to that vocabulary.
//!
//! Matching is on whole words: `SIEM`, `SIRET`, `RSSI` or the conjunction `Si` are not the
//! abbreviation `SI`, and `force majeure` is a legal term of its own.

/// One departure from the French legal vocabulary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortcut {
    /// The text found, as written.
    pub found: String,
    /// Byte offset in the checked text.
    pub at: usize,
    /// What the French NIS2 text says instead.
    pub use_instead: &'static str,
}

/// Words (lower case, matched case-insensitively unless noted) and what to write instead.
const WORDS: &[(&str, &str)] = &[
    (
        "significatif",
        "important (incident important, changement important)",
    ),
    ("significatifs", "importants"),
    ("significative", "importante"),
    ("significatives", "importantes"),
    ("majeur", "important (incident important)"),
    ("majeurs", "importants"),
    ("majeure", "importante"),
    ("majeures", "importantes"),
    ("reporting", "rapport, notification ou compte rendu"),
    ("cyberrisque", "risque en matière de cybersécurité"),
    ("cyberrisques", "risques en matière de cybersécurité"),
    ("cyber-risque", "risque en matière de cybersécurité"),
    ("cyber-risques", "risques en matière de cybersécurité"),
    ("risque cyber", "risque en matière de cybersécurité"),
    ("risques cyber", "risques en matière de cybersécurité"),
    ("point(s)", "point a) ou points a) et b)"),
];

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Byte ranges of `needle` in `hay` standing as whole words (`hay` and `needle` already
/// lower-cased when matching without case).
fn whole_words(hay: &str, needle: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = hay.get(from..).and_then(|h| h.find(needle)) {
        let start = from + pos;
        let end = start + needle.len();
        let before = hay.get(..start).and_then(|h| h.chars().next_back());
        let after = hay.get(end..).and_then(|h| h.chars().next());
        let starts_word = needle.chars().next().is_none_or(|c| !is_word_char(c))
            || before.is_none_or(|c| !is_word_char(c));
        let ends_word = needle.chars().next_back().is_none_or(|c| !is_word_char(c))
            || after.is_none_or(|c| !is_word_char(c));
        if starts_word && ends_word {
            out.push(start);
        }
        from = start + needle.len().max(1);
    }
    out
}

/// Lower-case a text keeping byte offsets (only the ASCII letters and the accented letters
/// whose lower case has the same length are changed; others are kept as they are).
fn lower_same_len(s: &str) -> String {
    s.chars()
        .map(|c| {
            let mut l = c.to_lowercase();
            match (l.next(), l.next()) {
                (Some(x), None) if x.len_utf8() == c.len_utf8() => x,
                _ => c,
            }
        })
        .collect()
}

/// The departures from the French NIS2 vocabulary found in `text`, in order.
pub fn shortcuts(text: &str) -> Vec<Shortcut> {
    let lower = lower_same_len(text);
    let mut out = Vec::new();
    let found = |at: usize, len: usize| text.get(at..at + len).unwrap_or_default().to_owned();
    for (word, instead) in WORDS {
        for at in whole_words(&lower, word) {
            // "force majeure" is a legal notion of its own.
            if word.starts_with("majeur") && lower.get(..at).is_some_and(|b| b.ends_with("force "))
            {
                continue;
            }
            out.push(Shortcut {
                found: found(at, word.len()),
                at,
                use_instead: instead,
            });
        }
    }
    // The abbreviation SI (upper case only: "Si" opens a sentence).
    for at in whole_words(text, "SI") {
        out.push(Shortcut {
            found: "SI".to_owned(),
            at,
            use_instead: "systèmes d'information",
        });
    }
    // Letters of an article: "point a)", not "point (a)" nor "point a" without its parenthesis.
    for word in ["point", "points"] {
        for at in whole_words(&lower, word) {
            let rest = lower.get(at + word.len()..).unwrap_or_default();
            let Some(rest) = rest.strip_prefix(' ') else {
                continue;
            };
            let mut chars = rest.chars();
            // Length of the letter form after "point ", when it is a bad one.
            let bad = match (chars.next(), chars.next(), chars.next()) {
                (Some('('), Some(l), Some(')')) if l.is_ascii_lowercase() => Some(3),
                (Some(l), next, _)
                    if ('a'..='j').contains(&l)
                        // "points d'accès": an elided word, not a letter.
                        && next.is_none_or(|n| !is_word_char(n) && !matches!(n, ')' | '\'' | '’')) =>
                {
                    Some(1)
                }
                _ => None,
            };
            if let Some(len) = bad {
                out.push(Shortcut {
                    found: found(at, word.len() + 1 + len),
                    at,
                    use_instead: "point a)",
                });
            }
        }
    }
    // English-style citations in French prose: "art. 21(2)" → "article 21, paragraphe 2".
    for word in ["art. ", "article "] {
        for at in whole_words(&lower, word.trim_end()) {
            let Some(rest) = lower.get(at..).and_then(|r| r.strip_prefix(word)) else {
                continue;
            };
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            if digits > 0 && rest.get(digits..).is_some_and(|r| r.starts_with('(')) {
                out.push(Shortcut {
                    found: found(at, word.len() + digits + 1),
                    at,
                    use_instead: "article 21, paragraphe 2, point a)",
                });
            }
        }
    }
    out.sort_by_key(|s| s.at);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::shortcuts;

    fn found(text: &str) -> Vec<String> {
        shortcuts(text).into_iter().map(|s| s.found).collect()
    }

    #[test]
    fn listed_shortcuts_are_found() {
        assert_eq!(
            found("Notifier tout incident significatif"),
            ["significatif"]
        );
        assert_eq!(
            found("Incidents majeurs et changement Majeur"),
            ["majeurs", "Majeur"]
        );
        assert_eq!(found("Sécurité des réseaux et SI."), ["SI"]);
        assert_eq!(found("(SI) et SI/OT"), ["SI", "SI"]);
        assert_eq!(found("Le reporting de conformité"), ["reporting"]);
        assert_eq!(found("gestion des risques cyber"), ["risques cyber"]);
        assert_eq!(found("les cyber-risques"), ["cyber-risques"]);
        assert_eq!(found("point(s) a de NIS2"), ["point(s)"]);
        assert_eq!(found("le point (d) du paragraphe"), ["point (d)"]);
        assert_eq!(found("au point d de l'article"), ["point d"]);
        assert_eq!(found("Mesure de l'art. 21(2)"), ["art. 21("]);
        assert_eq!(found("l'article 23(4)"), ["article 23("]);
    }

    #[test]
    fn legitimate_words_are_not() {
        for ok in [
            "Corrélation dans le SIEM",
            "numéro SIRET de l'entité",
            "Le RSSI rend compte",
            "Si l'entité est grande, elle est essentielle",
            "Le SIH de l'hôpital",
            "cas de force majeure",
            "incident important",
            "risques en matière de cybersécurité",
            "article 21, paragraphe 2, point a), de NIS2",
            "points a) et b)",
            "point d) : fournisseurs",
            "au point 11.7 de l'annexe",
            "le point de contact unique",
            "des points d'accès appropriés",
            "les points d’entrée",
            "le point j)",
            "Saisissez une référence (A.8.22, 21(2)(d))",
            "Reportez-vous à la politique",
            "insignifiant",
            "majeurité",
        ] {
            assert!(shortcuts(ok).is_empty(), "{ok}: {:?}", shortcuts(ok));
        }
    }
}
