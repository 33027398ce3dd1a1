//! Supplier questionnaires shipped with Hygeia (issue 15): a short and a full template, YAML
//! files embedded in the binary and checked when read, like a template an organisation
//! brings.

use hygeia_domain::suppliers::questionnaire::QuestionnaireTemplate;

use crate::error::{CatalogError, Issue, IssueKind};
use crate::load::parse_yaml;

/// The shipped templates' files, as embedded: the short one first.
pub const SHIPPED_QUESTIONNAIRES: [(&str, &str); 2] = [
    (
        "data/suppliers/nis2-supplier-short.yaml",
        include_str!("../data/suppliers/nis2-supplier-short.yaml"),
    ),
    (
        "data/suppliers/nis2-supplier-full.yaml",
        include_str!("../data/suppliers/nis2-supplier-full.yaml"),
    ),
];

/// Reads a questionnaire template from YAML (or JSON) and checks it whole; every problem is
/// named by its file and field.
pub fn parse_questionnaire(file: &str, text: &str) -> Result<QuestionnaireTemplate, CatalogError> {
    let template: QuestionnaireTemplate = parse_yaml(file, text)?;
    template.check().map_err(|errors| {
        CatalogError::Invalid(
            errors
                .0
                .into_iter()
                .map(|e| Issue {
                    file: file.to_owned(),
                    entry: template.id.clone(),
                    field: e.field,
                    kind: IssueKind::InvalidValue(e.message),
                })
                .collect(),
        )
    })?;
    Ok(template)
}

/// The shipped templates, short first.
pub fn shipped_questionnaires() -> Result<Vec<QuestionnaireTemplate>, CatalogError> {
    SHIPPED_QUESTIONNAIRES
        .iter()
        .map(|(file, text)| parse_questionnaire(file, text))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use hygeia_domain::suppliers::questionnaire::AnswerKind;

    use super::*;

    #[test]
    fn the_shipped_templates_hold_and_cite_the_supply_chain_points() {
        let templates = shipped_questionnaires().unwrap();
        let ids: Vec<&str> = templates.iter().map(|t| t.id.as_str()).collect();
        assert_eq!(ids, ["nis2-supplier-short", "nis2-supplier-full"]);
        let counts: Vec<usize> = templates.iter().map(|t| t.questions().count()).collect();
        assert_eq!(counts, [12, 33]);
        for template in &templates {
            let notify = template.question("inc.notify").unwrap();
            assert_eq!(notify.kind, AnswerKind::Text);
            assert!(notify.refs.iter().any(|r| r == "2024/2690 5.1.4(d)"));
            assert!(
                template.questions().all(|q| !q.refs.is_empty()),
                "{}",
                template.id
            );
        }
        // Every point (a) to (h) of 5.1.4 is asked in the full questionnaire.
        for point in 'a'..='h' {
            let wanted = format!("2024/2690 5.1.4({point})");
            assert!(
                templates[1].questions().any(|q| q.refs.contains(&wanted)),
                "{wanted}"
            );
        }
    }

    #[test]
    fn a_template_that_does_not_hold_is_refused_with_its_file_and_field() {
        let text = SHIPPED_QUESTIONNAIRES[0]
            .1
            .replace("id: gov.contact", "id: gov.policy");
        let error = parse_questionnaire("ours.yaml", &text).unwrap_err();
        let issue = &error.issues()[0];
        assert_eq!(
            (issue.file.as_str(), issue.field.as_str()),
            ("ours.yaml", "sections[0].questions[2].id")
        );
        let unknown = SHIPPED_QUESTIONNAIRES[0]
            .1
            .replace("weight: 2\n", "weight: 2\n        colour: red\n");
        assert!(parse_questionnaire("ours.yaml", &unknown).is_err());
    }
}
