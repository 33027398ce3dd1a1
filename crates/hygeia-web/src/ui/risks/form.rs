//! Writing a risk (`/risks/new`, `/risks/{id}/edit`): what it is, its three ratings with a
//! justification for every figure, its treatment and, when accepted, who accepts it until
//! when. A refused form comes back with what was typed and each problem named by its field.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::risks::ImpactDimension;
use hygeia_domain::risks::matrix::{RiskMatrix, Step};
use hygeia_domain::risks::rating::{ImpactRating, RatingInput};
use hygeia_domain::risks::register::{REVIEW_MONTHS, RiskInput};
use hygeia_domain::risks::treatment::{AcceptanceInput, TreatmentOption};
use hygeia_domain::validation::FieldError;
use hygeia_store::risks::{Risk, RiskLinks, StoredRating};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::assessments::{entity_names, render_status, see_other};
use crate::ui::forms::{Fields, Problems};
use crate::ui::i18n::Tr;
use crate::ui::validation::message;
use crate::ui::{Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, tr_of};

const STAGES: [&str; 3] = ["inherent", "current", "residual"];

/// One dimension's impact in the form.
pub struct ImpactFields {
    pub dimension: &'static str,
    pub label: String,
    pub values: Vec<Choice>,
    pub justification: String,
}

/// One stage's rating in the form.
pub struct StageFields {
    pub stage: &'static str,
    pub label: String,
    pub likelihood: Vec<Choice>,
    pub likelihood_justification: String,
    pub impacts: Vec<ImpactFields>,
}

/// Everything the form shows, as typed or as stored.
#[derive(Template)]
#[template(path = "risk_form.html")]
struct RiskFormPage {
    shell: Shell,
    heading: String,
    action: String,
    /// Entities to choose from (a new risk only).
    entities: Vec<Choice>,
    title: String,
    description: String,
    kinds: Vec<Choice>,
    origin: String,
    objective: String,
    owner: String,
    stages: Vec<StageFields>,
    treatments: Vec<Choice>,
    approver: String,
    acceptance_reason: String,
    expires_on: String,
    can_accept: bool,
    review_every_months: String,
    version: String,
    problems: Problems,
}

/// The values of one field per name, from the form or from the stored risk.
trait Values {
    fn value(&self, name: &str) -> String;
}

impl Values for Fields {
    fn value(&self, name: &str) -> String {
        self.text(name)
    }
}

/// What a stored risk puts in each field.
struct StoredValues<'a>(&'a Risk);

fn stored_rating<'a>(risk: &'a Risk, stage: &str) -> Option<&'a StoredRating> {
    match stage {
        "inherent" => risk.inherent.as_ref(),
        "current" => risk.current.as_ref(),
        _ => risk.residual.as_ref(),
    }
}

impl Values for StoredValues<'_> {
    fn value(&self, name: &str) -> String {
        let risk = self.0;
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        match name {
            "title" => risk.title.clone(),
            "description" => risk.description.clone(),
            "kind" => risk.kind.clone(),
            "origin" => text(&risk.origin),
            "objective" => text(&risk.objective),
            "owner" => text(&risk.owner),
            "treatment" => text(&risk.treatment),
            "acceptance.approver" => text(&risk.accepted_by),
            "acceptance.justification" => text(&risk.acceptance_reason),
            "acceptance.expires_on" => text(&risk.accepted_until),
            "review_every_months" => risk.review_every_months.to_string(),
            "version" => risk.version.to_string(),
            _ => {
                let Some((stage, rest)) = name.split_once('.') else {
                    return String::new();
                };
                let Some(rating) = stored_rating(risk, stage).map(|s| &s.rating) else {
                    return String::new();
                };
                match rest {
                    "likelihood" => rating.likelihood.to_string(),
                    "likelihood_justification" => rating.likelihood_justification.clone(),
                    _ => {
                        let (part, dimension) = rest.split_once('.').unwrap_or_default();
                        let impact = rating
                            .impacts
                            .iter()
                            .find(|i| i.dimension.as_str() == dimension);
                        match (part, impact) {
                            ("impact", Some(i)) => i.value.to_string(),
                            ("justification", Some(i)) => i.justification.clone(),
                            _ => String::new(),
                        }
                    }
                }
            }
        }
    }
}

fn steps(tr: Tr, scale: &[Step], chosen: &str) -> Vec<Choice> {
    let mut out = vec![Choice {
        value: String::new(),
        label: "—".into(),
        selected: chosen.is_empty(),
    }];
    out.extend(scale.iter().enumerate().map(|(i, step)| {
        let value = (i + 1).to_string();
        Choice {
            selected: value == chosen,
            label: format!("{value}. {}", step.label.get(tr.code())),
            value,
        }
    }));
    out
}

fn stage_fields(tr: Tr, matrix: &RiskMatrix, values: &(dyn Values + Sync)) -> Vec<StageFields> {
    STAGES
        .iter()
        .map(|stage| StageFields {
            stage,
            label: tr.label("risks.stage", stage),
            likelihood: steps(
                tr,
                &matrix.likelihood,
                &values.value(&format!("{stage}.likelihood")),
            ),
            likelihood_justification: values.value(&format!("{stage}.likelihood_justification")),
            impacts: ImpactDimension::ALL
                .iter()
                .map(|d| ImpactFields {
                    dimension: d.as_str(),
                    label: tr.label("risks.dimension", d.as_str()),
                    values: steps(
                        tr,
                        &matrix.impact,
                        &values.value(&format!("{stage}.impact.{}", d.as_str())),
                    ),
                    justification: values.value(&format!("{stage}.justification.{}", d.as_str())),
                })
                .collect(),
        })
        .collect()
}

fn labelled(
    tr: Tr,
    prefix: &str,
    codes: &[&str],
    chosen: &str,
    blank: Option<&str>,
) -> Vec<Choice> {
    let mut out: Vec<Choice> = blank
        .map(|label| Choice {
            value: String::new(),
            label: label.to_owned(),
            selected: chosen.is_empty(),
        })
        .into_iter()
        .collect();
    out.extend(codes.iter().map(|code| Choice {
        value: (*code).to_owned(),
        label: tr.label(prefix, code),
        selected: *code == chosen,
    }));
    out
}

/// The dimensions given a value for `stage`, in the order the rating lists them.
fn rated_dimensions(fields: &Fields, stage: &str) -> Vec<ImpactDimension> {
    ImpactDimension::ALL
        .into_iter()
        .filter(|d| {
            !fields
                .text(&format!("{stage}.impact.{}", d.as_str()))
                .is_empty()
        })
        .collect()
}

fn rating_from(fields: &Fields, stage: &str) -> Option<RatingInput> {
    let likelihood = fields.text(&format!("{stage}.likelihood"));
    let justification = fields.text(&format!("{stage}.likelihood_justification"));
    let dimensions = rated_dimensions(fields, stage);
    if likelihood.is_empty() && justification.is_empty() && dimensions.is_empty() {
        return None;
    }
    Some(RatingInput {
        // An unchosen likelihood is 0, which the matrix refuses by name.
        likelihood: likelihood.parse().unwrap_or(0),
        likelihood_justification: justification,
        impacts: dimensions
            .iter()
            .map(|d| ImpactRating {
                dimension: *d,
                value: fields
                    .text(&format!("{stage}.impact.{}", d.as_str()))
                    .parse()
                    .unwrap_or(0),
                justification: fields.text(&format!("{stage}.justification.{}", d.as_str())),
            })
            .collect(),
    })
}

/// A field as typed, trimmed (dotted names: the acceptance's).
fn typed(fields: &Fields, name: &str) -> String {
    fields.text(name)
}

/// The risk the form describes.
fn input_from(fields: &Fields) -> RiskInput {
    let optional = |name: &str| Some(fields.text(name)).filter(|t| !t.is_empty());
    let treatment = optional("treatment");
    RiskInput {
        title: fields.text("title"),
        description: fields.text("description"),
        kind: optional("kind"),
        origin: optional("origin"),
        objective: optional("objective"),
        owner: optional("owner"),
        inherent: rating_from(fields, "inherent"),
        current: rating_from(fields, "current"),
        residual: rating_from(fields, "residual"),
        acceptance: (treatment.as_deref() == Some("accept")).then(|| AcceptanceInput {
            approver: typed(fields, "acceptance.approver"),
            justification: typed(fields, "acceptance.justification"),
            expires_on: typed(fields, "acceptance.expires_on"),
        }),
        treatment,
        review_every_months: fields.text("review_every_months").parse().ok(),
    }
}

/// The form's own field and label for a problem the domain names
/// (`inherent.impacts[1].justification` → the second rated dimension's justification).
fn problem_of(tr: Tr, fields: &Fields, error: &FieldError) -> (String, String) {
    let field = error.field.as_str();
    if let Some((stage, rest)) = field.split_once('.')
        && STAGES.contains(&stage)
    {
        let stage_label = tr.label("risks.stage", stage);
        if let Some(rest) = rest.strip_prefix("impacts[") {
            let (index, part) = rest.split_once("].").unwrap_or((rest, "value"));
            let dimension = index
                .parse::<usize>()
                .ok()
                .and_then(|i| rated_dimensions(fields, stage).get(i).copied());
            if let Some(d) = dimension {
                let (name, what) = if part == "justification" {
                    ("justification", tr.t("risks.justification"))
                } else {
                    ("impact", tr.t("risks.impact"))
                };
                return (
                    format!("{stage}.{name}.{}", d.as_str()),
                    format!(
                        "{stage_label} · {} · {what}",
                        tr.label("risks.dimension", d.as_str())
                    ),
                );
            }
        }
        let what = match rest {
            "likelihood" => tr.t("risks.likelihood"),
            "likelihood_justification" => tr.t("risks.justification"),
            _ => tr.t("risks.impacts"),
        };
        let input = if rest == "impacts" {
            format!("{stage}.impact.{}", ImpactDimension::ALL[0].as_str())
        } else {
            field.to_owned()
        };
        return (input, format!("{stage_label} · {what}"));
    }
    let label = match field {
        "acceptance.approver" => tr.t("risks.accepted_by"),
        "acceptance.justification" => tr.t("risks.justification"),
        "acceptance.expires_on" => tr.t("risks.export.accepted_until"),
        "acceptance" => tr.t("risks.acceptance"),
        "treatment" => tr.t("risks.treatment_h"),
        "kind" => tr.t("risks.kind_h"),
        "owner" => tr.t("risks.owner"),
        "origin" => tr.t("risks.origin"),
        "objective" => tr.t("risks.objective"),
        "review_every_months" => tr.t("risks.review_every"),
        "entity_id" => tr.t("risks.entity"),
        "title" => tr.t("risks.risk"),
        other => other,
    };
    (field.to_owned(), label.to_owned())
}

/// The problems of a refused form, each on its field.
fn problems_of(tr: Tr, fields: &Fields, error: &ApiError) -> Problems {
    let mut problems = Problems::default();
    match error {
        ApiError::BadRequest { errors, .. } if !errors.is_empty() => {
            for e in errors {
                let (field, label) = problem_of(tr, fields, e);
                problems.add(&field, &label, message(tr, e));
            }
        }
        other => problems.add("title", tr.t("risks.risk"), other.to_string()),
    }
    problems
}

struct FormState<'a> {
    values: &'a (dyn Values + Sync),
    problems: Problems,
}

async fn show(
    state: &AppState,
    auth: &Auth,
    risk: Option<&Risk>,
    form: FormState<'_>,
) -> PageResult {
    let tr = tr_of(auth);
    let fail = |e: ApiError| PageError::new(tr, e);
    let (_, matrix) = state
        .store
        .risk_matrix()
        .await
        .map_err(|e| fail(e.into()))?;
    let values = form.values;
    let (heading, action, crumbs, entities) = match risk {
        Some(r) => (
            format!("{} · {}", r.reference, tr.t("risks.edit")),
            format!("/risks/{}/edit", r.id),
            vec![
                Crumb::link(tr.t("risks.title"), "/risks"),
                Crumb::link(r.reference.clone(), format!("/risks/{}", r.id)),
                Crumb::here(tr.t("risks.edit").to_owned()),
            ],
            Vec::new(),
        ),
        None => {
            let chosen = values.value("entity_id");
            let entities = entity_names(state, auth)
                .await?
                .into_iter()
                .map(|(id, name)| Choice {
                    selected: id == chosen,
                    value: id,
                    label: name,
                })
                .collect();
            (
                tr.t("risks.new").to_owned(),
                "/risks/new".to_owned(),
                vec![
                    Crumb::link(tr.t("risks.title"), "/risks"),
                    Crumb::here(tr.t("risks.new").to_owned()),
                ],
                entities,
            )
        }
    };
    let shell = Shell::new(
        state,
        auth,
        Area::Risks,
        heading.clone(),
        crumbs,
        risk.map(|r| r.entity_id.as_str()),
    )
    .await?;
    let review = values.value("review_every_months");
    let treatments: Vec<&str> = TreatmentOption::ALL.iter().map(|t| t.as_str()).collect();
    let page = RiskFormPage {
        heading,
        action,
        entities,
        title: values.value("title"),
        description: values.value("description"),
        kinds: labelled(
            tr,
            "risks.kind",
            &["event", "asset"],
            &values.value("kind"),
            None,
        ),
        origin: values.value("origin"),
        objective: values.value("objective"),
        owner: values.value("owner"),
        stages: stage_fields(tr, &matrix, values),
        treatments: labelled(
            tr,
            "risks.treatment",
            &treatments,
            &values.value("treatment"),
            Some(tr.t("risks.undecided")),
        ),
        approver: values.value("acceptance.approver"),
        acceptance_reason: values.value("acceptance.justification"),
        expires_on: values.value("acceptance.expires_on"),
        can_accept: auth.principal.require(Permission::RiskAccept).is_ok(),
        review_every_months: if review.is_empty() {
            REVIEW_MONTHS.2.to_string()
        } else {
            review
        },
        version: values.value("version"),
        problems: form.problems,
        shell,
    };
    let code = if page.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render_status(tr, code, &page)
}

fn require_write(auth: &Auth) -> Result<(), PageError> {
    auth.principal
        .require(Permission::RiskWrite)
        .map_err(|e| PageError::new(tr_of(auth), e.into()))
}

#[derive(Debug, Default, Deserialize)]
pub struct NewRiskQuery {
    #[serde(default)]
    entity: String,
}

/// Values of a new risk: only the entity chosen beforehand.
struct Fresh(String);

impl Values for Fresh {
    fn value(&self, name: &str) -> String {
        match name {
            "entity_id" => self.0.clone(),
            "kind" => "event".to_owned(),
            _ => String::new(),
        }
    }
}

pub async fn new_risk_form(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Query(query): Query<NewRiskQuery>,
) -> PageResult {
    require_write(&auth)?;
    let values = Fresh(query.entity);
    let form = FormState {
        values: &values,
        problems: Problems::default(),
    };
    show(&state, &auth, None, form).await
}

pub async fn create_risk(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require_write(&auth)?;
    let tr = tr_of(&auth);
    let entity_id = fields.text("entity_id");
    let input = input_from(&fields);
    match crate::api::risks::add_risk(&state, &auth, &entity_id, &input, &RiskLinks::default())
        .await
    {
        Ok(risk) => Ok(see_other(&format!("/risks/{}", risk.id))),
        Err(ApiError::Forbidden(detail)) => Err(PageError::new(tr, ApiError::Forbidden(detail))),
        Err(e) => {
            let problems = problems_of(tr, &fields, &e);
            let form = FormState {
                values: &fields,
                problems,
            };
            show(&state, &auth, None, form).await
        }
    }
}

async fn stored(state: &AppState, auth: &Auth, id: &str) -> Result<Risk, PageError> {
    state
        .store
        .risk(&auth.principal.scope, id)
        .await
        .map_err(|e| PageError::new(tr_of(auth), e.into()))
}

pub async fn edit_risk_form(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    require_write(&auth)?;
    let risk = stored(&state, &auth, &id).await?;
    let values = StoredValues(&risk);
    let form = FormState {
        values: &values,
        problems: Problems::default(),
    };
    show(&state, &auth, Some(&risk), form).await
}

pub async fn update_risk(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require_write(&auth)?;
    let tr = tr_of(&auth);
    let input = input_from(&fields);
    let outcome = state
        .store
        .update_risk(
            &auth.actor,
            &auth.principal.scope,
            &id,
            &input,
            fields.text("version").parse().ok(),
            auth.principal.require(Permission::RiskAccept),
        )
        .await
        .map_err(ApiError::from);
    match outcome {
        Ok(risk) => Ok(see_other(&format!("/risks/{}", risk.id))),
        Err(ApiError::Forbidden(detail)) => Err(PageError::new(tr, ApiError::Forbidden(detail))),
        Err(ApiError::NotFound(detail)) => Err(PageError::new(tr, ApiError::NotFound(detail))),
        Err(e) => {
            let risk = stored(&state, &auth, &id).await?;
            let problems = problems_of(tr, &fields, &e);
            let form = FormState {
                values: &fields,
                problems,
            };
            show(&state, &auth, Some(&risk), form).await
        }
    }
}
