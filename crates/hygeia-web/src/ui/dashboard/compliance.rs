//! The dashboard's compliance section: each entity's NIS2 standing, score per assessment, per
//! Art. 21(2) measure and week by week, open gaps by owner and by due date, expired and
//! expiring evidence, over the entities shown (scored with the functions the scores API uses).

use std::collections::BTreeMap;

use futures_util::{StreamExt, TryStreamExt};
use hygeia_catalog::ids::NIS2_2024_2690;
use hygeia_catalog::{Art21Letter, Catalog};
use hygeia_domain::access::Permission;
use hygeia_domain::nis2::Class;
use hygeia_store::Entity;
use hygeia_store::assessments::{Assessment, DueBucket};

use super::charts::{BarChart, Point, axis_text, len, rounded_percent};
use super::nis2::{Basis, Nis2Row, RowInput, row, standing};
use super::summary::{AssessmentSummary, summaries};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiError;
use crate::ui::PageError;
use crate::ui::assessments::framework_name;
use crate::ui::i18n::Tr;

/// Weeks shown by the progress chart.
const WEEKS: i64 = 12;

/// A figure of the compliance section, with a stable id for tests and deep links.
pub struct ComplianceFigure {
    pub id: &'static str,
    pub label: String,
    pub value: String,
    pub href: String,
}

/// The dashboard's compliance section: each entity's NIS2 standing, figures, charts and
/// where the Art. 21(2) scores come from.
#[derive(Default)]
pub struct ComplianceView {
    pub nis2: Vec<Nis2Row>,
    pub figures: Vec<ComplianceFigure>,
    pub charts: Vec<BarChart>,
    pub letter_sources: Vec<String>,
    pub has_assessments: bool,
}

/// Sums of one Art. 21(2) letter over entities.
#[derive(Default, Clone, Copy)]
struct LetterSum {
    points: f64,
    scored: usize,
}

/// A percent chart whose bars without a score read "—".
fn percent_chart(
    tr: Tr,
    id: &'static str,
    texts: [String; 4],
    points: Vec<(Point, bool)>,
) -> BarChart {
    let (points, unscored): (Vec<Point>, Vec<bool>) = points.into_iter().unzip();
    let mut chart = BarChart::percent(tr, id, texts, points);
    for (bar, none) in chart.bars.iter_mut().zip(unscored) {
        if none {
            bar.value = "—".to_owned();
        }
    }
    chart
}

/// The key of the assessment with most of a count, for drill-down links.
fn most<'a>(per: &'a BTreeMap<&'a str, i64>) -> Option<&'a str> {
    per.iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(id, _)| *id)
}

/// The entities shown, each with its NIS2 class (`None` when its type is unknown).
pub(super) struct Shown<'a> {
    pub entities: &'a [Entity],
    pub classes: &'a [Option<Class>],
    /// The entity the switcher chose, if any (drill-down links keep to it).
    pub only: Option<&'a str>,
}

pub(super) async fn compliance_view(
    state: &AppState,
    auth: &Auth,
    tr: Tr,
    catalog: &Catalog,
    catalog_generation: i64,
    shown: Shown<'_>,
) -> Result<ComplianceView, PageError> {
    let Shown {
        entities,
        classes,
        only,
    } = shown;
    let fail = |e: ApiError| PageError::new(tr, e);
    let store = &state.store;
    let today = store.clock().now().date_naive();
    let mut view = ComplianceView::default();
    let many = entities.len() > 1;
    // The entities' assessments (each read with its versions), then their summaries: cached
    // unless results changed since.
    let reads: Vec<_> = entities
        .iter()
        .map(|e| store.list_assessments(&e.id))
        .collect();
    let lists: Vec<Vec<Assessment>> = futures_util::stream::iter(reads)
        .buffered(super::CONCURRENT_QUERIES)
        .try_collect()
        .await
        .map_err(|e| fail(e.into()))?;
    let lists: Vec<Vec<Assessment>> = lists
        .into_iter()
        .map(|list| {
            list.into_iter()
                .filter(|a| a.status != "archived" && catalog.framework(&a.framework_id).is_some())
                .collect()
        })
        .collect();
    let all: Vec<&Assessment> = lists.iter().flatten().collect();
    view.has_assessments = !all.is_empty();
    let found = summaries(state, catalog, catalog_generation, &all)
        .await
        .map_err(fail)?;
    let summary_of: BTreeMap<&str, &AssessmentSummary> = all
        .iter()
        .zip(&found)
        .map(|(a, s)| (a.id.as_str(), s.as_ref()))
        .collect();

    // Per assessment: (id, label, axis, percent).
    let mut framework_points: Vec<(String, String, String, Option<f64>)> = Vec::new();
    let mut letters: BTreeMap<Art21Letter, LetterSum> = BTreeMap::new();
    let mut letter_href: Option<String> = None;
    // Owner → (gaps, per assessment).
    let mut owners: BTreeMap<&str, (i64, BTreeMap<&str, i64>)> = BTreeMap::new();
    // Due bucket → (gaps, per assessment).
    let mut dues: BTreeMap<DueBucket, (i64, BTreeMap<&str, i64>)> = BTreeMap::new();
    let (mut gaps, mut assessed) = (0i64, 0i64);
    // Per entity: the assessments its NIS2 standing is computed from.
    let mut bases: Vec<Basis> = Vec::with_capacity(entities.len());
    for (entity, assessments) in entities.iter().zip(&lists) {
        let mut with_summaries: Vec<(&Assessment, &AssessmentSummary)> = Vec::new();
        for assessment in assessments {
            let Some(summary) = summary_of.get(assessment.id.as_str()).copied() else {
                continue;
            };
            for (owner, n) in &summary.gaps_by_owner {
                gaps += n;
                let entry = owners.entry(owner.as_str()).or_default();
                entry.0 += n;
                *entry.1.entry(assessment.id.as_str()).or_default() += n;
            }
            for (due, n) in &summary.gaps_by_due {
                let entry = dues
                    .entry(DueBucket::on(today, due.as_deref()))
                    .or_default();
                entry.0 += n;
                *entry.1.entry(assessment.id.as_str()).or_default() += n;
            }
            let o = &summary.overall;
            assessed += len(o.total.saturating_sub(o.not_assessed));
            let framework = framework_name(tr, catalog, &assessment.framework_id);
            let label = if many {
                format!("{framework} — {} ({})", assessment.name, entity.name)
            } else {
                format!("{framework} — {}", assessment.name)
            };
            framework_points.push((assessment.id.clone(), label, framework, o.percent));
            with_summaries.push((assessment, summary));
        }
        bases.push(Basis::pick(catalog, &with_summaries));
    }
    // NIS2: each entity's own results completed by those derived from its ISO/IEC 27001
    // assessment, for its row and the Art. 21(2) chart; cached, else computed a few entities
    // at a time (the derivation marker read once, if any entity derives).
    let marker = if bases.iter().any(|b| b.source.is_some()) {
        Some(
            store
                .derivation_marker()
                .await
                .map_err(|e| fail(e.into()))?,
        )
    } else {
        None
    };
    let work: Vec<_> = entities
        .iter()
        .zip(&bases)
        .map(|(entity, basis)| {
            standing(
                state,
                auth,
                catalog,
                catalog_generation,
                marker,
                entity,
                *basis,
            )
        })
        .collect();
    let standings: Vec<_> = futures_util::stream::iter(work)
        .buffered(super::CONCURRENT_QUERIES)
        .try_collect()
        .await
        .map_err(fail)?;
    let can_create = auth.principal.require(Permission::ComplianceManage).is_ok();
    for ((((entity, assessments), class), basis), merged) in entities
        .iter()
        .zip(&lists)
        .zip(classes)
        .zip(bases)
        .zip(standings)
    {
        view.nis2.push(row(
            tr,
            catalog,
            RowInput {
                entity,
                class: *class,
                assessed: !assessments.is_empty(),
                basis,
                standing: merged.as_deref(),
                today,
                can_create,
            },
        ));
        let Some(merged) = merged else {
            continue;
        };
        let source_name = basis
            .source
            .map(|s| framework_name(tr, catalog, &s.framework_id));
        let (text, href) = match (basis.nis2, merged.counts.own > 0, &source_name) {
            (Some((nis2, _)), true, None) => (
                tr.tf(
                    "dashboard_compliance.letters_own",
                    &[("entity", &entity.name)],
                ),
                format!("/compliance/assessments/{}?art21=", nis2.id),
            ),
            (_, true, Some(framework)) => (
                tr.tf(
                    "dashboard_compliance.letters_merged",
                    &[("entity", &entity.name), ("framework", framework)],
                ),
                format!(
                    "/compliance/assessments/{}/reuse?target={NIS2_2024_2690}&art21=",
                    basis.source.map_or("", |s| s.id.as_str())
                ),
            ),
            (_, false, Some(framework)) => (
                tr.tf(
                    "dashboard_compliance.letters_derived",
                    &[("entity", &entity.name), ("framework", framework)],
                ),
                format!(
                    "/compliance/assessments/{}/gaps?target={NIS2_2024_2690}&art21=",
                    basis.source.map_or("", |s| s.id.as_str())
                ),
            ),
            // A NIS2 assessment without results and nothing to derive from: no score.
            (_, false, None) | (None, true, None) => continue,
        };
        view.letter_sources.push(text);
        letter_href.get_or_insert(href);
        for l in &merged.scores.by_letter {
            let sum = letters.entry(l.letter).or_default();
            sum.points += l.score.points;
            sum.scored += l.score.scored;
        }
    }
    if !view.has_assessments {
        return Ok(view);
    }

    // Compliance per framework (one bar per assessment).
    let count = framework_points.len();
    let points = framework_points
        .into_iter()
        .map(|(id, label, framework, percent)| {
            (
                Point {
                    axis: axis_text(&framework, count),
                    label,
                    value: rounded_percent(percent).unwrap_or(0),
                    href: format!("/compliance/assessments/{id}"),
                    class: "score",
                },
                percent.is_none(),
            )
        })
        .collect();
    view.charts.push(percent_chart(
        tr,
        "chart-frameworks",
        [
            tr.t("dashboard_compliance.per_framework").to_owned(),
            tr.t("dashboard_compliance.per_framework_desc").to_owned(),
            tr.t("dashboard_compliance.assessment").to_owned(),
            tr.t("dashboard_compliance.score").to_owned(),
        ],
        points,
    ));

    // Compliance per Art. 21(2) measure.
    if !letters.is_empty() {
        let base = letter_href.unwrap_or_else(|| "/compliance/assessments".to_owned());
        let points = Art21Letter::all()
            .map(|letter| {
                let code = letter.to_string();
                let sum = letters.get(&letter).copied().unwrap_or_default();
                let percent = (sum.scored > 0).then(|| sum.points / sum.scored as f64 * 100.0);
                (
                    Point {
                        label: format!("({code}) {}", tr.t(&format!("art21.{code}"))),
                        value: rounded_percent(percent).unwrap_or(0),
                        href: if base.ends_with('=') {
                            format!("{base}{code}")
                        } else {
                            base.clone()
                        },
                        class: "score",
                        axis: Some(format!("({code})")),
                    },
                    percent.is_none(),
                )
            })
            .collect();
        view.charts.push(percent_chart(
            tr,
            "chart-letters",
            [
                tr.t("dashboard_compliance.per_letter").to_owned(),
                tr.t("dashboard_compliance.per_letter_desc").to_owned(),
                tr.t("dashboard_compliance.measure").to_owned(),
                tr.t("dashboard_compliance.score").to_owned(),
            ],
            points,
        ));
    }

    // The week's result changes are in the audit trail, for those who may read it.
    let can_audit = auth
        .principal
        .require(hygeia_domain::access::Permission::AuditRead)
        .is_ok();
    view.charts
        .push(progress_chart(tr, today, &found, can_audit));

    // Open gaps by owner, most first (ten at most).
    let mut by_owner: Vec<(&str, i64, &str)> = owners
        .iter()
        .map(|(owner, (n, per))| (*owner, *n, most(per).unwrap_or_default()))
        .collect();
    by_owner.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    by_owner.truncate(10);
    let owner_count = by_owner.len();
    let points = by_owner
        .into_iter()
        .map(|(owner, n, home)| {
            let (label, href) = if owner.is_empty() {
                (
                    tr.t("dashboard_compliance.unassigned").to_owned(),
                    format!("/compliance/assessments/{home}?result=non_compliant"),
                )
            } else {
                (
                    owner.to_owned(),
                    format!(
                        "/compliance/assessments/{home}?owner={}",
                        crate::ui::url_encode(owner)
                    ),
                )
            };
            Point {
                axis: axis_text(&label, owner_count),
                label,
                value: n,
                href,
                class: "gap",
            }
        })
        .collect();
    view.charts.push(BarChart::new(
        tr,
        "chart-owners",
        tr.t("dashboard_compliance.gaps_by_owner").to_owned(),
        tr.t("dashboard_compliance.gaps_by_owner_desc").to_owned(),
        tr.t("assessment.owner").to_owned(),
        tr.t("dashboard_compliance.gaps").to_owned(),
        points,
    ));

    // Open gaps by due date: each bar opens the assessment with most gaps in that bucket.
    let points = DueBucket::ALL
        .into_iter()
        .map(|bucket| {
            let (n, per) = dues.get(&bucket).cloned().unwrap_or_default();
            let label = tr
                .t(&format!("dashboard_compliance.due_{}", bucket.code()))
                .to_owned();
            Point {
                axis: axis_text(&label, DueBucket::ALL.len()),
                label,
                value: n,
                href: most(&per).map_or_else(
                    || "/compliance/assessments".to_owned(),
                    |id| format!("/compliance/assessments/{id}?due={}", bucket.code()),
                ),
                class: if bucket == DueBucket::Overdue {
                    "gap"
                } else {
                    "due"
                },
            }
        })
        .collect();
    view.charts.push(BarChart::new(
        tr,
        "chart-due",
        tr.t("dashboard_compliance.gaps_by_due").to_owned(),
        tr.t("dashboard_compliance.gaps_by_due_desc").to_owned(),
        tr.t("dashboard_compliance.due").to_owned(),
        tr.t("dashboard_compliance.gaps").to_owned(),
        points,
    ));
    let overdue = dues.get(&DueBucket::Overdue).map_or(0, |d| d.0);

    // Evidence expired or expiring within 30 days, counted in the database per entity; each
    // figure links to the first entity (in the dashboard's order) that has some.
    let ids: Vec<&str> = entities.iter().map(|e| e.id.as_str()).collect();
    let counts = store
        .evidence_expiry_counts(&ids)
        .await
        .map_err(|e| fail(e.into()))?;
    let first_with = |pick: fn(&(String, i64, i64)) -> i64| {
        entities
            .iter()
            .find(|e| counts.iter().any(|c| c.0 == e.id && pick(c) > 0))
            .map(|e| e.id.clone())
    };
    let expired: i64 = counts.iter().map(|c| c.1).sum();
    let expiring: i64 = counts.iter().map(|c| c.2).sum();
    let (expired_at, expiring_at) = (first_with(|c| c.1), first_with(|c| c.2));
    // The entity's evidence list in that state.
    let evidence_list = |entity: Option<String>, state: &str| {
        entity.map_or_else(
            || "/compliance/assessments".to_owned(),
            |id| format!("/compliance/evidence?entity={id}&expiry={state}"),
        )
    };
    view.figures = vec![
        ComplianceFigure {
            id: "fig-assessed",
            label: tr.t("dashboard_compliance.assessed").to_owned(),
            value: tr.num(assessed),
            href: only.map_or_else(
                || "/compliance/assessments".to_owned(),
                |id| format!("/compliance/assessments?entity={id}"),
            ),
        },
        ComplianceFigure {
            id: "fig-gaps",
            label: tr.t("dashboard_compliance.open_gaps").to_owned(),
            value: tr.num(gaps),
            href: "#chart-owners".into(),
        },
        ComplianceFigure {
            id: "fig-overdue",
            label: tr.t("dashboard_compliance.overdue").to_owned(),
            value: tr.num(overdue),
            href: "#chart-due".into(),
        },
        ComplianceFigure {
            id: "fig-expired",
            label: tr.t("dashboard_compliance.expired").to_owned(),
            value: tr.num(expired),
            href: evidence_list(expired_at, "expired"),
        },
        ComplianceFigure {
            id: "fig-expiring",
            label: tr.t("dashboard_compliance.expiring").to_owned(),
            value: tr.num(expiring),
            href: evidence_list(expiring_at, "expiring_soon"),
        },
    ];
    Ok(view)
}

/// The score over all assessments at the end of each of the last twelve weeks (the last one
/// ending today), replayed from the results' history: compliant counts fully, partially
/// compliant half, over the requirements of the assessments that had results by then.
fn progress_chart(
    tr: Tr,
    today: chrono::NaiveDate,
    found: &[std::sync::Arc<AssessmentSummary>],
    can_audit: bool,
) -> BarChart {
    let points = (0..WEEKS)
        .map(|week| {
            let end = today - chrono::Duration::days(7 * (WEEKS - 1 - week));
            let start = end - chrono::Duration::days(6);
            let end_text = end.format("%Y-%m-%d").to_string();
            let (mut points, mut scored) = (0.0f64, 0usize);
            for summary in found {
                // The last day with a change on or before the week's end.
                let Some(p) = summary
                    .trend
                    .iter()
                    .take_while(|p| p.date.as_str() <= end_text.as_str())
                    .last()
                else {
                    continue;
                };
                points += p.compliant as f64 + p.partially_compliant as f64 / 2.0;
                scored += p.compliant + p.partially_compliant + p.non_compliant + p.not_assessed;
            }
            let percent = (scored > 0).then(|| points / scored as f64 * 100.0);
            let date = tr.date(&end_text);
            (
                Point {
                    label: tr.tf("dashboard_compliance.week_ending", &[("date", &date)]),
                    value: rounded_percent(percent).unwrap_or(0),
                    href: if can_audit {
                        format!(
                            "/audit?action=result.set&from={}&to={end_text}",
                            start.format("%Y-%m-%d")
                        )
                    } else {
                        "/compliance/assessments".to_owned()
                    },
                    class: "score",
                    axis: (week % 3 == 2).then_some(date),
                },
                percent.is_none(),
            )
        })
        .collect();
    percent_chart(
        tr,
        "chart-progress",
        [
            tr.t("dashboard_compliance.progress").to_owned(),
            tr.t("dashboard_compliance.progress_desc").to_owned(),
            tr.t("dashboard_compliance.week").to_owned(),
            tr.t("dashboard_compliance.score").to_owned(),
        ],
        points,
    )
}
