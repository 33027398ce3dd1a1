//! Supplier questionnaires shipped with Hygeia (issue 15): a short and a full template, YAML
//! files embedded in the binary and checked when read, like a template an organisation
//! brings; and the guide to medical device makers' MDS2 forms.

use hygeia_domain::suppliers::mds2::Mds2Guide;
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

/// How Hygeia reads a medical device maker's MDS2 form, as embedded.
pub const MDS2_GUIDE: (&str, &str) = (
    "data/suppliers/mds2-guide.yaml",
    include_str!("../data/suppliers/mds2-guide.yaml"),
);

/// Reads an MDS2 guide from YAML and checks it whole; every problem is named by its file and
/// field.
pub fn parse_mds2_guide(file: &str, text: &str) -> Result<Mds2Guide, CatalogError> {
    let guide: Mds2Guide = parse_yaml(file, text)?;
    guide.check().map_err(|errors| {
        CatalogError::Invalid(
            errors
                .0
                .into_iter()
                .map(|e| Issue {
                    file: file.to_owned(),
                    entry: "mds2".to_owned(),
                    field: e.field,
                    kind: IssueKind::InvalidValue(e.message),
                })
                .collect(),
        )
    })?;
    Ok(guide)
}

/// The shipped MDS2 guide.
pub fn mds2_guide() -> Result<Mds2Guide, CatalogError> {
    parse_mds2_guide(MDS2_GUIDE.0, MDS2_GUIDE.1)
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

    #[test]
    fn the_mds2_guide_holds_and_a_broken_one_is_refused_by_field() {
        let guide = mds2_guide().unwrap();
        assert!(guide.groups.len() >= 23 && guide.checks.len() >= 20);
        let broken = MDS2_GUIDE.1.replacen("id: PAUT-8", "id: XYZW-8", 1);
        let error = parse_mds2_guide("guide.yaml", &broken)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("guide.yaml") && error.contains("checks[11].id"),
            "{error}"
        );
    }
}
