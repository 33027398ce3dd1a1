//! The entity profile with its NIS2 classification and reasoning.

use askama::Template;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_domain::nis2::{self, Class, Classification};
use hygeia_store::{Entity, GroupLink, Site};

use super::super::i18n::Tr;
use super::super::{Area, Crumb, PageAuth, PageError, PageResult, Shell, render, tr_of};
use crate::AppState;
use crate::error::ApiError;

/// The NIS2 classification of a stored entity with its group links (`None` if its type code
/// is unknown).
pub fn classify(entity: &Entity, links: &[GroupLink]) -> Option<Classification> {
    hygeia_store::nis2_profile(entity, links).map(|p| nis2::classify(&p))
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
    /// The national competent authority and its registration service (text, address).
    pub authority: Option<(String, String)>,
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
    /// The entity's incident tile (for those who may see incidents).
    incidents: Option<super::incidents::IncidentTile>,
    profile: ProfileView,
    assessments: Vec<AssessmentRow>,
    /// Where the entity's country stands in transposing NIS2.
    transposition: Option<crate::ui::transposition::TranspositionBlock>,
}

pub struct AssessmentRow {
    pub href: String,
    pub name: String,
    pub framework: String,
    pub status: String,
}

/// The NIS2 facts of the profile and the group, as shown.
pub struct ProfileView {
    pub designation: String,
    /// Labels of the flags that are set (CER, NIS1, local authority, public body).
    pub flags: Vec<String>,
    pub other_activities: Vec<String>,
    pub group_turnover: String,
    pub consolidated: Option<String>,
    pub links: Vec<LinkRow>,
    pub independence: Option<String>,
}

pub struct LinkRow {
    pub kind: String,
    pub name: String,
    pub share: String,
    pub employees: String,
    pub turnover: String,
}

/// An amount in euros, or "unknown".
fn money(tr: Tr, v: Option<i64>) -> String {
    v.and_then(|v| u64::try_from(v).ok())
        .map_or_else(|| tr.t("entity.unknown").to_owned(), |v| tr.eur(v))
}

fn profile_view(tr: Tr, e: &Entity, links: &[GroupLink]) -> ProfileView {
    let flags = [
        (e.cer_critical_entity, "entity.flag_cer"),
        (e.nis1_operator_of_essential_services, "entity.flag_nis1"),
        (e.local_public_administration, "entity.flag_local"),
        (e.public_body, "entity.flag_public_body"),
    ]
    .into_iter()
    .filter(|(set, _)| *set)
    .map(|(_, key)| tr.t(key).to_owned())
    .collect();
    ProfileView {
        designation: tr
            .t(&format!("entity.designation_{}", e.designation))
            .to_owned(),
        flags,
        other_activities: e
            .other_activities
            .iter()
            .map(|c| match c.parse::<nis2::EntityType>() {
                Ok(t) => tr.pick(t.label_en(), t.label_fr()).to_owned(),
                Err(_) => c.clone(),
            })
            .collect(),
        group_turnover: money(tr, e.group_worldwide_turnover_eur),
        consolidated: e.consolidated_employees.map(|staff| {
            tr.tf(
                "entity.consolidated_figures",
                &[
                    ("staff", &tr.num(staff)),
                    ("turnover", &money(tr, e.consolidated_turnover_eur)),
                    ("balance", &money(tr, e.consolidated_balance_sheet_eur)),
                ],
            )
        }),
        links: links
            .iter()
            .map(|l| LinkRow {
                kind: tr.t(&format!("group.kind_{}", l.kind)).to_owned(),
                name: l.name.clone(),
                share: tr.basis_points(u32::try_from(l.share_basis_points).unwrap_or(0)),
                employees: tr.num(l.employees),
                turnover: money(tr, l.annual_turnover_eur),
            })
            .collect(),
        independence: e.independent_systems_justification.clone(),
    }
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
    let links = state
        .store
        .group_links(&id)
        .await
        .map_err(|e| fail(e.into()))?;
    let nis2 = classify(&entity, &links).map(|c| Nis2View {
        authority: c
            .competent_authority
            .as_ref()
            .map(|a| (tr.pick(&a.en, &a.fr).to_owned(), a.url.clone())),
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
                article: tr.legal(&s.article),
            })
            .collect(),
        supervision: c
            .supervision
            .as_ref()
            .map(|s| (tr.pick(&s.en, &s.fr).to_owned(), tr.legal(&s.article))),
        fine: c.fine.as_ref().map(|f| FineView {
            article: tr.legal(&f.article),
            fixed: tr.eur(f.fixed_eur),
            percent: tr.basis_points(f.turnover_basis_points),
            turnover_based: f.turnover_based_eur.map(|v| tr.eur(v)),
            max: tr.eur(f.max_fine_eur),
        }),
        registration: c
            .registration
            .as_ref()
            .map(|r| (tr.pick(&r.en, &r.fr).to_owned(), tr.legal(&r.article))),
    });
    let shell = Shell::new(
        &state,
        &auth,
        Area::Entities,
        entity.name.clone(),
        vec![
            Crumb::link(tr.t("entities.title"), "/entities"),
            Crumb::here(entity.name.clone()),
        ],
        Some(&id),
    )
    .await?;
    // The entity's assessments, for those who may read them.
    let assessments = if auth.principal.require(Permission::ComplianceRead).is_ok() {
        let catalog = state.catalog.current(&state.store).await.map_err(fail)?;
        state
            .store
            .list_assessments(&id)
            .await
            .map_err(|e| fail(e.into()))?
            .into_iter()
            .map(|a| AssessmentRow {
                href: format!("/compliance/assessments/{}", a.id),
                framework: catalog
                    .framework(&a.framework_id)
                    .map(|f| tr.text(&f.meta.name).to_owned())
                    .unwrap_or_else(|| a.framework_id.clone()),
                status: tr.t(&format!("assessment.status.{}", a.status)).to_owned(),
                name: a.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let incidents = if auth.principal.require(Permission::IncidentRead).is_ok() {
        let scope = hygeia_domain::access::EntityScope::Only([entity.id.clone()].into());
        let overview = state
            .store
            .incident_overview(&scope, Some(&entity.id))
            .await
            .map_err(|e| fail(e.into()))?;
        Some(super::incidents::tile(
            tr,
            &overview,
            crate::ui::incidents::viewer_zone(
                &auth,
                hygeia_domain::clock::zone_of_country(&entity.country),
            ),
            Some(&entity.id),
            state.store.clock().now(),
        ))
    } else {
        None
    };
    let catalog = state.catalog.current(&state.store).await.map_err(fail)?;
    let transposition = crate::ui::transposition::block(tr, &catalog, &entity.country);
    let page = EntityPage {
        shell,
        transposition,
        incidents,
        assessments,
        employees: tr.num(entity.employees),
        turnover: money(tr, entity.annual_turnover_eur),
        balance_sheet: money(tr, entity.balance_sheet_eur),
        profile: profile_view(tr, &entity, &links),
        parent,
        sites,
        nis2,
        can_see_audit: auth.principal.require(Permission::AuditRead).is_ok(),
        entity,
    };
    render(tr, &page)
}
