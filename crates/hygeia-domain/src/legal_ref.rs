//! Legal references as French readers cite them. The reasoning cites EU texts the English way
//! ("Art. 2(2)(b)–(e), Art. 3(1)(e)"); French readers expect "article 2, paragraphe 2,
//! points b) à e)". The conversion is mechanical: article, paragraph, point and sub-point
//! groups, ranges, annexes, points and indents of the annexes, the SME Recommendation.

/// The French form of an English legal reference (unknown parts are kept as they are).
pub fn in_french(reference: &str) -> String {
    reference
        .split("; ")
        .map(|part| {
            split_segments(part)
                .iter()
                .map(|segment| segment_in_french(segment))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect::<Vec<_>>()
        .join(" ; ")
}

/// Splits on ", " except inside a parenthesis.
fn split_segments(text: &str) -> Vec<&str> {
    let mut segments = Vec::new();
    let (mut depth, mut start) = (0i32, 0usize);
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 && bytes.get(i + 1) == Some(&b' ') => {
                segments.push(&text[start..i]);
                start = i + 2;
                i += 1;
            }
            _ => {}
        }
        i += 1;
    }
    segments.push(&text[start..]);
    segments
}

fn segment_in_french(segment: &str) -> String {
    if let Some(rest) = segment.strip_prefix("Arts. ") {
        let items: Vec<&str> = rest.split(" and ").collect();
        if items.iter().all(|i| i.chars().all(|c| c.is_ascii_digit())) {
            return format!("articles {}", items.join(" et "));
        }
        return items
            .iter()
            .map(|i| article(i))
            .collect::<Vec<_>>()
            .join(", et ");
    }
    if let Some(rest) = segment.strip_prefix("Art. ") {
        return article(rest);
    }
    if let Some(rest) = segment.strip_prefix("Annexes ") {
        return format!("annexes {}", rest.replace(" and ", " et "));
    }
    if let Some(rest) = segment.strip_prefix("Annex") {
        return format!("annexe{rest}");
    }
    if let Some(rest) = segment.strip_prefix("point ") {
        return point(rest);
    }
    if let Some(indent) = indent(segment) {
        return indent;
    }
    if let Some(rest) = segment.strip_prefix("Recommendation ") {
        return format!("recommandation {}", rest.replace("/EC", "/CE"));
    }
    match segment {
        "French transposition (to be confirmed)" => "transposition française (à confirmer)".into(),
        other => other.to_owned(),
    }
}

/// The groups in parentheses after a number: `(2)(b)–(e)` → [["2"], ["b", "e"]].
fn groups(text: &str) -> (Vec<Vec<String>>, &str) {
    let mut out: Vec<Vec<String>> = Vec::new();
    let mut rest = text;
    loop {
        if let Some(inner) = rest.strip_prefix('(') {
            let Some(end) = inner.find(')') else { break };
            out.push(vec![inner[..end].to_owned()]);
            rest = &inner[end + 1..];
        } else if let Some(inner) = rest.strip_prefix("–(") {
            let Some(end) = inner.find(')') else { break };
            if let Some(last) = out.last_mut() {
                last.push(inner[..end].to_owned());
            }
            rest = &inner[end + 1..];
        } else {
            break;
        }
    }
    (out, rest)
}

fn article(text: &str) -> String {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let (groups, rest) = groups(&text[digits.len()..]);
    let mut out = format!("article {digits}");
    for (level, group) in groups.iter().enumerate() {
        let (first, last) = (&group[0], group.get(1));
        match (level, last) {
            (0, None) => out.push_str(&format!(", paragraphe {first}")),
            (0, Some(last)) => out.push_str(&format!(", paragraphes {first} à {last}")),
            (1, None) => out.push_str(&format!(", point {first})")),
            (1, Some(last)) => out.push_str(&format!(", points {first}) à {last})")),
            (_, None) => out.push_str(&format!(" {first})")),
            (_, Some(last)) => out.push_str(&format!(" {first}) à {last})")),
        }
    }
    out.push_str(rest);
    out
}

/// `5(a)` → `point 5 a)`, `5 (Health)` → `point 5 (santé)`.
fn point(text: &str) -> String {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let rest = &text[digits.len()..];
    let rest = rest.replace(" (Health)", " (santé)");
    let (groups, tail) = groups(&rest);
    let mut out = format!("point {digits}");
    for group in &groups {
        out.push_str(&format!(" {})", group[0]));
    }
    out.push_str(tail);
    out
}

/// `1st indent (NACE C21)` → `1er tiret (NACE C21)`.
fn indent(text: &str) -> Option<String> {
    let (ordinal, rest) = text.split_once(" indent")?;
    let number: String = ordinal.chars().take_while(char::is_ascii_digit).collect();
    if number.is_empty() {
        return None;
    }
    let suffix = if number == "1" { "er" } else { "e" };
    Some(format!("{number}{suffix} tiret{rest}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::in_french;

    #[test]
    fn references_read_as_french_citations() {
        for (english, french) in [
            ("Art. 3(1)(a)", "article 3, paragraphe 1, point a)"),
            ("Art. 34(4)", "article 34, paragraphe 4"),
            ("Art. 27", "article 27"),
            (
                "Art. 2(2)(b)–(e), Art. 3(1)(e)",
                "article 2, paragraphe 2, points b) à e), article 3, paragraphe 1, point e)",
            ),
            ("Art. 2(2)(f)(ii)", "article 2, paragraphe 2, point f) ii)"),
            ("Art. 3(3)–(4)", "article 3, paragraphes 3 à 4"),
            (
                "Art. 2(1), Annexes I and II",
                "article 2, paragraphe 1, annexes I et II",
            ),
            ("Annex II, point 5(a)", "annexe II, point 5 a)"),
            (
                "Annex I, point 5 (Health), 4th indent (NACE C21)",
                "annexe I, point 5 (santé), 4e tiret (NACE C21)",
            ),
            (
                "Annex I, point 10, 1st indent",
                "annexe I, point 10, 1er tiret",
            ),
            (
                "Art. 2(1); Recommendation 2003/361/EC, Annex, Art. 3(4)",
                "article 2, paragraphe 1 ; recommandation 2003/361/CE, annexe, article 3, paragraphe 4",
            ),
            (
                "Recommendation 2003/361/EC, Annex, Arts. 3 and 6",
                "recommandation 2003/361/CE, annexe, articles 3 et 6",
            ),
            (
                "Recommendation 2003/361/EC, Annex, Arts. 4(1)–(2) and 5",
                "recommandation 2003/361/CE, annexe, article 4, paragraphes 1 à 2, et article 5",
            ),
            (
                "Art. 3(4), Art. 8, Art. 26; French transposition (to be confirmed)",
                "article 3, paragraphe 4, article 8, article 26 ; transposition française (à confirmer)",
            ),
        ] {
            assert_eq!(in_french(english), french, "{english}");
        }
    }

    /// Every reference the NIS2 reasoning cites comes out without an English word.
    #[test]
    fn no_english_word_is_left() {
        let source = [
            include_str!("nis2/classify.rs"),
            include_str!("nis2/activities.rs"),
            include_str!("nis2/entity_type.rs"),
            include_str!("nis2/consequences.rs"),
            include_str!("nis2/group.rs"),
            include_str!("nis2/size.rs"),
        ]
        .concat();
        let mut seen = 0;
        for quoted in source.split('"').skip(1).step_by(2) {
            if !(quoted.starts_with("Art. ")
                || quoted.starts_with("Annex")
                || quoted.starts_with("Recommendation "))
                || quoted.len() > 90
            {
                continue;
            }
            seen += 1;
            let french = in_french(quoted);
            for english in [
                "Art.",
                "Annex",
                " and ",
                "indent",
                "Recommendation",
                "Health",
            ] {
                assert!(!french.contains(english), "{quoted} → {french}");
            }
        }
        assert!(seen > 40, "only {seen} references found");
    }
}
