//! WCAG 2.1 AA contrast of the style sheet, checked rule by rule: text at least 4.5:1 against
//! the background it is drawn on (its rule's own, else the page and panel backgrounds), chart
//! shapes and control borders at least 3:1 (success criteria 1.4.3 and 1.4.11).

use std::collections::BTreeMap;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Rgb(u8, u8, u8);

impl Rgb {
    fn parse_hex(text: &str) -> Option<Rgb> {
        let hex = text.strip_prefix('#')?;
        let digit = |i: usize, len: usize| u8::from_str_radix(hex.get(i..i + len)?, 16).ok();
        match hex.len() {
            3 => Some(Rgb(digit(0, 1)? * 17, digit(1, 1)? * 17, digit(2, 1)? * 17)),
            6 => Some(Rgb(digit(0, 2)?, digit(2, 2)?, digit(4, 2)?)),
            _ => None,
        }
    }

    /// Relative luminance (WCAG 2.1 definition).
    fn luminance(self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a > b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }
}

/// One rule of the sheet: its selector and declarations (property → value).
struct Rule {
    selector: String,
    declarations: BTreeMap<String, String>,
}

fn rules(sheet: &str) -> Vec<Rule> {
    let mut text = String::new();
    let mut rest = sheet;
    while let Some(start) = rest.find("/*") {
        text.push_str(&rest[..start]);
        rest = rest[start..]
            .find("*/")
            .map_or("", |end| &rest[start + end + 2..]);
    }
    text.push_str(rest);
    let mut rules = Vec::new();
    let mut selector_start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '{' => selector_start = i + 1,
            '}' if selector_start > 0 => {
                let body = &text[selector_start..i];
                let selector_end = selector_start - 1;
                let selector_from = text[..selector_end].rfind(['{', '}']).map_or(0, |p| p + 1);
                let selector = text[selector_from..selector_end].trim().to_owned();
                let declarations = body
                    .split(';')
                    .filter_map(|d| d.split_once(':'))
                    .map(|(p, v)| (p.trim().to_owned(), v.trim().to_owned()))
                    .collect();
                rules.push(Rule {
                    selector,
                    declarations,
                });
                selector_start = 0;
            }
            _ => {}
        }
    }
    rules
}

struct Sheet {
    rules: Vec<Rule>,
    variables: BTreeMap<String, Rgb>,
}

impl Sheet {
    fn new(text: &str) -> Sheet {
        let rules = rules(text);
        let variables = rules
            .iter()
            .filter(|r| r.selector == ":root")
            .flat_map(|r| r.declarations.iter())
            .filter_map(|(name, value)| Some((name.clone(), Rgb::parse_hex(value)?)))
            .collect();
        Sheet { rules, variables }
    }

    /// The colour a value paints, when it is one colour (`#hex`, `var(--x)`, or the first such
    /// word of a shorthand like `border: 1px solid var(--muted)`).
    fn colour(&self, value: &str) -> Option<Rgb> {
        value.split_whitespace().find_map(|word| {
            if let Some(name) = word.strip_prefix("var(").and_then(|w| w.strip_suffix(')')) {
                self.variables.get(name).copied()
            } else {
                Rgb::parse_hex(word)
            }
        })
    }

    fn variable(&self, name: &str) -> Rgb {
        self.variables[name]
    }

    /// Every pair that falls short, as `selector: what a:b < minimum`.
    fn failures(&self) -> Vec<String> {
        let page = [self.variable("--bg"), self.variable("--soft")];
        let mut failures = Vec::new();
        let mut check = |selector: &str, what: &str, fg: Rgb, bg: Rgb, minimum: f64| {
            let ratio = fg.contrast(bg);
            if ratio < minimum {
                failures.push(format!(
                    "{selector}: {what} {fg:?} on {bg:?} is {ratio:.2}:1 (< {minimum}:1)"
                ));
            }
        };
        for rule in &self.rules {
            let d = &rule.declarations;
            let selector = rule.selector.as_str();
            if selector == ":root" {
                continue;
            }
            let background = d
                .get("background")
                .or(d.get("background-color"))
                .and_then(|v| self.colour(v));
            // Badges draw white text unless they say otherwise; other boxes the ink colour.
            let default_text = if selector.contains("badge") {
                Rgb(255, 255, 255)
            } else {
                self.variable("--ink")
            };
            let text = d.get("color").and_then(|v| self.colour(v));
            match (text, background) {
                (Some(fg), Some(bg)) => check(selector, "text", fg, bg, 4.5),
                (Some(fg), None) => {
                    for bg in page {
                        check(selector, "text", fg, bg, 4.5);
                    }
                }
                (None, Some(bg)) => check(selector, "text", default_text, bg, 4.5),
                (None, None) => {}
            }
            if let Some(fill) = d.get("fill").and_then(|v| self.colour(v)) {
                let is_text = selector.contains("text")
                    || selector.contains(".tick")
                    || selector.contains(".axis");
                let minimum = if is_text { 4.5 } else { 3.0 };
                check(selector, "fill", fill, page[0], minimum);
            }
            // Borders that outline a control (inputs, buttons) must be seen: 1.4.11.
            let is_control = ["input", "select", "button", "textarea"]
                .iter()
                .any(|c| selector.split([',', ' ', '.']).any(|part| part == *c));
            if is_control {
                // The control's edge shows when its border, or its filled background, stands
                // out from the page around it.
                let border = d
                    .get("border-color")
                    .or(d.get("border"))
                    .and_then(|v| self.colour(v));
                if let Some(border) = border {
                    let edge =
                        |c: Rgb| page.iter().map(|p| c.contrast(*p)).fold(f64::MAX, f64::min);
                    let filled = background.map_or(0.0, edge);
                    if filled < 3.0 {
                        for bg in page {
                            check(selector, "border", border, bg, 3.0);
                        }
                    }
                }
            }
        }
        failures
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn contrast_ratios_match_the_wcag_formula() {
        let black = Rgb(0, 0, 0);
        let white = Rgb::parse_hex("#fff").unwrap();
        assert!((black.contrast(white) - 21.0).abs() < 1e-9);
        // #767676 on white is the classic just-passing grey (4.54:1).
        let grey = Rgb::parse_hex("#767676").unwrap();
        assert!((grey.contrast(white) - 4.54).abs() < 0.01);
        assert_eq!(Rgb::parse_hex("#0b5cab"), Some(Rgb(11, 92, 171)));
        assert_eq!(Rgb::parse_hex("blue"), None);
    }

    #[test]
    fn the_check_catches_pale_text_borders_and_shapes() {
        let sheet = Sheet::new(
            ":root { --bg: #ffffff; --soft: #f2f5f8; --ink: #111111; --pale: #bbbbbb; }\n\
             /* a comment { with braces } */\n\
             .hint { color: var(--pale); }\n\
             @media print { .ok { color: #000; } }\n\
             .chart .bar { fill: #dddddd; }\n\
             input { border: 1px solid #e0e0e0; }\n\
             .badge.late { background: #f5c542; }",
        );
        let failures = sheet.failures().join("\n");
        for expected in [
            ".hint: text",
            ".chart .bar: fill",
            "input: border",
            ".badge.late: text",
        ] {
            assert!(
                failures.contains(expected),
                "{expected} not in:\n{failures}"
            );
        }
        assert!(!failures.contains(".ok"), "{failures}");
    }

    #[test]
    fn the_shipped_style_sheet_meets_wcag_aa_contrast() {
        let sheet = Sheet::new(super::super::STYLE);
        assert!(sheet.rules.len() > 100, "the sheet was not read");
        let failures = sheet.failures();
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }
}
