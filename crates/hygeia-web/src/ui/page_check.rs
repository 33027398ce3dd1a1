//! What the crawling tests check on a page (in process and in a real browser): the local links
//! it shows, and English on a French page — the distinctive English phrases of the interface
//! (the parts between placeholders of every English text that differs from its French one, of
//! three words or more and found in no French text).

use super::i18n::{Lang, messages};

/// The phrases no French page may show.
pub fn english_phrases() -> Vec<String> {
    let english = messages(Lang::En);
    let french = messages(Lang::Fr);
    let all_french: String = french.values().cloned().collect::<Vec<_>>().join("\n");
    let mut keys: Vec<&String> = english.keys().collect();
    keys.sort();
    let mut phrases: Vec<String> = Vec::new();
    for key in keys {
        let text = &english[key];
        if french.get(key) == Some(text) {
            continue;
        }
        for part in text.split(['{', '}']).step_by(2) {
            let part = part.trim().trim_end_matches(['.', ':', ',']);
            if part.split_whitespace().count() >= 3
                && part.len() >= 15
                && !all_french.contains(part)
                && !phrases.iter().any(|p| p == part)
            {
                phrases.push(part.to_owned());
            }
        }
    }
    phrases
}

/// The text a reader sees of an HTML page: tags dropped, character references decoded.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

/// The English phrases of the interface that `html` shows.
pub fn english_in(html: &str, phrases: &[String]) -> Vec<String> {
    let text = visible_text(html);
    phrases
        .iter()
        .filter(|p| text.contains(p.as_str()))
        .cloned()
        .collect()
}

/// The local links of a page (`href` values of this site, character references decoded,
/// fragments dropped), each once, in order.
pub fn local_links(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for part in html.split("href=\"").skip(1) {
        let Some(end) = part.find('"') else { continue };
        let href = part[..end]
            .replace("&#38;", "&")
            .replace("&amp;", "&")
            .replace("&#61;", "=")
            .replace("&#39;", "'")
            .replace("&#34;", "\"");
        let href = href.split('#').next().unwrap_or_default().to_owned();
        if href.starts_with('/') && !href.starts_with("//") && !found.contains(&href) {
            found.push(href);
        }
    }
    found
}
