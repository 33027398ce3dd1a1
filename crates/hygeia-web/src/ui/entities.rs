//! Editing legal entities and their sites: the profile form (NIS2 type, size figures, parent),
//! a new entity (administrators), and the sites with add, edit and delete (behind a
//! confirmation page, so it works without JavaScript). The entity page itself lives with the
//! dashboard; these forms link back to it.
//!
//! The permissions are the API's (`EntityUpdate`, `EntityCreate`, `SiteWrite`), the entity
//! must be within the caller's need-to-know (else 404), and every write goes through the store,
//! which records it in the audit trail in the same transaction. A refused form is shown again
//! with what was typed and a message naming each wrong field; nothing is stored.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::nis2::{EntityType, Sector};
use hygeia_domain::org::{EntityInput, SiteInput, SiteKind};
use hygeia_store::{Entity, Site, StoreError};

use super::assessments::{render_status, see_other};
use super::forms::{Fields, Problems, whole_number};
use super::i18n::Tr;
use super::validation;
use super::{Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, tr_of};
use crate::AppState;
use crate::api::entities::known_entity_type;
use crate::auth::Auth;
use crate::error::ApiError;

/// The fields of the profile form with their label keys, in the form's order.
const ENTITY_FIELDS: [(&str, &str); 11] = [
    ("name", "entity_form.name"),
    ("country", "entity_form.country"),
    ("entity_type", "entity_form.entity_type"),
    ("employees", "entity_form.employees"),
    ("annual_turnover_eur", "entity_form.turnover"),
    ("balance_sheet_eur", "entity_form.balance_sheet"),
    ("parent_entity_id", "entity_form.parent"),
    ("registration_number", "entity_form.registration"),
    ("other_activities", "entity_form.other_activities"),
    ("designation", "entity_form.designation"),
    ("group_worldwide_turnover_eur", "entity_form.group_turnover"),
];

const SITE_FIELDS: [(&str, &str); 4] = [
    ("name", "sites.name"),
    ("kind", "sites.kind"),
    ("city", "sites.city"),
    ("country", "sites.country"),
];

fn label_of(tr: Tr, fields: &[(&str, &'static str)], field: &str) -> String {
    fields
        .iter()
        .find(|(name, _)| *name == field)
        .map_or_else(|| field.to_owned(), |(_, key)| tr.t(key).to_owned())
}

fn not_found(tr: Tr) -> PageError {
    PageError::new(tr, ApiError::NotFound(tr.t("error.no_entity").to_owned()))
}

/// The entity, when the caller holds `permission` and the entity is within their need-to-know
/// (404 otherwise, so that its existence is not revealed).
async fn entity_for(
    state: &AppState,
    auth: &Auth,
    id: &str,
    permission: Permission,
) -> Result<Entity, PageError> {
    let tr = tr_of(auth);
    crate::api::entities::visible_entity(state, auth, id, permission)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => not_found(tr),
            other => PageError::new(tr, other),
        })
}

/// What a refused write becomes: problems shown on the form, a stale version, or an error page.
enum Refusal {
    Problems(Problems),
    Stale,
    Page(PageError),
}

fn refusal(tr: Tr, fields: &[(&str, &'static str)], error: StoreError) -> Refusal {
    let mut problems = Problems::default();
    match error {
        StoreError::Conflict {
            field: "version", ..
        } => return Refusal::Stale,
        StoreError::Conflict { field, message } => {
            problems.add(field, &label_of(tr, fields, field), message);
        }
        StoreError::Invalid(errors) => {
            for e in errors.0 {
                let message = validation::message(tr, &e);
                problems.add(&e.field, &label_of(tr, fields, &e.field), message);
            }
        }
        StoreError::NotFound { .. } => return Refusal::Page(not_found(tr)),
        other => return Refusal::Page(PageError::new(tr, other.into())),
    }
    Refusal::Problems(problems)
}

// ----- the profile form -----

/// What the profile form shows: the stored profile, or what the user typed.
#[derive(Default)]
pub struct EntityForm {
    pub name: String,
    pub country: String,
    pub employees: String,
    pub annual_turnover_eur: String,
    pub balance_sheet_eur: String,
    pub registration_number: String,
    pub version: String,
    pub designation: String,
    pub cer_critical_entity: bool,
    pub nis1_operator_of_essential_services: bool,
    pub local_public_administration: bool,
    pub public_body: bool,
    pub group_worldwide_turnover_eur: String,
}

/// The flags of the profile form: field name and label key.
pub const FLAG_FIELDS: [(&str, &str); 4] = [
    ("cer_critical_entity", "entity_form.cer"),
    ("nis1_operator_of_essential_services", "entity_form.nis1"),
    ("local_public_administration", "entity_form.local"),
    ("public_body", "entity_form.public_body"),
];

/// A checkbox of the form.
pub struct Flag {
    pub name: &'static str,
    pub label: String,
    pub checked: bool,
}

fn flags(tr: Tr, form: &EntityForm) -> Vec<Flag> {
    let values = [
        form.cer_critical_entity,
        form.nis1_operator_of_essential_services,
        form.local_public_administration,
        form.public_body,
    ];
    FLAG_FIELDS
        .iter()
        .zip(values)
        .map(|((name, key), checked)| Flag {
            name,
            label: tr.t(key).to_owned(),
            checked,
        })
        .collect()
}

fn designations(tr: Tr, current: &str) -> Vec<Choice> {
    hygeia_domain::org::DESIGNATIONS
        .iter()
        .map(|d| Choice {
            value: (*d).to_owned(),
            label: tr.t(&format!("entity.designation_{d}")).to_owned(),
            selected: *d == current,
        })
        .collect()
}

/// The other activities as a list of choices (every listed type but the main one).
fn activity_choices(tr: Tr, main: &str, selected: &[String]) -> Vec<Choice> {
    EntityType::ALL
        .iter()
        .filter(|t| t.annex().is_some() && t.code() != main)
        .map(|t| Choice {
            value: t.code().to_owned(),
            label: tr.pick(t.label_en(), t.label_fr()).to_owned(),
            selected: selected.iter().any(|s| s == t.code()),
        })
        .collect()
}

/// A group of NIS2 entity types (one sector of one annex).
pub struct TypeGroup {
    pub label: String,
    pub options: Vec<Choice>,
}

fn entity_types(tr: Tr, current: &str) -> Vec<TypeGroup> {
    let mut groups: Vec<(Sector, TypeGroup)> = Vec::new();
    for t in EntityType::ALL {
        let choice = Choice {
            value: t.code().to_owned(),
            label: tr.pick(t.label_en(), t.label_fr()).to_owned(),
            selected: t.code() == current,
        };
        match groups.last_mut() {
            Some((sector, group)) if *sector == t.sector() => group.options.push(choice),
            _ => groups.push((
                t.sector(),
                TypeGroup {
                    label: tr
                        .pick(t.sector().label_en(), t.sector().label_fr())
                        .to_owned(),
                    options: vec![choice],
                },
            )),
        }
    }
    groups.into_iter().map(|(_, g)| g).collect()
}

#[derive(Template)]
#[template(path = "entity_form.html")]
struct EntityFormPage {
    shell: Shell,
    /// Where the form posts, and where "cancel" goes.
    action: String,
    cancel: String,
    editing: bool,
    form: EntityForm,
    types: Vec<TypeGroup>,
    parents: Vec<Choice>,
    problems: Problems,
    stale: bool,
    designations: Vec<Choice>,
    flags: Vec<Flag>,
    activities: Vec<Choice>,
}

fn form_of(entity: &Entity) -> EntityForm {
    EntityForm {
        name: entity.name.clone(),
        country: entity.country.clone(),
        employees: entity.employees.to_string(),
        annual_turnover_eur: entity
            .annual_turnover_eur
            .map(|v| v.to_string())
            .unwrap_or_default(),
        balance_sheet_eur: entity
            .balance_sheet_eur
            .map(|v| v.to_string())
            .unwrap_or_default(),
        registration_number: entity.registration_number.clone().unwrap_or_default(),
        version: entity.version.to_string(),
        designation: entity.designation.clone(),
        cer_critical_entity: entity.cer_critical_entity,
        nis1_operator_of_essential_services: entity.nis1_operator_of_essential_services,
        local_public_administration: entity.local_public_administration,
        public_body: entity.public_body,
        group_worldwide_turnover_eur: entity
            .group_worldwide_turnover_eur
            .map(|v| v.to_string())
            .unwrap_or_default(),
    }
}

fn form_from(fields: &Fields) -> EntityForm {
    EntityForm {
        name: fields.get("name").unwrap_or_default().to_owned(),
        country: fields.get("country").unwrap_or_default().to_owned(),
        employees: fields.get("employees").unwrap_or_default().to_owned(),
        annual_turnover_eur: fields
            .get("annual_turnover_eur")
            .unwrap_or_default()
            .to_owned(),
        balance_sheet_eur: fields
            .get("balance_sheet_eur")
            .unwrap_or_default()
            .to_owned(),
        registration_number: fields
            .get("registration_number")
            .unwrap_or_default()
            .to_owned(),
        version: fields.text("version"),
        designation: fields.text("designation"),
        cer_critical_entity: fields.get("cer_critical_entity").is_some(),
        nis1_operator_of_essential_services: fields
            .get("nis1_operator_of_essential_services")
            .is_some(),
        local_public_administration: fields.get("local_public_administration").is_some(),
        public_body: fields.get("public_body").is_some(),
        group_worldwide_turnover_eur: fields.text("group_worldwide_turnover_eur"),
    }
}

/// What the form shows again after a refusal.
struct Shown<'a> {
    fields: &'a Fields,
    problems: Problems,
    stale: bool,
}

/// Shows the profile form of `entity` (or the new-entity form), as stored or as typed.
async fn show_entity_form(
    state: &AppState,
    auth: &Auth,
    entity: Option<&Entity>,
    shown: Option<Shown<'_>>,
) -> PageResult {
    let tr = tr_of(auth);
    let (form, entity_type, parent, other_activities) = match (&shown, entity) {
        (Some(s), _) => (
            form_from(s.fields),
            s.fields.text("entity_type"),
            s.fields.text("parent_entity_id"),
            s.fields.all("other_activities"),
        ),
        (None, Some(e)) => (
            form_of(e),
            e.entity_type.clone(),
            e.parent_entity_id.clone().unwrap_or_default(),
            e.other_activities.clone(),
        ),
        (None, None) => (
            EntityForm {
                country: "FR".into(),
                designation: "none".into(),
                ..EntityForm::default()
            },
            String::new(),
            String::new(),
            Vec::new(),
        ),
    };
    let (title, crumbs) = match entity {
        Some(e) => (
            tr.tf("entity_form.edit_title", &[("name", &e.name)]),
            vec![
                Crumb::link(e.name.clone(), format!("/entities/{}", e.id)),
                Crumb::here(tr.t("entity_form.edit")),
            ],
        ),
        None => (
            tr.t("entity_form.new_title").to_owned(),
            vec![Crumb::here(tr.t("entity_form.new_title"))],
        ),
    };
    let shell = Shell::new(
        state,
        auth,
        Area::Entities,
        title,
        crumbs,
        entity.map(|e| e.id.as_str()),
    )
    .await?;
    let own_id = entity.map(|e| e.id.as_str());
    let mut parents = vec![Choice {
        value: String::new(),
        label: tr.t("entity_form.no_parent").to_owned(),
        selected: parent.is_empty(),
    }];
    parents.extend(
        shell
            .entities
            .iter()
            .filter(|e| Some(e.id.as_str()) != own_id)
            .map(|e| Choice {
                value: e.id.clone(),
                label: e.name.clone(),
                selected: e.id == parent,
            }),
    );
    // A parent outside the caller's need-to-know is kept (unnamed) rather than dropped.
    if !parent.is_empty() && !parents.iter().any(|c| c.value == parent) {
        parents.push(Choice {
            value: parent.clone(),
            label: tr.t("entity_form.parent_hidden").to_owned(),
            selected: true,
        });
    }
    let (problems, stale) =
        shown.map_or_else(|| (Problems::default(), false), |s| (s.problems, s.stale));
    let status = if stale {
        StatusCode::CONFLICT
    } else if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = EntityFormPage {
        shell,
        action: entity.map_or_else(
            || "/entities/new".to_owned(),
            |e| format!("/entities/{}/edit", e.id),
        ),
        cancel: entity.map_or_else(|| "/".to_owned(), |e| format!("/entities/{}", e.id)),
        editing: entity.is_some(),
        types: entity_types(tr, &entity_type),
        parents,
        problems,
        stale,
        designations: designations(tr, &form.designation),
        flags: flags(tr, &form),
        activities: activity_choices(tr, &entity_type, &other_activities),
        form,
    };
    render_status(tr, status, &page)
}

/// Reads the profile form; problems of the numbers are found here, the rest by the domain's
/// validation, and all are reported together.
fn entity_input(
    tr: Tr,
    auth: &Auth,
    fields: &Fields,
    current_parent: Option<&str>,
) -> Result<EntityInput, Problems> {
    let mut problems = Problems::default();
    let mut number = |field: &str| match whole_number(&fields.text(field)) {
        Some(n) => n,
        None => {
            let message = if fields.text(field).is_empty() {
                tr.t("entity_form.required")
            } else {
                tr.t("entity_form.not_a_number")
            };
            problems.add(field, &label_of(tr, &ENTITY_FIELDS, field), message);
            0
        }
    };
    let employees = number("employees");
    // Turnover and balance sheet may be unknown: empty means unknown, never 0.
    let mut amount = |field: &str| {
        let text = fields.text(field);
        if text.is_empty() {
            return None;
        }
        let value = whole_number(&text);
        if value.is_none() {
            problems.add(
                field,
                &label_of(tr, &ENTITY_FIELDS, field),
                tr.t("entity_form.not_a_number"),
            );
        }
        value
    };
    let annual_turnover_eur = amount("annual_turnover_eur");
    let balance_sheet_eur = amount("balance_sheet_eur");
    let group_worldwide_turnover_eur = amount("group_worldwide_turnover_eur");
    let entity_type = fields.text("entity_type");
    let parent = Some(fields.text("parent_entity_id")).filter(|p| !p.is_empty());
    // Like the API: a new parent must be an entity the caller may see.
    if let Some(p) = &parent
        && Some(p.as_str()) != current_parent
        && !auth.principal.scope.contains(p)
    {
        problems.add(
            "parent_entity_id",
            &label_of(tr, &ENTITY_FIELDS, "parent_entity_id"),
            tr.t("entity_form.unknown_parent"),
        );
    }
    let input = EntityInput {
        name: fields.text("name"),
        country: fields.text("country").to_uppercase(),
        entity_type: entity_type
            .parse::<EntityType>()
            .map_or(entity_type, |t| t.code().to_owned()),
        employees,
        annual_turnover_eur,
        balance_sheet_eur,
        parent_entity_id: parent,
        registration_number: Some(fields.text("registration_number")).filter(|r| !r.is_empty()),
        other_activities: fields
            .all("other_activities")
            .into_iter()
            .filter(|a| !a.is_empty())
            .collect(),
        designation: Some(fields.text("designation"))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "none".to_owned()),
        cer_critical_entity: fields.get("cer_critical_entity").is_some(),
        nis1_operator_of_essential_services: fields
            .get("nis1_operator_of_essential_services")
            .is_some(),
        local_public_administration: fields.get("local_public_administration").is_some(),
        public_body: fields.get("public_body").is_some(),
        group_worldwide_turnover_eur,
    };
    if let Err(errors) = input.validate(known_entity_type) {
        for e in errors.0 {
            if !problems.has(&e.field) {
                let message = validation::message(tr, &e);
                problems.add(&e.field, &label_of(tr, &ENTITY_FIELDS, &e.field), message);
            }
        }
    }
    if problems.is_empty() {
        Ok(input)
    } else {
        Err(problems)
    }
}

/// The profile form of an entity (`EntityUpdate`, like `PUT /api/v1/entities/{id}`).
pub async fn edit_entity_form(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let entity = entity_for(&state, &auth, &id, Permission::EntityUpdate).await?;
    show_entity_form(&state, &auth, Some(&entity), None).await
}

/// Saves the profile with the version the form was read at: a change made meanwhile by
/// someone else is never overwritten.
pub async fn update_entity(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let entity = entity_for(&state, &auth, &id, Permission::EntityUpdate).await?;
    let refuse = |problems: Problems, stale: bool| Shown {
        fields: &fields,
        problems,
        stale,
    };
    let input = match entity_input(tr, &auth, &fields, entity.parent_entity_id.as_deref()) {
        Ok(input) => input,
        Err(problems) => {
            return show_entity_form(&state, &auth, Some(&entity), Some(refuse(problems, false)))
                .await;
        }
    };
    let Some(version) = whole_number(&fields.text("version")) else {
        return show_entity_form(
            &state,
            &auth,
            Some(&entity),
            Some(refuse(Problems::default(), true)),
        )
        .await;
    };
    match state
        .store
        .update_entity(&auth.actor, &id, &input, Some(version), known_entity_type)
        .await
    {
        Ok(saved) => Ok(see_other(&format!("/entities/{}", saved.id))),
        Err(e) => match refusal(tr, &ENTITY_FIELDS, e) {
            Refusal::Problems(p) => {
                show_entity_form(&state, &auth, Some(&entity), Some(refuse(p, false))).await
            }
            Refusal::Stale => {
                show_entity_form(
                    &state,
                    &auth,
                    Some(&entity),
                    Some(refuse(Problems::default(), true)),
                )
                .await
            }
            Refusal::Page(e) => Err(e.back(format!("/entities/{id}/edit"))),
        },
    }
}

fn require_create(auth: &Auth) -> Result<(), PageError> {
    auth.principal
        .require(Permission::EntityCreate)
        .map_err(|e| PageError::new(tr_of(auth), e.into()))
}

/// The form of a new legal entity (`EntityCreate`: administrators, like the API).
pub async fn new_entity_form(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
) -> PageResult {
    require_create(&auth)?;
    show_entity_form(&state, &auth, None, None).await
}

pub async fn create_entity(
    State(state): State<AppState>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    require_create(&auth)?;
    let shown = |problems: Problems| Shown {
        fields: &fields,
        problems,
        stale: false,
    };
    let input = match entity_input(tr, &auth, &fields, None) {
        Ok(input) => input,
        Err(problems) => return show_entity_form(&state, &auth, None, Some(shown(problems))).await,
    };
    match state
        .store
        .create_entity(
            &auth.actor,
            &auth.principal.organisation_id,
            &input,
            known_entity_type,
        )
        .await
    {
        Ok(created) => Ok(see_other(&format!("/entities/{}", created.id))),
        Err(e) => match refusal(tr, &ENTITY_FIELDS, e) {
            Refusal::Problems(p) => show_entity_form(&state, &auth, None, Some(shown(p))).await,
            Refusal::Stale => {
                show_entity_form(&state, &auth, None, Some(shown(Problems::default()))).await
            }
            Refusal::Page(e) => Err(e.back("/entities/new")),
        },
    }
}

// ----- sites -----

pub struct SiteRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub city: String,
    pub country: String,
}

#[derive(Default)]
pub struct SiteForm {
    pub name: String,
    pub city: String,
    pub country: String,
}

fn site_kinds(tr: Tr, current: &str) -> Vec<Choice> {
    SiteKind::ALL
        .into_iter()
        .map(|k| Choice {
            value: k.code().to_owned(),
            label: tr.t(&format!("site_kind.{}", k.code())).to_owned(),
            selected: k.code() == current,
        })
        .collect()
}

fn site_form_from(fields: &Fields) -> SiteForm {
    SiteForm {
        name: fields.get("name").unwrap_or_default().to_owned(),
        city: fields.get("city").unwrap_or_default().to_owned(),
        country: fields.get("country").unwrap_or_default().to_owned(),
    }
}

/// Reads the site form, reporting every problem with its field.
fn site_input(tr: Tr, fields: &Fields) -> Result<SiteInput, Problems> {
    let mut problems = Problems::default();
    let kind = fields.text("kind").parse::<SiteKind>().unwrap_or_else(|e| {
        problems.add("kind", &label_of(tr, &SITE_FIELDS, "kind"), e.to_string());
        SiteKind::Other
    });
    let input = SiteInput {
        name: fields.text("name"),
        kind,
        city: fields.text("city"),
        country: fields.text("country").to_uppercase(),
    };
    if let Err(errors) = input.validate() {
        for e in errors.0 {
            let message = validation::message(tr, &e);
            problems.add(&e.field, &label_of(tr, &SITE_FIELDS, &e.field), message);
        }
    }
    if problems.is_empty() {
        Ok(input)
    } else {
        Err(problems)
    }
}

#[derive(Template)]
#[template(path = "sites.html")]
struct SitesPage {
    shell: Shell,
    entity: Entity,
    sites: Vec<SiteRow>,
    can_write: bool,
    form: SiteForm,
    kinds: Vec<Choice>,
    problems: Problems,
}

fn site_crumbs(tr: Tr, entity: &Entity) -> Vec<Crumb> {
    vec![
        Crumb::link(entity.name.clone(), format!("/entities/{}", entity.id)),
        Crumb::link(
            tr.t("entity.sites"),
            format!("/entities/{}/sites", entity.id),
        ),
    ]
}

async fn show_sites(
    state: &AppState,
    auth: &Auth,
    entity: Entity,
    failed: Option<(&Fields, Problems)>,
) -> PageResult {
    let tr = tr_of(auth);
    let sites = state
        .store
        .list_sites(&entity.id)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?
        .into_iter()
        .map(|s: Site| SiteRow {
            kind: tr.t(&format!("site_kind.{}", s.kind)).to_owned(),
            id: s.id,
            name: s.name,
            city: s.city,
            country: s.country,
        })
        .collect();
    let mut crumbs = site_crumbs(tr, &entity);
    crumbs.pop();
    crumbs.push(Crumb::here(tr.t("entity.sites")));
    let shell = Shell::new(
        state,
        auth,
        Area::Entities,
        tr.tf("sites.title", &[("name", &entity.name)]),
        crumbs,
        Some(&entity.id),
    )
    .await?;
    let (form, kind, problems) = match failed {
        Some((fields, problems)) => (site_form_from(fields), fields.text("kind"), problems),
        None => (
            SiteForm {
                country: entity.country.clone(),
                ..SiteForm::default()
            },
            SiteKind::Hospital.code().to_owned(),
            Problems::default(),
        ),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = SitesPage {
        shell,
        sites,
        can_write: auth.principal.require(Permission::SiteWrite).is_ok(),
        form,
        kinds: site_kinds(tr, &kind),
        problems,
        entity,
    };
    render_status(tr, status, &page)
}

/// The sites of an entity, with the form to add one (`SiteWrite`).
pub async fn sites_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let entity = entity_for(&state, &auth, &id, Permission::EntityRead).await?;
    show_sites(&state, &auth, entity, None).await
}

pub async fn create_site(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let entity = entity_for(&state, &auth, &id, Permission::SiteWrite).await?;
    let input = match site_input(tr, &fields) {
        Ok(input) => input,
        Err(problems) => return show_sites(&state, &auth, entity, Some((&fields, problems))).await,
    };
    match state.store.create_site(&auth.actor, &id, &input).await {
        Ok(_) => Ok(see_other(&format!("/entities/{id}/sites"))),
        Err(e) => match refusal(tr, &SITE_FIELDS, e) {
            Refusal::Problems(p) => show_sites(&state, &auth, entity, Some((&fields, p))).await,
            Refusal::Stale => Ok(see_other(&format!("/entities/{id}/sites"))),
            Refusal::Page(e) => Err(e.back(format!("/entities/{id}/sites"))),
        },
    }
}

/// The site and its entity, when the site belongs to the entity named in the address and the
/// caller may act on it with `permission`.
async fn site_for(
    state: &AppState,
    auth: &Auth,
    entity_id: &str,
    site_id: &str,
    permission: Permission,
) -> Result<(Entity, Site), PageError> {
    let tr = tr_of(auth);
    let entity = entity_for(state, auth, entity_id, permission).await?;
    match state.store.site(site_id).await {
        Ok(site) if site.entity_id == entity.id => Ok((entity, site)),
        Ok(_) | Err(StoreError::NotFound { .. }) => Err(PageError::new(
            tr,
            ApiError::NotFound(tr.t("sites.no_site").to_owned()),
        )),
        Err(e) => Err(PageError::new(tr, e.into())),
    }
}

#[derive(Template)]
#[template(path = "site.html")]
struct SitePage {
    shell: Shell,
    entity: Entity,
    site: Site,
    form: SiteForm,
    kinds: Vec<Choice>,
    problems: Problems,
}

async fn show_site(
    state: &AppState,
    auth: &Auth,
    entity: Entity,
    site: Site,
    failed: Option<(&Fields, Problems)>,
) -> PageResult {
    let tr = tr_of(auth);
    let mut crumbs = site_crumbs(tr, &entity);
    crumbs.push(Crumb::here(site.name.clone()));
    let shell = Shell::new(
        state,
        auth,
        Area::Entities,
        tr.tf("sites.edit_title", &[("name", &site.name)]),
        crumbs,
        Some(&entity.id),
    )
    .await?;
    let (form, kind, problems) = match failed {
        Some((fields, problems)) => (site_form_from(fields), fields.text("kind"), problems),
        None => (
            SiteForm {
                name: site.name.clone(),
                city: site.city.clone(),
                country: site.country.clone(),
            },
            site.kind.clone(),
            Problems::default(),
        ),
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = SitePage {
        shell,
        entity,
        site,
        form,
        kinds: site_kinds(tr, &kind),
        problems,
    };
    render_status(tr, status, &page)
}

pub async fn edit_site_form(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path((id, site_id)): Path<(String, String)>,
) -> PageResult {
    let (entity, site) = site_for(&state, &auth, &id, &site_id, Permission::SiteWrite).await?;
    show_site(&state, &auth, entity, site, None).await
}

pub async fn update_site(
    State(state): State<AppState>,
    Path((id, site_id)): Path<(String, String)>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let (entity, site) = site_for(&state, &auth, &id, &site_id, Permission::SiteWrite).await?;
    let input = match site_input(tr, &fields) {
        Ok(input) => input,
        Err(problems) => {
            return show_site(&state, &auth, entity, site, Some((&fields, problems))).await;
        }
    };
    match state.store.update_site(&auth.actor, &site_id, &input).await {
        Ok(_) => Ok(see_other(&format!("/entities/{id}/sites"))),
        Err(e) => match refusal(tr, &SITE_FIELDS, e) {
            Refusal::Problems(p) => {
                show_site(&state, &auth, entity, site, Some((&fields, p))).await
            }
            Refusal::Stale => Ok(see_other(&format!("/entities/{id}/sites"))),
            Refusal::Page(e) => Err(e.back(format!("/entities/{id}/sites"))),
        },
    }
}

#[derive(Template)]
#[template(path = "site_delete.html")]
struct SiteDeletePage {
    shell: Shell,
    entity: Entity,
    site: Site,
    kind: String,
    warning: String,
}

/// Asks before deleting a site (a page of its own, so no JavaScript is needed).
pub async fn delete_site_form(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path((id, site_id)): Path<(String, String)>,
) -> PageResult {
    let tr = tr_of(&auth);
    let (entity, site) = site_for(&state, &auth, &id, &site_id, Permission::SiteWrite).await?;
    let mut crumbs = site_crumbs(tr, &entity);
    crumbs.push(Crumb::here(site.name.clone()));
    let shell = Shell::new(
        &state,
        &auth,
        Area::Entities,
        tr.tf("sites.delete_title", &[("name", &site.name)]),
        crumbs,
        Some(&entity.id),
    )
    .await?;
    let page = SiteDeletePage {
        shell,
        kind: tr.t(&format!("site_kind.{}", site.kind)).to_owned(),
        warning: tr.tf("sites.delete_warning", &[("entity", &entity.name)]),
        entity,
        site,
    };
    super::render(tr, &page)
}

pub async fn delete_site(
    State(state): State<AppState>,
    Path((id, site_id)): Path<(String, String)>,
    PageForm(auth, _): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    site_for(&state, &auth, &id, &site_id, Permission::SiteWrite).await?;
    state
        .store
        .delete_site(&auth.actor, &site_id)
        .await
        .map_err(|e| PageError::new(tr, e.into()).back(format!("/entities/{id}/sites")))?;
    Ok(see_other(&format!("/entities/{id}/sites")))
}
