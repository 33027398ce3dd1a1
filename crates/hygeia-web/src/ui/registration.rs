//! An entity's registration data in the browser: what its competent authority asks for, what
//! is still missing, the form that saves it (one item per line), and the sheet as PDF or JSON.

use askama::Template;
use axum::extract::{Path, State};
use hygeia_domain::access::Permission;
use hygeia_domain::org::EU_MEMBER_STATES;
use hygeia_domain::org::registration::RegistrationInput;

use super::assessments::{fail, see_other};
use super::{
    Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, render, tr_of,
    url_encode,
};
use crate::AppState;
use crate::api::entities::visible_entity;
use crate::reports::registration::{RegistrationSheet, sheet};

#[derive(Template)]
#[template(path = "registration.html")]
struct RegistrationPage {
    shell: Shell,
    s: RegistrationSheet,
    class: String,
    activities: Vec<String>,
    obligation: String,
    missing: Vec<String>,
    member_states: Vec<Choice>,
    other_establishments: String,
    emails: String,
    phones: String,
    ip_ranges: String,
    saved: String,
    can_edit: bool,
    pdf_href: String,
    json_href: String,
}

pub async fn registration_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let tr = tr_of(&auth);
    let entity = visible_entity(&state, &auth, &id, Permission::EntityRead)
        .await
        .map_err(fail(tr))?;
    let s = sheet(&state, &auth.principal, &entity)
        .await
        .map_err(fail(tr))?;
    let title = tr.t("registration.title").to_owned();
    let shell = Shell::new(
        &state,
        &auth,
        Area::Entities,
        title.clone(),
        vec![
            Crumb::link(tr.t("nav.entities"), "/entities"),
            Crumb::link(
                entity.name.clone(),
                format!("/entities/{}", url_encode(&id)),
            ),
            Crumb::here(title),
        ],
        Some(&id),
    )
    .await?;
    let field = |name: &str| tr.t(&format!("registration.{name}")).to_owned();
    let page = RegistrationPage {
        class: tr.label("registration.classification", &s.classification),
        activities: s
            .activities
            .iter()
            .map(|a| {
                format!(
                    "{} — {} ({})",
                    tr.pick(&a.sector_en, &a.sector_fr),
                    tr.pick(&a.label_en, &a.label_fr),
                    tr.legal(&a.annex_reference)
                )
            })
            .collect(),
        obligation: match (&s.obligation_en, &s.obligation_fr) {
            (Some(en), Some(fr)) => tr.pick(en, fr).to_owned(),
            _ => String::new(),
        },
        missing: s.missing.iter().map(|m| field(m)).collect(),
        member_states: EU_MEMBER_STATES
            .iter()
            .map(|code| Choice {
                value: (*code).to_owned(),
                label: (*code).to_owned(),
                selected: s.data.member_states.iter().any(|m| m == code),
            })
            .collect(),
        other_establishments: s.data.other_establishments.join("\n"),
        emails: s.data.emails.join("\n"),
        phones: s.data.phones.join("\n"),
        ip_ranges: s.data.ip_ranges.join("\n"),
        saved: match (&s.updated_at, &s.updated_by) {
            (Some(at), Some(by)) => tr.tf(
                "registration.saved_by",
                &[
                    ("at", &tr.datetime(at)),
                    ("by", by),
                    ("version", &s.version.to_string()),
                ],
            ),
            _ => tr.t("registration.never_saved").to_owned(),
        },
        can_edit: auth.principal.require(Permission::EntityUpdate).is_ok(),
        pdf_href: format!(
            "/api/v1/entities/{}/registration/pdf?lang={}",
            url_encode(&id),
            tr.code()
        ),
        json_href: format!("/api/v1/entities/{}/registration", url_encode(&id)),
        s,
        shell,
    };
    render(tr, &page)
}

/// One item per line, blank lines dropped.
fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

pub async fn save_registration(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr = tr_of(&auth);
    let back = format!("/entities/{}/registration", url_encode(&id));
    visible_entity(&state, &auth, &id, Permission::EntityUpdate)
        .await
        .map_err(fail(tr))?;
    let input = RegistrationInput {
        address: fields.text("address"),
        other_establishments: lines(&fields.text("other_establishments")),
        emails: lines(&fields.text("emails")),
        phones: lines(&fields.text("phones")),
        member_states: fields.all("member_states"),
        ip_ranges: lines(&fields.text("ip_ranges")),
        representative: fields.text("representative"),
    };
    state
        .store
        .save_registration(&auth.actor, &auth.principal.scope, &id, &input)
        .await
        .map_err(|e| PageError::new(tr, e.into()).back(back.clone()))?;
    Ok(see_other(&format!("{back}#saved")))
}
