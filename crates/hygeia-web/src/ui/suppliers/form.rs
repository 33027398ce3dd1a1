//! The supplier form (`/suppliers/new`, `/suppliers/{id}/edit`): what the supplier provides,
//! who to reach, the criticality questionnaire whose answers set the tier, the ecosystem
//! ratings, its sub-contractors and its last review.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::suppliers::criticality::TierAnswers;
use hygeia_domain::suppliers::register::{
    ContactInput, SubcontractorInput, SupplierCategory, SupplierInput, SupplierStatus,
};
use hygeia_store::suppliers::Supplier;

use super::require;
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::assessments::{entity_names, refused, render_status, see_other};
use crate::ui::forms::Fields;
use crate::ui::i18n::Tr;
use crate::ui::{
    Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, tr_of, url_encode,
};

/// Empty rows offered after the contacts and sub-contractors already known.
const BLANK_ROWS: usize = 2;

/// A row of contact inputs.
#[derive(Default)]
pub struct ContactRow {
    pub name: String,
    pub email: String,
    pub role: String,
    pub phone: String,
}

/// A row of sub-contractor inputs.
#[derive(Default)]
pub struct SubcontractorRow {
    pub name: String,
    pub service: String,
    pub country: String,
}

/// A 1–4 question with its answers.
pub struct Scale {
    pub name: &'static str,
    pub label: String,
    pub help: String,
    pub choices: Vec<Choice>,
}

#[derive(Template)]
#[template(path = "supplier_form.html")]
struct FormPage {
    shell: Shell,
    heading: String,
    action: String,
    entities: Vec<Choice>,
    name: String,
    categories: Vec<Choice>,
    statuses: Vec<Choice>,
    services: String,
    country: String,
    owner: String,
    notes: String,
    ot_access: bool,
    health_data: bool,
    concentration: bool,
    scales: Vec<Scale>,
    ecosystem: Vec<Scale>,
    last_review_on: String,
    contacts: Vec<ContactRow>,
    subcontractors: Vec<SubcontractorRow>,
    version: String,
    error: Option<String>,
}

fn scale(tr: Tr, name: &'static str, chosen: Option<u8>, optional: bool) -> Scale {
    let mut choices = Vec::new();
    if optional {
        choices.push(Choice {
            value: String::new(),
            label: "—".to_owned(),
            selected: chosen.is_none(),
        });
    }
    choices.extend((1..=4u8).map(|v| Choice {
        value: v.to_string(),
        label: format!(
            "{v}. {}",
            tr.label(&format!("suppliers.{name}"), &v.to_string())
        ),
        selected: chosen == Some(v),
    }));
    Scale {
        name,
        label: tr.t(&format!("suppliers.factor.{name}")).to_owned(),
        help: tr.t(&format!("suppliers.help.{name}")).to_owned(),
        choices,
    }
}

fn options(tr: Tr, section: &str, codes: &[&str], chosen: &str) -> Vec<Choice> {
    codes
        .iter()
        .map(|code| Choice {
            value: (*code).to_owned(),
            label: tr.label(section, code),
            selected: *code == chosen,
        })
        .collect()
}

/// The input a submitted form carries; blank contact and sub-contractor rows are dropped.
fn input_of(fields: &Fields) -> SupplierInput {
    let optional = |name: &str| Some(fields.text(name)).filter(|t| !t.is_empty());
    let small = |name: &str| optional(name).and_then(|v| v.parse::<u8>().ok());
    let column = |name: &str| fields.all(name);
    let (names, emails, roles, phones) = (
        column("contact_name"),
        column("contact_email"),
        column("contact_role"),
        column("contact_phone"),
    );
    let at =
        |list: &[String], i: usize| list.get(i).map(|t| t.trim().to_owned()).unwrap_or_default();
    let contacts = (0..names.len())
        .map(|i| ContactInput {
            name: at(&names, i),
            email: at(&emails, i),
            role: at(&roles, i),
            phone: at(&phones, i),
        })
        .filter(|c| {
            !(c.name.is_empty() && c.email.is_empty() && c.role.is_empty() && c.phone.is_empty())
        })
        .collect();
    let (sub_names, services, countries) = (
        column("sub_name"),
        column("sub_service"),
        column("sub_country"),
    );
    let subcontractors = (0..sub_names.len())
        .map(|i| SubcontractorInput {
            name: at(&sub_names, i),
            service: at(&services, i),
            country: Some(at(&countries, i)).filter(|c| !c.is_empty()),
        })
        .filter(|s| !(s.name.is_empty() && s.service.is_empty() && s.country.is_none()))
        .collect();
    SupplierInput {
        name: fields.text("name"),
        category: fields.text("category"),
        status: optional("status"),
        services: fields.text("services"),
        country: optional("country"),
        owner: optional("owner"),
        notes: fields.text("notes"),
        criticality: TierAnswers {
            ot_access: fields.get("ot_access").is_some(),
            health_data: fields.get("health_data").is_some(),
            dependency: small("dependency").unwrap_or(0),
            substitutability: small("substitutability").unwrap_or(0),
            concentration: fields.get("concentration").is_some(),
        },
        penetration: small("penetration"),
        maturity: small("maturity"),
        trust: small("trust"),
        last_review_on: optional("last_review_on"),
        contacts,
        subcontractors,
        version: optional("version").and_then(|v| v.parse().ok()),
    }
}

/// The input a stored supplier was written with.
fn input_from(s: &Supplier) -> SupplierInput {
    let ecosystem = s.ecosystem.as_ref();
    let small = |v: i64| u8::try_from(v).ok();
    SupplierInput {
        name: s.name.clone(),
        category: s.category.clone(),
        status: Some(s.status.clone()),
        services: s.services.clone(),
        country: s.country.clone(),
        owner: s.owner.clone(),
        notes: s.notes.clone(),
        criticality: s.criticality,
        penetration: ecosystem.and_then(|e| small(e.penetration)),
        maturity: ecosystem.and_then(|e| small(e.maturity)),
        trust: ecosystem.and_then(|e| small(e.trust)),
        last_review_on: s.last_review_on.clone(),
        contacts: s
            .contacts
            .iter()
            .map(|c| ContactInput {
                name: c.name.clone(),
                email: c.email.clone(),
                role: c.role.clone(),
                phone: c.phone.clone(),
            })
            .collect(),
        subcontractors: s
            .subcontractors
            .iter()
            .map(|c| SubcontractorInput {
                name: c.name.clone(),
                service: c.service.clone(),
                country: c.country.clone(),
            })
            .collect(),
        version: Some(s.version),
    }
}

/// What the form is for: a new supplier (the entities offered) or a change.
enum Target<'a> {
    New {
        entity_id: &'a str,
    },
    Change {
        id: &'a str,
        name: &'a str,
        entity_id: &'a str,
    },
}

async fn render_form(
    state: &AppState,
    auth: &Auth,
    target: Target<'_>,
    input: &SupplierInput,
    error: Option<String>,
) -> PageResult {
    let tr = tr_of(auth);
    let names = entity_names(state, auth).await?;
    let (heading, action, entities, crumbs, entity) = match &target {
        Target::New { entity_id } => (
            tr.t("suppliers.new").to_owned(),
            "/suppliers/new".to_owned(),
            names
                .iter()
                .map(|(id, name)| Choice {
                    selected: id == entity_id,
                    value: id.clone(),
                    label: name.clone(),
                })
                .collect(),
            vec![
                Crumb::link(tr.t("suppliers.title"), "/suppliers"),
                Crumb::here(tr.t("suppliers.new")),
            ],
            None,
        ),
        Target::Change {
            id,
            name,
            entity_id,
        } => (
            tr.tf("suppliers.edit_heading", &[("name", name)]),
            format!("/suppliers/{}/edit", url_encode(id)),
            Vec::new(),
            vec![
                Crumb::link(tr.t("suppliers.title"), "/suppliers"),
                Crumb::link(*name, format!("/suppliers/{}", url_encode(id))),
                Crumb::here(tr.t("suppliers.edit")),
            ],
            Some(*entity_id),
        ),
    };
    let shell = Shell::new(
        state,
        auth,
        Area::Suppliers,
        heading.clone(),
        crumbs,
        entity,
    )
    .await?;
    let status = input.status.as_deref().unwrap_or("active");
    let status_codes: Vec<&str> = SupplierStatus::ALL.iter().map(|s| s.as_str()).collect();
    let mut contacts: Vec<ContactRow> = input
        .contacts
        .iter()
        .map(|c| ContactRow {
            name: c.name.clone(),
            email: c.email.clone(),
            role: c.role.clone(),
            phone: c.phone.clone(),
        })
        .collect();
    contacts.extend((0..BLANK_ROWS).map(|_| ContactRow::default()));
    let mut subcontractors: Vec<SubcontractorRow> = input
        .subcontractors
        .iter()
        .map(|s| SubcontractorRow {
            name: s.name.clone(),
            service: s.service.clone(),
            country: s.country.clone().unwrap_or_default(),
        })
        .collect();
    subcontractors.extend((0..BLANK_ROWS).map(|_| SubcontractorRow::default()));
    let answered = |v: u8| Some(v).filter(|v| (1..=4).contains(v));
    let page = FormPage {
        heading,
        action,
        entities,
        name: input.name.clone(),
        categories: options(
            tr,
            "suppliers.category",
            &SupplierCategory::codes(),
            &input.category,
        ),
        statuses: options(tr, "suppliers.status", &status_codes, status),
        services: input.services.clone(),
        country: input.country.clone().unwrap_or_default(),
        owner: input.owner.clone().unwrap_or_default(),
        notes: input.notes.clone(),
        ot_access: input.criticality.ot_access,
        health_data: input.criticality.health_data,
        concentration: input.criticality.concentration,
        scales: vec![
            scale(
                tr,
                "dependency",
                answered(input.criticality.dependency),
                false,
            ),
            scale(
                tr,
                "substitutability",
                answered(input.criticality.substitutability),
                false,
            ),
        ],
        ecosystem: vec![
            scale(tr, "penetration", input.penetration, true),
            scale(tr, "maturity", input.maturity, true),
            scale(tr, "trust", input.trust, true),
        ],
        last_review_on: input.last_review_on.clone().unwrap_or_default(),
        contacts,
        subcontractors,
        version: input.version.map(|v| v.to_string()).unwrap_or_default(),
        error,
        shell,
    };
    let code = if page.error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    render_status(tr, code, &page)
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    entity: String,
}

pub async fn new_supplier_form(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    axum::extract::Query(query): axum::extract::Query<NewQuery>,
) -> PageResult {
    require(&auth, Permission::SupplierWrite)?;
    let input = SupplierInput {
        category: "it_provider".into(),
        criticality: TierAnswers {
            dependency: 2,
            substitutability: 2,
            ..TierAnswers::default()
        },
        ..SupplierInput::default()
    };
    let target = Target::New {
        entity_id: &query.entity,
    };
    render_form(&state, &auth, target, &input, None).await
}

pub async fn create_supplier(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::SupplierWrite)?;
    let tr = tr_of(&auth);
    let entity_id = fields.text("entity_id");
    let input = input_of(&fields);
    match state
        .store
        .create_supplier(&auth.actor, &auth.principal.scope, &entity_id, &input)
        .await
    {
        Ok(s) => Ok(see_other(&format!("/suppliers/{}", url_encode(&s.id)))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            let target = Target::New {
                entity_id: &entity_id,
            };
            render_form(&state, &auth, target, &input, Some(message)).await
        }
    }
}

async fn stored(state: &AppState, auth: &Auth, id: &str) -> Result<Supplier, PageError> {
    state
        .store
        .supplier(&auth.principal.scope, id)
        .await
        .map_err(|e| PageError::new(tr_of(auth), e.into()))
}

pub async fn edit_supplier_form(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    require(&auth, Permission::SupplierWrite)?;
    let supplier = stored(&state, &auth, &id).await?;
    let target = Target::Change {
        id: &id,
        name: &supplier.name,
        entity_id: &supplier.entity_id,
    };
    render_form(&state, &auth, target, &input_from(&supplier), None).await
}

pub async fn update_supplier(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    require(&auth, Permission::SupplierWrite)?;
    let tr = tr_of(&auth);
    let input = input_of(&fields);
    match state
        .store
        .update_supplier(&auth.actor, &auth.principal.scope, &id, &input)
        .await
    {
        Ok(s) => Ok(see_other(&format!("/suppliers/{}", url_encode(&s.id)))),
        Err(e) => {
            let message = refused(tr, &ApiError::from(e));
            let supplier = stored(&state, &auth, &id).await?;
            let target = Target::Change {
                id: &id,
                name: &supplier.name,
                entity_id: &supplier.entity_id,
            };
            render_form(&state, &auth, target, &input, Some(message)).await
        }
    }
}
