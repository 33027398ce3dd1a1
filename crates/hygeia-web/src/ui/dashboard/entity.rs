//! The entity profile with its NIS2 classification and reasoning.

use askama::Template;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_domain::nis2::{self, Class, Classification, EntityProfile, EntityType};
use hygeia_store::{Entity, Site};

use super::super::i18n::Tr;
use super::super::{Area, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};
use crate::AppState;
use crate::error::ApiError;

/// The NIS2 classification of a stored entity (`None` if its type code is unknown).
pub fn classify(entity: &Entity) -> Option<Classification> {
    let entity_type: EntityType = entity.entity_type.parse().ok()?;
    let profile = EntityProfile {
        entity_type,
        employees: u32::try_from(entity.employees).unwrap_or(u32::MAX),
        annual_turnover_eur: u64::try_from(entity.annual_turnover_eur).ok(),
        balance_sheet_eur: u64::try_from(entity.balance_sheet_eur).ok(),
        ..EntityProfile::default()
    };
    Some(nis2::classify(&profile))
}

pub fn class_label(tr: Tr, class: Class) -> String {
    tr.t(&format!("nis2.class.{}", class.code())).to_owned()
}

pub struct SiteRow {
    pub name: String,
    pub kind: String,
    pub city: String,
    pub country: String,
}

pub struct StepRow {
    pub text: String,
    pub article: String,
}

pub struct Nis2View {
    pub class_code: &'static str,
    pub class_label: String,
    pub entity_type: String,
    pub annex: String,
    pub sector: String,
    pub size_class: String,
    pub steps: Vec<StepRow>,
    pub supervision: Option<(String, String)>,
    pub fine: Option<FineView>,
    pub registration: Option<(String, String)>,
}

pub struct FineView {
    pub article: String,
    pub fixed: String,
    pub percent: String,
    pub turnover_based: Option<String>,
    pub max: String,
}

#[derive(Template)]
#[template(path = "entity.html")]
struct EntityPage {
    shell: Shell,
    entity: Entity,
    parent: Option<(String, String)>,
    employees: String,
    turnover: String,
    balance_sheet: String,
    sites: Vec<SiteRow>,
    nis2: Option<Nis2View>,
    can_see_audit: bool,
}

pub async fn entity_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let tr = tr_of(&auth);
    let fail = |e: ApiError| PageError::new(tr, e);
    let entity = crate::api::entities::visible_entity(&state, &auth, &id, Permission::EntityRead)
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => fail(ApiError::NotFound(tr.t("error.no_entity").to_owned())),
            other => fail(other),
        })?;
    let parent = match &entity.parent_entity_id {
        Some(pid) if auth.principal.scope.contains(pid) => {
            state.store.entity(pid).await.ok().map(|p| (p.id, p.name))
        }
        _ => None,
    };
    let sites = state
        .store
        .list_sites(&id)
        .await
        .map_err(|e| fail(e.into()))?;
    let sites = sites
        .into_iter()
        .map(|s: Site| SiteRow {
            kind: tr.t(&format!("site_kind.{}", s.kind)).to_owned(),
            name: s.name,
            city: s.city,
            country: s.country,
        })
        .collect();
    let nis2 = classify(&entity).map(|c| Nis2View {
        class_code: c.classification.code(),
        class_label: class_label(tr, c.classification),
        entity_type: tr
            .pick(&c.entity_type_label_en, &c.entity_type_label_fr)
            .to_owned(),
        annex: match c.annex {
            Some(nis2::Annex::I) => tr.t("nis2.annex_i").to_owned(),
            Some(nis2::Annex::II) => tr.t("nis2.annex_ii").to_owned(),
            None => tr.t("nis2.annex_none").to_owned(),
        },
        sector: tr.pick(c.sector.label_en(), c.sector.label_fr()).to_owned(),
        size_class: tr
            .pick(c.size_class.label_en(), c.size_class.label_fr())
            .to_owned(),
        steps: c
            .steps
            .iter()
            .map(|s| StepRow {
                text: tr.pick(&s.en, &s.fr).to_owned(),
                article: s.article.clone(),
            })
            .collect(),
        supervision: c
            .supervision
            .as_ref()
            .map(|s| (tr.pick(&s.en, &s.fr).to_owned(), s.article.clone())),
        fine: c.fine.as_ref().map(|f| FineView {
            article: f.article.clone(),
            fixed: tr.eur(f.fixed_eur),
            percent: tr.basis_points(f.turnover_basis_points),
            turnover_based: f.turnover_based_eur.map(|v| tr.eur(v)),
            max: tr.eur(f.max_fine_eur),
        }),
        registration: c
            .registration
            .as_ref()
            .map(|r| (tr.pick(&r.en, &r.fr).to_owned(), r.article.clone())),
    });
    let shell = Shell::new(
        &state,
        &auth,
        Area::Dashboard,
        entity.name.clone(),
        vec![Crumb::here(entity.name.clone())],
        Some(&id),
    )
    .await?;
    let page = EntityPage {
        shell,
        employees: tr.num(entity.employees),
        turnover: tr.eur(u64::try_from(entity.annual_turnover_eur).unwrap_or(0)),
        balance_sheet: tr.eur(u64::try_from(entity.balance_sheet_eur).unwrap_or(0)),
        parent,
        sites,
        nis2,
        can_see_audit: auth.principal.require(Permission::AuditRead).is_ok(),
        entity,
    };
    render(tr, &page)
}
