//! Every main page, in English and French, checked for what WCAG 2.1 AA and our
//! Content-Security-Policy ask of the markup: a language, one `h1`, unique ids, a label on every
//! control, a name on every link and button, a text alternative on every chart, a caption on every
//! table, a CSRF token in every form that writes, and no inline script, style or handler.

use super::*;

/// One start tag as the checker sees it.
#[derive(Debug)]
struct Tag {
    name: String,
    attributes: Vec<(String, String)>,
    /// Visible text up to the matching end tag (for `a`, `button`, `label`, `caption`, `title`).
    text: String,
    /// Whether the tag sits inside a `<label>` (which then names it).
    inside_label: bool,
}

impl Tag {
    fn get(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Reads the start tags of a page, with the text inside the elements whose name matters to the
/// rules. Our pages are our own well-formed HTML; this is not a general parser.
fn tags(html: &str) -> Vec<Tag> {
    let mut found: Vec<Tag> = Vec::new();
    // Open elements whose text is collected: (index in `found`, name).
    let mut open: Vec<(usize, String)> = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let text = &rest[..start];
        for (index, _) in &open {
            found[*index].text.push_str(text);
        }
        rest = &rest[start..];
        if rest.starts_with("<!--") {
            let end = rest.find("-->").map_or(rest.len(), |i| i + 3);
            rest = &rest[end..];
            continue;
        }
        let end = tag_end(rest);
        let inner = &rest[1..end - 1];
        rest = &rest[end..];
        if let Some(name) = inner.strip_prefix('/') {
            let name = name.trim().to_ascii_lowercase();
            if let Some(at) = open.iter().rposition(|(_, n)| *n == name) {
                open.truncate(at);
            }
            continue;
        }
        if inner.starts_with('!') {
            continue;
        }
        let (name, attributes) = parse_tag(inner.trim_end_matches('/'));
        if matches!(name.as_str(), "script" | "style") {
            // Raw text: skip to the end tag (an inline body is reported by the rules).
            let close = format!("</{name}");
            let body_end = rest.find(&close).unwrap_or(rest.len());
            let body = rest[..body_end].to_owned();
            rest = &rest[body_end..];
            found.push(Tag {
                name,
                attributes,
                text: body,
                inside_label: false,
            });
            continue;
        }
        // Alternative text counts as the element's text for its named ancestors.
        if let Some((_, alt)) = attributes
            .iter()
            .find(|(n, _)| n == "alt" || n == "aria-label")
        {
            for (index, _) in &open {
                found[*index].text.push_str(alt);
            }
        }
        let collects = matches!(
            name.as_str(),
            "a" | "button" | "label" | "caption" | "title" | "h1" | "h2" | "th" | "option"
        );
        found.push(Tag {
            name: name.clone(),
            attributes,
            text: String::new(),
            inside_label: open.iter().any(|(_, n)| n == "label"),
        });
        if collects {
            open.push((found.len() - 1, name));
        }
    }
    found
}

/// Index just past the `>` closing the tag at the start of `s`, outside quoted values.
fn tag_end(s: &str) -> usize {
    let mut quote = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '>') => return i + 1,
            _ => {}
        }
    }
    s.len()
}

fn parse_tag(inner: &str) -> (String, Vec<(String, String)>) {
    let name_end = inner
        .find(|c: char| c.is_whitespace())
        .unwrap_or(inner.len());
    let name = inner[..name_end].to_ascii_lowercase();
    let mut attributes = Vec::new();
    let mut rest = inner[name_end..].trim_start();
    while !rest.is_empty() {
        let key_end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        let key = rest[..key_end].to_ascii_lowercase();
        rest = rest[key_end..].trim_start();
        let mut value = String::new();
        if let Some(after) = rest.strip_prefix('=') {
            let after = after.trim_start();
            let (v, next) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let close = after[1..].find(q).map_or(after.len(), |i| i + 1);
                    (&after[1..close], after.get(close + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            value = v.to_owned();
            rest = next.trim_start();
        }
        if !key.is_empty() {
            attributes.push((key, value));
        }
    }
    (name, attributes)
}

/// What is wrong with one page, one line per problem (empty when it passes).
pub(crate) fn problems(html: &str) -> Vec<String> {
    let tags = tags(html);
    let mut problems = Vec::new();
    let mut ids = BTreeSet::new();
    let labelled: BTreeSet<&str> = tags
        .iter()
        .filter(|t| t.name == "label")
        .filter_map(|t| t.get("for"))
        .collect();
    let describe = |t: &Tag| {
        let id = t.get("id").or(t.get("name")).unwrap_or("?");
        format!("<{} {id}>", t.name)
    };
    match tags
        .iter()
        .find(|t| t.name == "html")
        .and_then(|t| t.get("lang"))
    {
        Some("en" | "fr") => {}
        other => problems.push(format!("<html> lang is {other:?}")),
    }
    if !tags
        .iter()
        .any(|t| t.name == "title" && !t.text.trim().is_empty())
    {
        problems.push("no page <title>".into());
    }
    let h1 = tags.iter().filter(|t| t.name == "h1").count();
    if h1 != 1 {
        problems.push(format!("{h1} <h1> elements (want exactly one)"));
    }
    let mut in_form_post = false;
    let mut form_has_csrf = true;
    let mut form_action = String::new();
    for tag in &tags {
        if let Some(id) = tag.get("id")
            && !ids.insert(id.to_owned())
        {
            problems.push(format!("duplicate id {id:?}"));
        }
        if tag.get("style").is_some() {
            problems.push(format!("{} has a style attribute (CSP)", describe(tag)));
        }
        if let Some((handler, _)) = tag.attributes.iter().find(|(n, _)| n.starts_with("on")) {
            problems.push(format!(
                "{} has an inline {handler} handler (CSP)",
                describe(tag)
            ));
        }
        if let Some(href) = tag.get("href").or(tag.get("src"))
            && (href.starts_with("http://")
                || href.starts_with("https://")
                || href.starts_with("//"))
            && tag.name != "a"
        {
            problems.push(format!("{} loads {href} from outside", describe(tag)));
        }
        match tag.name.as_str() {
            "script" if tag.get("src").is_none() || !tag.text.trim().is_empty() => {
                problems.push("inline <script> (CSP)".into());
            }
            "style" => problems.push("inline <style> (CSP)".into()),
            "input" | "select" | "textarea" => {
                let kind = tag.get("type").unwrap_or("text");
                let needs_label = tag.name != "input"
                    || !matches!(kind, "hidden" | "submit" | "button" | "reset" | "image");
                let named = tag.inside_label
                    || tag.get("aria-label").is_some_and(|l| !l.trim().is_empty())
                    || tag.get("aria-labelledby").is_some()
                    || tag.get("id").is_some_and(|id| labelled.contains(id));
                if needs_label && !named {
                    problems.push(format!("{} has no label", describe(tag)));
                }
                if kind == "hidden" && tag.get("name") == Some("csrf") {
                    form_has_csrf = true;
                }
            }
            "a" | "button" if tag.text.trim().is_empty() && tag.get("aria-label").is_none() => {
                problems.push(format!("{} has no accessible name", describe(tag)));
            }
            "img" if tag.get("alt").is_none() => {
                problems.push(format!("{} has no alt text", describe(tag)));
            }
            "svg" => {
                let hidden = tag.get("aria-hidden") == Some("true");
                let named = tag.get("aria-labelledby").is_some() || tag.get("aria-label").is_some();
                if !hidden && (tag.get("role") != Some("img") || !named) {
                    problems.push(format!(
                        "{} is neither role=img with a name nor aria-hidden",
                        describe(tag)
                    ));
                }
            }
            "table" if tag.get("aria-labelledby").is_none() && tag.get("aria-label").is_none() => {
                // The caption follows as the next tag; checked below.
            }
            "form" => {
                // Signing in has no session yet: its handler checks the Origin instead.
                if in_form_post && !form_has_csrf && form_action != "/login" {
                    problems.push(format!("form posting to {form_action} has no CSRF token"));
                }
                in_form_post = tag
                    .get("method")
                    .is_some_and(|m| m.eq_ignore_ascii_case("post"));
                form_has_csrf = false;
                form_action = tag.get("action").unwrap_or("").to_owned();
            }
            _ => {}
        }
    }
    if in_form_post && !form_has_csrf && form_action != "/login" {
        problems.push(format!("form posting to {form_action} has no CSRF token"));
    }
    // Every data table has a caption (or an explicit name).
    for (i, tag) in tags.iter().enumerate() {
        if tag.name == "table"
            && tag.get("aria-labelledby").is_none()
            && tag.get("aria-label").is_none()
            && tags
                .get(i + 1)
                .is_none_or(|next| next.name != "caption" || next.text.trim().is_empty())
        {
            problems.push(format!("{} has no caption", describe(tag)));
        }
    }
    // Every label points at a control that exists.
    for label in tags.iter().filter(|t| t.name == "label") {
        if let Some(target) = label.get("for")
            && !tags.iter().any(|t| t.get("id") == Some(target))
        {
            problems.push(format!("<label for={target:?}> points at nothing"));
        }
    }
    problems
}

#[test]
fn the_checker_finds_what_it_should() {
    let good = r#"<!doctype html><html lang="en"><head><title>T</title>
<script src="/a.js" defer></script></head><body><h1>Hi</h1>
<form method="post" action="/x"><input type="hidden" name="csrf" value="1">
<label for="q">Q</label><input id="q" name="q"><button type="submit">Go</button>
<label class="check"><input type="checkbox" name="c" value="1"> Wrapped</label></form>
<svg role="img" aria-labelledby="t"><title id="t">Chart</title></svg>
<table><caption>Rows</caption><tr><th>a</th></tr></table><a href="/"><span>Home</span></a></body></html>"#;
    assert_eq!(problems(good), Vec::<String>::new());
    let bad = r#"<html><body><h1>A</h1><h1 id="d">B</h1><p id="d" style="color:red"></p>
<form method="post" action="/x"><input id="q" name="q"><select name="s"></select>
<button onclick="x()"></button></form><svg></svg><table><tr><td>1</td></tr></table>
<a href="/"></a><img src="/i.png"><script>alert(1)</script><label for="nope">L</label></body></html>"#;
    let found = problems(bad).join("\n");
    for expected in [
        "lang is None",
        "no page <title>",
        "2 <h1>",
        "duplicate id \"d\"",
        "style attribute",
        "<input q> has no label",
        "<select s> has no label",
        "inline onclick handler",
        "<button ?> has no accessible name",
        "<svg ?> is neither",
        "<table ?> has no caption",
        "<a ?> has no accessible name",
        "<img ?> has no alt text",
        "inline <script>",
        "points at nothing",
        "form posting to /x has no CSRF token",
    ] {
        assert!(
            found.contains(expected),
            "{expected:?} not reported in:\n{found}"
        );
    }
}

async fn page(app: &TestApp, token: Option<&str>, path: &str) -> (StatusCode, String) {
    let mut request = Request::builder().uri(path);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    let (status, body) = app.send(request.body(Body::empty()).unwrap()).await;
    (status, body.as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn every_main_page_passes_the_markup_checks_in_both_languages() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    let ids = app.ids.clone();
    let admin_user = app
        .store
        .user_by_email("administrator@example.org")
        .await
        .unwrap()
        .unwrap()
        .0;
    let pages = [
        "/".to_owned(),
        "/entities".into(),
        format!("/entities/{}", ids.entity_a),
        "/entities/new".into(),
        format!("/entities/{}/edit", ids.entity_a),
        format!("/entities/{}/sites", ids.entity_a),
        format!("/entities/{}/sites/{}", ids.entity_a, ids.site_a),
        format!("/entities/{}/sites/{}/delete", ids.entity_a, ids.site_a),
        "/compliance".into(),
        "/compliance/search?q=backup".into(),
        "/search?q=segmentation".into(),
        "/search?q=".into(),
        "/compliance/frameworks/iso27001-2022".into(),
        "/compliance/frameworks/iso27001-2022/requirements/a.8.22".into(),
        "/compliance/assessments".into(),
        format!("/compliance/assessments/{}", ids.iso),
        format!("/compliance/assessments/{}/requirements/a.8.22", ids.iso),
        format!("/compliance/assessments/{}/reuse", ids.nis2),
        format!(
            "/compliance/assessments/{}/gaps?target=nis2-2024-2690",
            ids.iso
        ),
        format!("/compliance/assessments/{}/gaps", ids.nis2),
        "/compliance/controls".into(),
        "/compliance/checks".into(),
        format!("/compliance/assessments/{}/requirements/3.5.1", ids.nis2),
        "/compliance/evidence".into(),
        format!(
            "/compliance/evidence?entity={}&expiry=expired",
            ids.entity_a
        ),
        format!("/compliance/controls/{}", ids.control),
        "/risks".into(),
        "/assets".into(),
        "/assets/map".into(),
        "/assets/findings".into(),
        format!("/assets/{}", ids.asset_a),
        "/suppliers".into(),
        "/incidents".into(),
        "/governance".into(),
        format!("/entities/{}/registration", ids.entity_a),
        format!("/governance?entity={}", ids.entity_b),
        "/audit".into(),
        "/audit/verify".into(),
        "/settings".into(),
        "/settings/users".into(),
        format!("/settings/users/{}", ids.contributor),
        "/settings/tokens".into(),
        "/about".into(),
    ];
    // The checks' observations and proposals shown where they appear.
    hygeia_web::checks::run(&app.state, "test").await.unwrap();
    let mut report = Vec::new();
    for locale in ["en", "fr"] {
        app.store
            .update_user(
                &Actor::system(),
                &admin_user.id,
                &hygeia_store::UserUpdate {
                    locale: Some(locale.into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        for path in &pages {
            let (status, html) = page(&app, Some(&admin), path).await;
            assert_eq!(status, StatusCode::OK, "{path} ({locale})");
            assert!(
                html.contains(&format!("<html lang=\"{locale}\">")),
                "{path} is not in {locale}"
            );
            for problem in problems(&html) {
                report.push(format!("{path} ({locale}): {problem}"));
            }
        }
    }
    // The sign-in page, before anyone is signed in, in the browser's language.
    for (language, code) in [("en-GB,en;q=0.9", "en"), ("fr-FR,fr;q=0.9", "fr")] {
        let request = Request::builder()
            .uri("/login")
            .header(header::ACCEPT_LANGUAGE, language)
            .body(Body::empty())
            .unwrap();
        let (status, body) = app.send(request).await;
        assert_eq!(status, StatusCode::OK);
        let html = body.as_str().unwrap_or_default();
        assert!(html.contains(&format!("<html lang=\"{code}\">")));
        for problem in problems(html) {
            report.push(format!("/login ({code}): {problem}"));
        }
    }
    assert!(report.is_empty(), "{}", report.join("\n"));
}
