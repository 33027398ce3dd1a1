//! The group of an entity for its NIS2 size class: consolidated figures, linked and partner
//! enterprises (one row each, blank rows to add more, without JavaScript) and the independence
//! justification. Same permissions as `GET`/`PUT /api/v1/entities/{id}/group`; the store
//! records the change in the audit trail in the same transaction.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hygeia_domain::access::Permission;
use hygeia_domain::org::{GroupInput, GroupLinkInput, MAX_GROUP_LINKS};
use hygeia_store::{Entity, GroupLink, StoreError};

use super::assessments::{render_status, see_other};
use super::forms::{Fields, Problems, whole_number};
use super::i18n::Tr;
use super::validation;
use super::{Area, Choice, Crumb, PageAuth, PageError, PageForm, PageResult, Shell, tr_of};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;

/// Empty rows offered after the recorded ones.
const BLANK_ROWS: usize = 3;

/// One row of the links table, as shown.
pub struct LinkRow {
    pub index: usize,
    pub kinds: Vec<Choice>,
    pub name: String,
    pub share: String,
    pub employees: String,
    pub turnover: String,
    pub balance_sheet: String,
}

#[derive(Template)]
#[template(path = "entity_group.html")]
struct GroupPage {
    shell: Shell,
    entity_id: String,
    may_edit: bool,
    version: String,
    consolidated_employees: String,
    consolidated_turnover: String,
    consolidated_balance_sheet: String,
    justification: String,
    rows: Vec<LinkRow>,
    problems: Problems,
    stale: bool,
}

fn kinds(tr: Tr, current: &str) -> Vec<Choice> {
    ["linked", "partner"]
        .into_iter()
        .map(|k| Choice {
            value: k.to_owned(),
            label: tr.t(&format!("group.kind_{k}")).to_owned(),
            selected: k == current,
        })
        .collect()
}

fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// Basis points as a percentage for the form (`2550` → `25.5`).
fn percent(bp: i64) -> String {
    if bp % 100 == 0 {
        (bp / 100).to_string()
    } else {
        format!("{}.{:02}", bp / 100, bp % 100)
            .trim_end_matches('0')
            .to_owned()
    }
}

/// A percentage typed by the user (`25`, `25.5`, `25,5`) in basis points.
fn parse_percent(text: &str) -> Option<i64> {
    let text = text.trim().trim_end_matches('%').trim().replace(',', ".");
    let (whole, frac) = text.split_once('.').unwrap_or((&text, ""));
    if whole.is_empty() || frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = if frac.is_empty() {
        0
    } else {
        format!("{frac:0<2}").parse().ok()?
    };
    whole.checked_mul(100)?.checked_add(frac)
}

fn stored_rows(tr: Tr, links: &[GroupLink]) -> Vec<LinkRow> {
    links
        .iter()
        .enumerate()
        .map(|(index, l)| LinkRow {
            index,
            kinds: kinds(tr, &l.kind),
            name: l.name.clone(),
            share: percent(l.share_basis_points),
            employees: l.employees.to_string(),
            turnover: opt(l.annual_turnover_eur),
            balance_sheet: opt(l.balance_sheet_eur),
        })
        .collect()
}

fn typed_rows(tr: Tr, fields: &Fields) -> Vec<LinkRow> {
    let count = row_count(fields);
    (0..count)
        .map(|index| {
            let f = |name: &str| fields.text(&format!("link_{name}_{index}"));
            LinkRow {
                index,
                kinds: kinds(tr, &f("kind")),
                name: f("name"),
                share: f("share"),
                employees: f("employees"),
                turnover: f("turnover"),
                balance_sheet: f("balance_sheet"),
            }
        })
        .collect()
}

fn row_count(fields: &Fields) -> usize {
    whole_number(&fields.text("rows"))
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0)
        .min(MAX_GROUP_LINKS + BLANK_ROWS)
}

fn add_blank_rows(tr: Tr, rows: &mut Vec<LinkRow>) {
    let start = rows.len();
    for index in start..start + BLANK_ROWS {
        rows.push(LinkRow {
            index,
            kinds: kinds(tr, "linked"),
            name: String::new(),
            share: String::new(),
            employees: String::new(),
            turnover: String::new(),
            balance_sheet: String::new(),
        });
    }
}

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
            ApiError::NotFound(_) => {
                PageError::new(tr, ApiError::NotFound(tr.t("error.no_entity").to_owned()))
            }
            other => PageError::new(tr, other),
        })
}

/// What the page shows after a refused save.
struct Shown<'a> {
    fields: &'a Fields,
    problems: Problems,
    stale: bool,
}

async fn show(
    state: &AppState,
    auth: &Auth,
    entity: &Entity,
    shown: Option<Shown<'_>>,
) -> PageResult {
    let tr = tr_of(auth);
    let may_edit = auth.principal.require(Permission::EntityUpdate).is_ok();
    let shell = Shell::new(
        state,
        auth,
        Area::Entities,
        tr.tf("group.page_title", &[("name", &entity.name)]),
        vec![
            Crumb::link(entity.name.clone(), format!("/entities/{}", entity.id)),
            Crumb::here(tr.t("group.title")),
        ],
        Some(&entity.id),
    )
    .await?;
    let page = match shown {
        Some(s) => {
            let mut rows = typed_rows(tr, s.fields);
            if rows.is_empty() {
                add_blank_rows(tr, &mut rows);
            }
            GroupPage {
                shell,
                entity_id: entity.id.clone(),
                may_edit,
                version: s.fields.text("version"),
                consolidated_employees: s.fields.text("consolidated_employees"),
                consolidated_turnover: s.fields.text("consolidated_turnover_eur"),
                consolidated_balance_sheet: s.fields.text("consolidated_balance_sheet_eur"),
                justification: s.fields.text("independent_systems_justification"),
                rows,
                problems: s.problems,
                stale: s.stale,
            }
        }
        None => {
            let links = state
                .store
                .group_links(&entity.id)
                .await
                .map_err(|e| PageError::new(tr, e.into()))?;
            let mut rows = stored_rows(tr, &links);
            if may_edit {
                add_blank_rows(tr, &mut rows);
            }
            GroupPage {
                shell,
                entity_id: entity.id.clone(),
                may_edit,
                version: entity.version.to_string(),
                consolidated_employees: opt(entity.consolidated_employees),
                consolidated_turnover: opt(entity.consolidated_turnover_eur),
                consolidated_balance_sheet: opt(entity.consolidated_balance_sheet_eur),
                justification: entity
                    .independent_systems_justification
                    .clone()
                    .unwrap_or_default(),
                rows,
                problems: Problems::default(),
                stale: false,
            }
        }
    };
    let status = if page.stale {
        StatusCode::CONFLICT
    } else if page.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    render_status(tr, status, &page)
}

/// The group page (`EntityRead`; the form for those with `EntityUpdate`).
pub async fn group_page(
    State(state): State<AppState>,
    PageAuth(auth): PageAuth,
    Path(id): Path<String>,
) -> PageResult {
    let entity = entity_for(&state, &auth, &id, Permission::EntityRead).await?;
    show(&state, &auth, &entity, None).await
}

/// The label of a field of the form, `links[i].x` named by its row.
fn label(tr: Tr, field: &str, rows: &[usize]) -> String {
    let key = |name: &str| match name {
        "kind" => "group.kind",
        "name" => "group.name",
        "share_basis_points" => "group.share",
        "employees" => "group.employees",
        "annual_turnover_eur" => "group.turnover",
        "balance_sheet_eur" => "group.balance_sheet",
        "consolidated_employees" => "group.consolidated_employees",
        "consolidated_turnover_eur" => "group.consolidated_turnover",
        "consolidated_balance_sheet_eur" => "group.consolidated_balance_sheet",
        "independent_systems_justification" => "group.independence",
        _ => "group.links",
    };
    if let Some(rest) = field.strip_prefix("links[")
        && let Some((i, name)) = rest.split_once("].")
    {
        let row = i
            .parse::<usize>()
            .ok()
            .and_then(|i| rows.get(i))
            .map_or(0, |r| r + 1);
        return format!("{} {row} — {}", tr.t("group.name"), tr.t(key(name)));
    }
    tr.t(key(field)).to_owned()
}

/// An optional whole number of the form; a problem when typed but not a number.
fn amount(
    tr: Tr,
    fields: &Fields,
    problems: &mut Problems,
    field: &str,
    shown: &str,
) -> Option<i64> {
    let text = fields.text(field);
    if text.is_empty() {
        return None;
    }
    let value = whole_number(&text);
    if value.is_none() {
        problems.add(field, shown, tr.t("entity_form.not_a_number"));
    }
    value
}

/// Reads the form; number problems are found here, the rest by the domain's validation.
fn read(tr: Tr, fields: &Fields) -> (GroupInput, Vec<usize>, Problems) {
    let mut problems = Problems::default();
    let p = &mut problems;
    let consolidated_employees = amount(
        tr,
        fields,
        p,
        "consolidated_employees",
        tr.t("group.consolidated_employees"),
    );
    let consolidated_turnover_eur = amount(
        tr,
        fields,
        p,
        "consolidated_turnover_eur",
        tr.t("group.consolidated_turnover"),
    );
    let consolidated_balance_sheet_eur = amount(
        tr,
        fields,
        p,
        "consolidated_balance_sheet_eur",
        tr.t("group.consolidated_balance_sheet"),
    );
    let mut rows = Vec::new();
    let mut links = Vec::new();
    for index in 0..row_count(fields) {
        let f = |name: &str| format!("link_{name}_{index}");
        let name = fields.text(&f("name"));
        if name.is_empty() {
            continue;
        }
        let row_label = |key: &str| format!("{} {} — {}", tr.t("group.name"), index + 1, tr.t(key));
        let share = parse_percent(&fields.text(&f("share"))).unwrap_or_else(|| {
            p.add(
                &f("share"),
                &row_label("group.share"),
                tr.t("group.not_a_share"),
            );
            0
        });
        let employees = match amount(
            tr,
            fields,
            p,
            &f("employees"),
            &row_label("group.employees"),
        ) {
            Some(n) => n,
            None => {
                if fields.text(&f("employees")).is_empty() {
                    p.add(
                        &f("employees"),
                        &row_label("group.employees"),
                        tr.t("entity_form.required"),
                    );
                }
                0
            }
        };
        let annual_turnover_eur =
            amount(tr, fields, p, &f("turnover"), &row_label("group.turnover"));
        let balance_sheet_eur = amount(
            tr,
            fields,
            p,
            &f("balance_sheet"),
            &row_label("group.balance_sheet"),
        );
        links.push(GroupLinkInput {
            kind: fields.text(&f("kind")),
            name,
            share_basis_points: share,
            employees,
            annual_turnover_eur,
            balance_sheet_eur,
        });
        rows.push(index);
    }
    let input = GroupInput {
        consolidated_employees,
        consolidated_turnover_eur,
        consolidated_balance_sheet_eur,
        independent_systems_justification: Some(fields.text("independent_systems_justification"))
            .filter(|j| !j.is_empty()),
        links,
    };
    if let Err(errors) = input.validate() {
        for e in errors.0 {
            let message = validation::message(tr, &e);
            problems.add(&e.field, &label(tr, &e.field, &rows), message);
        }
    }
    (input, rows, problems)
}

/// Saves the group with the entity version the form was read at.
pub async fn save_group(
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
    let (input, rows, problems) = read(tr, &fields);
    if !problems.is_empty() {
        return show(&state, &auth, &entity, Some(refuse(problems, false))).await;
    }
    let Some(version) = whole_number(&fields.text("version")) else {
        return show(
            &state,
            &auth,
            &entity,
            Some(refuse(Problems::default(), true)),
        )
        .await;
    };
    match state
        .store
        .set_entity_group(&auth.actor, &id, &input, Some(version))
        .await
    {
        Ok(_) => Ok(see_other(&format!("/entities/{id}#group-h"))),
        Err(StoreError::Conflict {
            field: "version", ..
        }) => {
            show(
                &state,
                &auth,
                &entity,
                Some(refuse(Problems::default(), true)),
            )
            .await
        }
        Err(StoreError::Invalid(errors)) => {
            let mut problems = Problems::default();
            for e in errors.0 {
                let message = validation::message(tr, &e);
                problems.add(&e.field, &label(tr, &e.field, &rows), message);
            }
            show(&state, &auth, &entity, Some(refuse(problems, false))).await
        }
        Err(other) => Err(PageError::new(tr, other.into()).back(format!("/entities/{id}/group"))),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_trip_through_basis_points() {
        for (text, bp) in [
            ("25", 2_500),
            ("25.5", 2_550),
            ("33,33", 3_333),
            ("50 %", 5_000),
        ] {
            assert_eq!(parse_percent(text), Some(bp), "{text}");
        }
        for bad in ["", "x", "1.234", "-", "."] {
            assert_eq!(parse_percent(bad), None, "{bad}");
        }
        assert_eq!(percent(2_550), "25.5");
        assert_eq!(percent(3_333), "33.33");
        assert_eq!(percent(10_000), "100");
    }
}
