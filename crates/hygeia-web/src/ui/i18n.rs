//! Translations and locale-aware formatting for the pages.
//!
//! Every visible string lives in `i18n/en.toml` and `i18n/fr.toml` (tables flatten to dotted
//! keys), embedded with `include_str!` and parsed once. A unit test fails when a key is missing
//! in one language or when a template uses a key that neither file defines.

use std::collections::HashMap;
use std::sync::OnceLock;

/// French groups digits with a narrow no-break space (U+202F).
const NARROW_NBSP: char = '\u{202f}';

/// A user interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    En,
    Fr,
}

impl Lang {
    /// `fr` (or `fr-FR`, …) is French; anything else English.
    pub fn from_code(code: &str) -> Lang {
        let primary = code.trim().split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("fr") {
            Lang::Fr
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Fr => "fr",
        }
    }

    /// The preferred supported language of an `Accept-Language` header (highest q wins,
    /// first listed on ties), English when none is supported.
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default().trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or_default();
            let lang = if primary.eq_ignore_ascii_case("fr") {
                Lang::Fr
            } else if primary.eq_ignore_ascii_case("en") {
                Lang::En
            } else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }
}

const EN_TOML: &str = include_str!("../../i18n/en.toml");
const FR_TOML: &str = include_str!("../../i18n/fr.toml");

/// Flattens a TOML document into dotted keys with string values.
fn flatten(source: &str) -> Result<HashMap<String, String>, String> {
    let table: toml::Table = toml::from_str(source).map_err(|e| e.to_string())?;
    let mut out = HashMap::new();
    fn walk(
        prefix: &str,
        table: &toml::Table,
        out: &mut HashMap<String, String>,
    ) -> Result<(), String> {
        for (key, value) in table {
            let full = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::String(text) => {
                    out.insert(full, text.clone());
                }
                toml::Value::Table(inner) => walk(&full, inner, out)?,
                _ => return Err(format!("{full}: translations must be strings")),
            }
        }
        Ok(())
    }
    walk("", &table, &mut out)?;
    Ok(out)
}

pub(crate) fn messages(lang: Lang) -> &'static HashMap<String, String> {
    static EN: OnceLock<HashMap<String, String>> = OnceLock::new();
    static FR: OnceLock<HashMap<String, String>> = OnceLock::new();
    let (cell, source) = match lang {
        Lang::En => (&EN, EN_TOML),
        Lang::Fr => (&FR, FR_TOML),
    };
    cell.get_or_init(|| {
        flatten(source).unwrap_or_else(|error| {
            tracing::error!(%error, lang = lang.code(), "cannot read the translations");
            HashMap::new()
        })
    })
}

/// Translations and formats of one language, handed to every template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Self { lang }
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    /// The text of `key`; the key itself when it is missing (the unit test prevents that).
    pub fn t<'a>(&self, key: &'a str) -> &'a str {
        match messages(self.lang).get(key) {
            Some(text) => text.as_str(),
            None => key,
        }
    }

    /// The label of a code under `section` (`audit_action.entity.update`), or the code itself
    /// when the code has no label (a code added later, or made by an import).
    pub fn label(&self, section: &str, code: &str) -> String {
        messages(self.lang)
            .get(&format!("{section}.{code}"))
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    /// The text of `key` with `{name}` placeholders replaced (values are escaped by the template).
    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        let mut text = self.t(key).to_owned();
        for (name, value) in args {
            text = text.replace(&format!("{{{name}}}"), value);
        }
        text
    }

    /// A legal reference as readers of the language cite it (`Art. 3(1)(a)` / `article 3,
    /// paragraphe 1, point a)`).
    pub fn legal(&self, reference: &str) -> String {
        match self.lang {
            Lang::En => reference.to_owned(),
            Lang::Fr => hygeia_domain::legal_ref::in_french(reference),
        }
    }

    /// A length of time in whole hours or minutes: "12 hours" / "12 heures", "30 minutes".
    pub fn duration(&self, span: std::time::Duration) -> String {
        let seconds = span.as_secs();
        let (count, one, many) = match (seconds.is_multiple_of(3600) && seconds > 0, self.lang) {
            (true, Lang::En) => (seconds / 3600, "hour", "hours"),
            (true, Lang::Fr) => (seconds / 3600, "heure", "heures"),
            (false, _) => (seconds.div_ceil(60), "minute", "minutes"),
        };
        format!("{count} {}", if count < 2 { one } else { many })
    }

    /// An integer with the language's digit grouping: `1,350` / `1 350` (narrow no-break space).
    /// A number with two decimals, with the decimal comma in French.
    pub fn decimal(&self, value: f64) -> String {
        let text = format!("{value:.2}");
        match self.lang {
            Lang::Fr => text.replace('.', ","),
            Lang::En => text,
        }
    }

    pub fn num(&self, value: i64) -> String {
        let digits = value.unsigned_abs().to_string();
        let separator = match self.lang {
            Lang::En => ',',
            Lang::Fr => NARROW_NBSP,
        };
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if value < 0 {
            out.push('-');
        }
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(separator);
            }
            out.push(c);
        }
        out
    }

    /// An unsigned amount (saturating into the signed range first).
    pub fn unum(&self, value: u64) -> String {
        self.num(i64::try_from(value).unwrap_or(i64::MAX))
    }

    /// An amount of euros: `EUR 10,000,000` / `10 000 000 €`.
    pub fn eur(&self, value: u64) -> String {
        match self.lang {
            Lang::En => format!("EUR {}", self.unum(value)),
            Lang::Fr => format!("{}\u{a0}€", self.unum(value)),
        }
    }

    /// A percentage given in basis points: `1.4 %` / `1,4 %`.
    pub fn basis_points(&self, bp: u32) -> String {
        let whole = bp / 100;
        let frac = bp % 100;
        let text = if frac == 0 {
            whole.to_string()
        } else if frac.is_multiple_of(10) {
            format!("{whole}.{}", frac / 10)
        } else {
            format!("{whole}.{frac:02}")
        };
        match self.lang {
            Lang::En => format!("{text}%"),
            Lang::Fr => format!("{}\u{a0}%", text.replace('.', ",")),
        }
    }

    /// The calendar day of a stored instant or `YYYY-MM-DD` day: `2026-11-29` / `29/11/2026`.
    pub fn date(&self, instant: &str) -> String {
        let day = instant.get(..10).unwrap_or(instant);
        match (self.lang, day.get(..4), day.get(5..7), day.get(8..10)) {
            (Lang::Fr, Some(y), Some(m), Some(d)) => format!("{d}/{m}/{y}"),
            _ => day.to_owned(),
        }
    }

    /// Day and minute of a stored instant (UTC): `2026-11-29 14:05` / `29/11/2026 14:05`.
    pub fn datetime(&self, instant: &str) -> String {
        match instant.get(11..16) {
            Some(time) => format!("{} {time}", self.date(instant)),
            None => self.date(instant),
        }
    }

    /// An optional instant, or a dash.
    pub fn opt_datetime(&self, instant: &Option<String>) -> String {
        instant
            .as_deref()
            .map_or_else(|| "—".to_owned(), |i| self.datetime(i))
    }

    /// Bilingual catalog text in this language.
    pub fn text<'a>(&self, text: &'a hygeia_catalog::Text) -> &'a str {
        text.get(self.code())
    }

    /// Picks the English or French one of two strings.
    pub fn pick<'a>(&self, en: &'a str, fr: &'a str) -> &'a str {
        match self.lang {
            Lang::En => en,
            Lang::Fr => fr,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(source: &str) -> BTreeSet<String> {
        flatten(source).unwrap().into_keys().collect()
    }

    #[test]
    fn durations_read_in_each_language() {
        let (en, fr) = (Tr::new(Lang::En), Tr::new(Lang::Fr));
        let hours = std::time::Duration::from_secs(12 * 3600);
        let minutes = std::time::Duration::from_secs(30 * 60);
        assert_eq!(en.duration(hours), "12 hours");
        assert_eq!(fr.duration(hours), "12 heures");
        assert_eq!(fr.duration(std::time::Duration::from_secs(3600)), "1 heure");
        assert_eq!(en.duration(minutes), "30 minutes");
        assert_eq!(fr.duration(std::time::Duration::from_secs(90)), "2 minutes");
    }

    #[test]
    fn both_languages_define_the_same_keys() {
        let en = keys(EN_TOML);
        let fr = keys(FR_TOML);
        let only_en: Vec<_> = en.difference(&fr).collect();
        let only_fr: Vec<_> = fr.difference(&en).collect();
        assert!(only_en.is_empty(), "missing in fr.toml: {only_en:?}");
        assert!(only_fr.is_empty(), "missing in en.toml: {only_fr:?}");
        for (key, text) in flatten(FR_TOML).unwrap() {
            assert!(!text.trim().is_empty(), "empty French text for {key}");
        }
    }

    /// Every `t("…")` / `tf("…"` literal in templates and page code names a defined key.
    #[test]
    fn every_key_used_is_defined() {
        let en = keys(EN_TOML);
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        // Folders and their subfolders (page modules split into folders, such as dashboard/).
        let mut dirs = vec![root.join("templates"), root.join("src/ui")];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    dirs.push(path);
                } else {
                    files.push(path);
                }
            }
        }
        let mut used = 0;
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for marker in ["t(\"", "tf(\"", "key: \""] {
                for piece in text.split(marker).skip(1) {
                    let key = piece.split('"').next().unwrap();
                    if key.contains(['{', ' ']) || key.is_empty() || !key.contains('.') {
                        continue;
                    }
                    used += 1;
                    assert!(en.contains(key), "{}: unknown key {key}", file.display());
                }
            }
        }
        assert!(used > 50, "only {used} keys found: is the scan broken?");
    }

    #[test]
    fn numbers_and_dates_follow_the_locale() {
        let en = Tr::new(Lang::En);
        let fr = Tr::new(Lang::Fr);
        assert_eq!(en.num(1350), "1,350");
        assert_eq!(fr.num(1350), "1\u{202f}350");
        assert_eq!(en.num(-1_234_567), "-1,234,567");
        assert_eq!(fr.num(999), "999");
        assert_eq!(en.date("2026-11-29T10:00:00.000000Z"), "2026-11-29");
        assert_eq!(fr.date("2026-11-29T10:00:00.000000Z"), "29/11/2026");
        assert_eq!(
            fr.datetime("2026-11-29T14:05:00.000000Z"),
            "29/11/2026 14:05"
        );
        assert_eq!(en.eur(10_000_000), "EUR 10,000,000");
        assert_eq!(fr.eur(7_000_000), "7\u{202f}000\u{202f}000\u{a0}€");
        assert_eq!(en.basis_points(140), "1.4%");
        assert_eq!(fr.basis_points(200), "2\u{a0}%");
    }

    #[test]
    fn accept_language_picks_the_best_supported_language() {
        assert_eq!(
            Lang::from_accept_language("fr-FR,fr;q=0.9,en;q=0.8"),
            Lang::Fr
        );
        assert_eq!(
            Lang::from_accept_language("de-DE,en;q=0.5,fr;q=0.7"),
            Lang::Fr
        );
        assert_eq!(Lang::from_accept_language("en-GB,fr;q=0.3"), Lang::En);
        assert_eq!(Lang::from_accept_language("de"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        assert_eq!(Lang::from_code("fr-CA"), Lang::Fr);
    }

    #[test]
    fn placeholders_are_filled() {
        let en = Tr::new(Lang::En);
        assert!(en.tf("audit.total", &[("n", "12")]).contains("12"));
    }
}
