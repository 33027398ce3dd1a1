//! Field errors of the domain and the store in the user's language.
//!
//! A [`FieldError`] carries a machine code and typed parameters besides its English message;
//! the pages never show that message but render `validation.<code>` from `i18n/*.toml`, with
//! `{max}`, `{allowed}`, `{value}`… replaced by the parameters. Field names get their label from
//! `validation.field.<name>` when the form does not name them itself.

use hygeia_domain::validation::FieldError;

use super::i18n::Tr;

/// What is wrong with the field, in the user's language (without the field's name).
pub fn message(tr: Tr, error: &FieldError) -> String {
    let mut params = error.params.pairs();
    // `other` names another field: shown by its label.
    for (name, value) in &mut params {
        if *name == "other" {
            *value = field_label(tr, value);
        }
    }
    let args: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    tr.tf(&format!("validation.{}", error.code.as_str()), &args)
}

/// The label of an input field in the user's language; the name itself when there is none.
pub fn field_label(tr: Tr, field: &str) -> String {
    let key = format!("validation.field.{field}");
    match tr.t(&key) {
        text if text == key => field.to_owned(),
        text => text.to_owned(),
    }
}

/// Every error as "label: message", joined with "; " (" : " and " ; " in French).
pub fn summary(tr: Tr, errors: &[FieldError]) -> String {
    let colon = tr.pick(": ", " : ");
    errors
        .iter()
        .map(|e| format!("{}{colon}{}", field_label(tr, &e.field), message(tr, e)))
        .collect::<Vec<_>>()
        .join(tr.pick("; ", " ; "))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ui::i18n::Lang;
    use hygeia_domain::validation::{Code, Validator};

    #[test]
    fn every_code_is_translated_in_both_languages() {
        for lang in [Lang::En, Lang::Fr] {
            let tr = Tr::new(lang);
            for code in Code::ALL {
                let key = format!("validation.{code}");
                assert_ne!(tr.t(&key), key, "{key} is missing in {}.toml", lang.code());
            }
        }
    }

    #[test]
    fn messages_follow_the_language_with_their_parameters() {
        let mut v = Validator::new();
        v.negative("employees");
        v.too_long("name", 200);
        v.one_of("status", &["planned", "retired"]);
        v.not_email("email", "nobody");
        let errors = v.finish().unwrap_err().0;
        let en = Tr::new(Lang::En);
        let fr = Tr::new(Lang::Fr);
        let all = |tr: Tr| errors.iter().map(|e| message(tr, e)).collect::<Vec<_>>();
        // The English rendering says what the domain's English message says.
        assert_eq!(
            all(en),
            errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>()
        );
        assert_eq!(
            all(fr),
            [
                "ne doit pas être négatif",
                "doit compter au plus 200 caractères",
                "doit être l'une des valeurs planned, retired",
                "« nobody » n'est pas une adresse e-mail",
            ]
        );
        assert_eq!(
            summary(fr, &errors[..1]),
            "Effectif : ne doit pas être négatif"
        );
        assert!(!message(fr, &errors[0]).contains('{'));
    }

    #[test]
    fn no_placeholder_is_left_unfilled() {
        // Each code's constructor with every parameter it takes, rendered in both languages.
        let samples = [
            FieldError::empty("f"),
            FieldError::too_long("f", 3),
            FieldError::too_short("f", 12),
            FieldError::out_of_range("f", 1, 730),
            FieldError::negative("f"),
            FieldError::not_email("f", "x"),
            FieldError::not_country("f", "x"),
            FieldError::unknown_entity_type("f", "x"),
            FieldError::one_of("f", &["a", "b"]),
            FieldError::bad_date("f"),
            FieldError::bad_time("f"),
            FieldError::date_order("f", "starts_on"),
            FieldError::unknown_framework("f", "fw"),
            FieldError::unknown_requirement("f", "fw", "r"),
            FieldError::not_assessable("f", "fw", "r"),
            FieldError::duplicate("f", "x"),
            FieldError::not_a_result("f", "x"),
            FieldError::not_a_letter("f", "x"),
            FieldError::needs_justification("f", "r"),
            FieldError::needs_rationale("f"),
            FieldError::needs_reason("f", "r"),
            FieldError::not_derived("f", "r"),
            FieldError::nothing_to_accept("f", "r"),
            FieldError::unknown_mapping_set("f", "m"),
            FieldError::unknown_pair("f", "m", "s", "t"),
            FieldError::bad_url("f"),
            FieldError::empty_file("f"),
            FieldError::one_target("f"),
            FieldError::not_found("f", "x"),
            FieldError::not_an_owner("f", "x"),
            FieldError::own_ancestor("f"),
            FieldError::unknown_parent("f", "p").in_entry("a.yaml", "e"),
            FieldError::parent_cycle("f"),
            FieldError::already_exists("f", "x"),
            FieldError::bad_value("f", "why"),
            FieldError::wrong_password("f"),
            FieldError::weak_password("f", &hygeia_domain::password_policy::Weakness::Personal),
            FieldError::weak_password("f", &hygeia_domain::password_policy::Weakness::Predictable),
            FieldError::weak_password("f", &hygeia_domain::password_policy::Weakness::Breached),
            FieldError::invalid("f", "why"),
            FieldError::in_future("f"),
            FieldError::not_sitting("f", "x"),
            FieldError::not_cidr("f", "x"),
            FieldError::private_range("f", "x"),
        ];
        let covered: std::collections::BTreeSet<Code> = samples.iter().map(|e| e.code).collect();
        assert_eq!(covered.len(), Code::ALL.len(), "a code has no sample");
        for lang in [Lang::En, Lang::Fr] {
            for e in &samples {
                let text = message(Tr::new(lang), e);
                assert!(!text.contains('{'), "{}: {text}", e.code);
                // Catalog problems are not located in the rendering; compared fields are labelled.
                if lang == Lang::En && e.params.file.is_none() && e.code != Code::DateOrder {
                    assert_eq!(text, e.message, "{}", e.code);
                }
            }
        }
    }
}
