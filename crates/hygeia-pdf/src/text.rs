//! Plain-text clean-up before typesetting. Nothing here escapes anything (user text never becomes
//! markup, see `report.typ`); it only shapes text for print: control characters dropped, spaces
//! collapsed, paragraphs split at blank lines, and break opportunities added inside very long
//! words (URLs, hashes, file paths) that would otherwise run past the right margin.

use unicode_segmentation::UnicodeSegmentation;

/// ZERO WIDTH SPACE: an invisible line-break opportunity.
const BREAK: char = '\u{200B}';
/// Words of at least this many characters (grapheme clusters) with a digit or a sign among them
/// (URLs, hashes, paths) get break opportunities.
const LONG_WORD: usize = 24;
/// Words of letters only are left to hyphenation up to this length.
const LONG_PLAIN_WORD: usize = 40;
/// Inside a long word, no more than this many characters without a break opportunity.
const MAX_UNBROKEN: usize = 16;
/// Printed for an empty field, so that its label is not left dangling.
const EMPTY: &str = "—";

/// A field printed on one line: line breaks and runs of white space become one space.
pub(crate) fn one_line(s: &str) -> String {
    words_of(s)
}

/// A field of several paragraphs (separated by blank lines), each a list of lines. Never empty:
/// an empty text gives one paragraph with a dash.
pub(crate) fn paragraphs(s: &str) -> Vec<Vec<String>> {
    let normalised = s
        .replace("\r\n", "\n")
        .replace(['\r', '\u{2028}', '\u{2029}', '\u{85}'], "\n");
    let mut paragraphs = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for raw in normalised.split('\n') {
        let line = words_of(raw);
        if line.is_empty() {
            if !current.is_empty() {
                paragraphs.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        paragraphs.push(current);
    }
    if paragraphs.is_empty() {
        paragraphs.push(vec![EMPTY.to_owned()]);
    }
    paragraphs
}

/// The words of `s` joined by single spaces, without control characters, with break
/// opportunities inside long words.
fn words_of(s: &str) -> String {
    let cleaned: String = s
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control() || c.is_whitespace())
        .collect();
    let mut out = String::with_capacity(cleaned.len());
    for word in cleaned.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        push_breakable(&mut out, word);
    }
    out
}

/// Appends `word`, with a break opportunity after URL-like punctuation and at least every
/// [`MAX_UNBROKEN`] characters when the word is long. Works on grapheme clusters, so an accented
/// letter or an emoji sequence is never split.
fn push_breakable(out: &mut String, word: &str) {
    let graphemes: Vec<&str> = word.graphemes(true).collect();
    let plain = word.chars().all(char::is_alphabetic);
    if graphemes.len() < if plain { LONG_PLAIN_WORD } else { LONG_WORD } {
        out.push_str(word);
        return;
    }
    let last = graphemes.len().saturating_sub(1);
    let mut unbroken = 0;
    for (i, g) in graphemes.iter().enumerate() {
        out.push_str(g);
        unbroken += 1;
        let after_punctuation = matches!(
            *g,
            "/" | "\\"
                | "."
                | ","
                | ";"
                | ":"
                | "-"
                | "_"
                | "?"
                | "&"
                | "="
                | "+"
                | "#"
                | "@"
                | "|"
        );
        if i < last && (after_punctuation || unbroken >= MAX_UNBROKEN) {
            out.push(BREAK);
            unbroken = 0;
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn visible(s: &str) -> String {
        s.replace(BREAK, "")
    }

    #[test]
    fn one_line_collapses_white_space_and_drops_controls() {
        assert_eq!(one_line("  a\tb \n\r c\u{0}d\u{7}  "), "a b cd");
        assert_eq!(one_line(""), "");
    }

    #[test]
    fn paragraphs_split_at_blank_lines_and_keep_line_breaks() {
        let text = "first line\r\nsecond  line\n\n  \n\nnext paragraph\rlast\n\n";
        assert_eq!(
            paragraphs(text),
            vec![
                vec!["first line".to_owned(), "second line".to_owned()],
                vec!["next paragraph".to_owned(), "last".to_owned()],
            ]
        );
        assert_eq!(paragraphs(" \n\n "), vec![vec![EMPTY.to_owned()]]);
    }

    #[test]
    fn short_words_are_untouched() {
        let s = "Anticonstitutionnellement éthérée";
        assert_eq!(one_line(s), s);
        let s = "Donaudampfschifffahrtsgesellschaft 0123456789abcdefghij";
        assert_eq!(one_line(s), s);
        let s = "a".repeat(LONG_PLAIN_WORD);
        assert_ne!(one_line(&s), s);
    }

    #[test]
    fn long_words_get_break_opportunities_without_changing_what_is_printed() {
        let url = "https://example.invalid/a/very/long/path/with-many-segments?query=value&other=1";
        let out = one_line(url);
        assert_eq!(visible(&out), url);
        assert!(out.contains(BREAK));
        let hash = "0123456789abcdef".repeat(4);
        let out = one_line(&hash);
        assert_eq!(visible(&out), hash);
        assert!(
            out.split(BREAK)
                .all(|run| run.chars().count() <= MAX_UNBROKEN)
        );
        assert!(!out.ends_with(BREAK));
    }

    #[test]
    fn grapheme_clusters_are_never_split() {
        // e + combining acute, and a family emoji joined by ZERO WIDTH JOINERs.
        let word = "e\u{301}".repeat(20) + &"👨\u{200D}👩\u{200D}👧".repeat(20);
        let out = one_line(&word);
        assert_eq!(visible(&out), word);
        for (i, c) in out.char_indices() {
            if c == BREAK {
                let next = out[i + BREAK.len_utf8()..].chars().next().unwrap();
                assert!(
                    next != '\u{301}' && next != '\u{200D}',
                    "split before {next:?}"
                );
            }
        }
    }
}
