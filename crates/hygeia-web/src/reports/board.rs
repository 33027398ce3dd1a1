//! The management body's report of one entity (issue 16, item 4), typeset as PDF by the
//! binary: the entity's NIS2 class and what Art. 20 makes the management body answerable for,
//! compliance per Art. 21(2) measure with its trend, open gaps and overdue actions, what the
//! automated checks observe, approvals, training and policies, the top risks and the incidents — each part from the records the
//! reader may see. The entity's name and the date head every page.

use chrono::NaiveDate;
use hygeia_catalog::Catalog;
use hygeia_catalog::ids::{ISO27001_2022, NIS2_2024_2690};
use hygeia_compliance::{DerivedOutcome, ResultValue, Score, merge};
use hygeia_domain::access::{EntityScope, Permission, Principal};
use hygeia_store::assessments::Assessment;
use hygeia_store::checks::ObservationFilter;
use hygeia_store::{Entity, PageRequest};

use crate::AppState;
use crate::api::assessments::compliance_error;
use crate::api::assessments::reuse::{derive_view_of, source_results};
use crate::api::assessments::scores::trend;
use crate::error::{ApiError, ApiResult};
use crate::ui::i18n::Tr;

/// How many trend points, overdue actions and top risks the report lists at most.
const TREND_POINTS: usize = 6;
const LISTED: usize = 10;
const TOP_RISKS: usize = 5;

/// The report of `entity_id` as a typeset PDF in `lang` (`fr`, else English), with its file
/// name.
pub async fn board_pdf(
    state: &AppState,
    principal: &Principal,
    entity_id: &str,
    lang: &str,
) -> ApiResult<(String, Vec<u8>)> {
    let tr = Tr::new(crate::ui::i18n::Lang::from_code(lang));
    let doc = board_document(state, principal, entity_id, tr).await?;
    let day = state.store.clock().now().format("%Y-%m-%d").to_string();
    let pdf = tokio::task::spawn_blocking(move || hygeia_pdf::render(&doc))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)?;
    Ok((format!("board-report-{day}.pdf"), pdf))
}

/// The report as a document to typeset.
pub(crate) async fn board_document(
    state: &AppState,
    principal: &Principal,
    entity_id: &str,
    tr: Tr,
) -> ApiResult<hygeia_pdf::ReportDocument> {
    principal.require(Permission::ComplianceRead)?;
    if !principal.scope.contains(entity_id) {
        return Err(hygeia_store::StoreError::NotFound {
            what: "entity",
            id: entity_id.to_owned(),
        }
        .into());
    }
    let store = &state.store;
    let entity = store.entity(entity_id).await?;
    let catalog = state.catalog.current(store).await?;
    let now = store.clock().now();
    let today = now.date_naive();
    let class = crate::api::entities::classify_stored(state, &entity).await?;
    let class_text = class.as_ref().map_or_else(
        || tr.t("board_report.unclassified").to_owned(),
        |c| {
            format!(
                "{} — {}",
                tr.t(&format!("nis2.class.{}", c.classification.code())),
                tr.pick(&c.entity_type_label_en, &c.entity_type_label_fr)
            )
        },
    );
    let mut sections = vec![section(
        tr,
        "duties",
        format!("{class_text}\n\n{}", tr.t("board_report.duties_text")),
    )];
    let assessments: Vec<Assessment> = store
        .list_assessments(entity_id)
        .await?
        .into_iter()
        .filter(|a| a.status != "archived")
        .collect();
    let basis = Basis::pick(store, &assessments).await?;
    if basis.nis2.is_none() && basis.source.is_none() {
        sections.push(section(
            tr,
            "measures",
            tr.t("board_report.no_assessment").to_owned(),
        ));
    } else {
        let organisation = &principal.organisation_id;
        sections.extend(measures(state, organisation, &catalog, &basis, tr, today).await?);
    }
    sections.push(observations(state, principal, entity_id, tr).await?);
    if principal.require(Permission::GovernanceRead).is_ok() {
        sections.push(super::governance::section(state, principal, entity_id, tr).await?);
    }
    if principal.require(Permission::RiskRead).is_ok() {
        sections.push(risks(state, principal, entity_id, tr).await?);
    }
    if principal.require(Permission::IncidentRead).is_ok() {
        let overview = store
            .incident_overview(&principal.scope, Some(entity_id))
            .await?;
        let text = tr.tf(
            "board_report.incidents_text",
            &[
                ("ongoing", &tr.num(overview.ongoing)),
                ("overdue", &tr.num(overview.overdue)),
            ],
        );
        sections.push(section(tr, "incidents", text));
    }
    let date = tr.date(&today.format("%Y-%m-%d").to_string());
    Ok(hygeia_pdf::ReportDocument {
        language: tr.code().to_owned(),
        title: tr.t("board_report.title").to_owned(),
        subtitle: format!("{} · {date}", entity.name),
        identity: identity(tr, &entity, &class_text),
        header: format!("{} — {} — {date}", entity.name, tr.t("board_report.title")),
        meta: vec![
            (
                tr.t("board_report.generated_at").to_owned(),
                format!(
                    "{} UTC",
                    tr.datetime(&hygeia_domain::clock::format_instant(now))
                ),
            ),
            (
                tr.t("board_report.assessment").to_owned(),
                [basis.nis2, basis.source]
                    .iter()
                    .flatten()
                    .map(|a| a.name.clone())
                    .collect::<Vec<_>>()
                    .join(" · "),
            ),
        ],
        sections,
        footer_note: format!("Hygeia · {}", entity.name),
        landscape: false,
    })
}

fn section(tr: Tr, key: &str, text: String) -> hygeia_pdf::Section {
    hygeia_pdf::Section {
        label: tr.t(&format!("board_report.{key}")).to_owned(),
        text,
        table: None,
    }
}

fn identity(tr: Tr, entity: &Entity, class: &str) -> Vec<(String, String)> {
    let mut lines = vec![
        (tr.t("board_report.entity").to_owned(), entity.name.clone()),
        (
            tr.t("board_report.country").to_owned(),
            entity.country.clone(),
        ),
        (tr.t("board_report.class").to_owned(), class.to_owned()),
    ];
    if let Some(number) = &entity.registration_number {
        lines.push((tr.t("board_report.registration").to_owned(), number.clone()));
    }
    lines
}

/// One score in words: "64 % — 12 compliant, 3 partially, 2 non-compliant, 3 not assessed".
fn score_line(tr: Tr, score: &Score) -> String {
    tr.tf(
        "board_report.score",
        &[
            ("percent", &percent(tr, score.percent)),
            ("compliant", &tr.unum(score.compliant as u64)),
            ("partial", &tr.unum(score.partially_compliant as u64)),
            ("non", &tr.unum(score.non_compliant as u64)),
            // Left to a derived "no coverage", a requirement is still to assess.
            (
                "open",
                &tr.unum((score.not_assessed + score.no_coverage) as u64),
            ),
        ],
    )
}

/// What the NIS2 standing is read from: the entity's own NIS2 (2024/2690) assessment, and the
/// assessment its results are derived from (ISO/IEC 27001), each the newest with results.
struct Basis<'a> {
    nis2: Option<&'a Assessment>,
    source: Option<&'a Assessment>,
}

impl<'a> Basis<'a> {
    async fn pick(store: &hygeia_store::Store, assessments: &'a [Assessment]) -> ApiResult<Self> {
        let mut nis2 = None;
        let mut source = None;
        for a in assessments {
            let wanted = match a.framework_id.as_str() {
                NIS2_2024_2690 => &mut nis2,
                ISO27001_2022 => &mut source,
                _ => continue,
            };
            if wanted.is_none() && !store.results(&a.id).await?.is_empty() {
                *wanted = Some(a);
            }
        }
        let nis2 = nis2.or_else(|| {
            assessments
                .iter()
                .find(|a| a.framework_id == NIS2_2024_2690)
        });
        Ok(Basis { nis2, source })
    }
}

/// Compliance per Art. 21(2) measure — the entity's own NIS2 results merged with those its
/// ISO/IEC 27001 results carry over — its trend, and the gaps still open.
async fn measures(
    state: &AppState,
    organisation_id: &str,
    catalog: &Catalog,
    basis: &Basis<'_>,
    tr: Tr,
    today: NaiveDate,
) -> ApiResult<Vec<hygeia_pdf::Section>> {
    let stored = match basis.nis2 {
        Some(a) => state.store.results(&a.id).await?,
        None => Vec::new(),
    };
    let own = match basis.nis2 {
        Some(a) => source_results(catalog, a, stored.clone()),
        None => Vec::new(),
    };
    let derived = match basis.source {
        Some(source) => {
            let view = derive_view_of(state, organisation_id, catalog, source, NIS2_2024_2690);
            DerivedOutcome::of_view(&view.await?)
        }
        None => Vec::new(),
    };
    let merged = merge(catalog, NIS2_2024_2690, &own, &derived).map_err(compliance_error)?;
    let gap_count = merged.results.iter().filter(|r| is_gap(r.value)).count();
    let scores = merged.scores;
    let mut lines = vec![tr.tf(
        "board_report.basis",
        &[
            ("own", &tr.unum(merged.counts.own as u64)),
            ("derived", &tr.unum(merged.counts.derived as u64)),
        ],
    )];
    lines.push(measure_line(
        tr,
        tr.t("board_report.overall"),
        &scores.overall,
    ));
    for letter in scores.by_letter.iter().filter(|l| l.score.total > 0) {
        let label = format!(
            "({}) {}",
            letter.letter,
            tr.t(&format!("art21.{}", letter.letter.as_char()))
        );
        lines.push(measure_line(tr, &label, &letter.score));
    }
    let trend_text = match basis.nis2 {
        Some(a) => trend_lines(state, catalog, a, tr).await?,
        None => Vec::new(),
    };
    let today_text = today.format("%Y-%m-%d").to_string();
    let late: Vec<_> = stored
        .iter()
        .filter(|r| is_gap(r.value))
        .filter(|r| r.due_on.as_deref().is_some_and(|d| d < today_text.as_str()))
        .collect();
    let overdue: Vec<String> = late
        .iter()
        .take(LISTED)
        .map(|r| {
            format!(
                "{} — {} — {}",
                r.requirement_id,
                r.owner.as_deref().unwrap_or("—"),
                r.due_on.as_deref().map(|d| tr.date(d)).unwrap_or_default()
            )
        })
        .collect();
    let gaps_text = tr.tf(
        "board_report.gaps_text",
        &[
            ("gaps", &tr.unum(gap_count as u64)),
            ("overdue", &tr.unum(late.len() as u64)),
        ],
    );
    Ok(vec![
        section(tr, "measures", lines.join("\n")),
        section(
            tr,
            "trend",
            if trend_text.is_empty() {
                tr.t("board_report.no_trend").to_owned()
            } else {
                trend_text.join("\n")
            },
        ),
        section(
            tr,
            "gaps",
            if overdue.is_empty() {
                gaps_text
            } else {
                format!("{gaps_text}\n\n{}", overdue.join("\n"))
            },
        ),
    ])
}

fn is_gap(value: ResultValue) -> bool {
    matches!(
        value,
        ResultValue::NonCompliant | ResultValue::PartiallyCompliant
    )
}

/// One measure's line: "(a) risk analysis…: 64 % — 12 compliant, …".
fn measure_line(tr: Tr, label: &str, score: &Score) -> String {
    tr.tf(
        "board_report.measure_line",
        &[("label", label), ("score", &score_line(tr, score))],
    )
}

/// The latest days the NIS2 results changed, with the observations open at each day's end.
async fn trend_lines(
    state: &AppState,
    catalog: &Catalog,
    assessment: &Assessment,
    tr: Tr,
) -> ApiResult<Vec<String>> {
    let history = state.store.result_history(&assessment.id).await?;
    let points = trend(catalog, &assessment.framework_id, &history)?;
    let ends: Vec<String> = points
        .iter()
        .map(|p| format!("{}T23:59:59.999999Z", p.date))
        .collect();
    let open = state
        .store
        .open_observations_at(&EntityScope::All, Some(&assessment.entity_id), &ends)
        .await?;
    Ok(points
        .iter()
        .zip(open)
        .rev()
        .take(TREND_POINTS)
        .map(|(p, open)| {
            tr.tf(
                "board_report.trend_point",
                &[
                    ("date", &tr.date(&p.date)),
                    ("percent", &percent(tr, p.percent)),
                    ("observations", &tr.num(open)),
                ],
            )
        })
        .collect())
}

fn percent(tr: Tr, value: Option<f64>) -> String {
    value.map_or_else(
        || "—".to_owned(),
        |p| tr.tf("board_report.percent", &[("value", &format!("{p:.0}"))]),
    )
}

/// The observations the automated checks keep open for the entity.
async fn observations(
    state: &AppState,
    principal: &Principal,
    entity_id: &str,
    tr: Tr,
) -> ApiResult<hygeia_pdf::Section> {
    let filter = ObservationFilter {
        entity_id: Some(entity_id.to_owned()),
        state: Some("open".into()),
        check_ids: None,
    };
    let open = state
        .store
        .list_observations(&principal.scope, &filter)
        .await?;
    if open.is_empty() {
        return Ok(section(
            tr,
            "checks",
            tr.t("board_report.no_observations").to_owned(),
        ));
    }
    let rules = crate::checks::rules(state).await?;
    let lines: Vec<String> = open
        .iter()
        .map(|o| {
            let title = rules
                .iter()
                .find(|r| r.id == o.check_id)
                .map_or(o.check_id.as_str(), |r| r.title.get(tr.code()));
            tr.tf(
                "board_report.observation",
                &[
                    ("severity", &tr.label("checks.severity", &o.severity)),
                    ("check", title),
                    ("count", &tr.num(o.record_count)),
                    ("since", &tr.date(&o.opened_at)),
                ],
            )
        })
        .collect();
    Ok(section(tr, "checks", lines.join("\n")))
}

/// The register in figures and its top risks.
async fn risks(
    state: &AppState,
    principal: &Principal,
    entity_id: &str,
    tr: Tr,
) -> ApiResult<hygeia_pdf::Section> {
    let store = &state.store;
    let overview = store
        .risk_overview(&principal.scope, Some(entity_id))
        .await?;
    let filter = hygeia_store::risks::RiskFilter {
        entity_id: Some(entity_id.to_owned()),
        ..Default::default()
    };
    let top = store
        .list_risks(
            &principal.scope,
            &filter,
            PageRequest::new(Some(TOP_RISKS as i64), None),
        )
        .await?
        .items;
    let (_, matrix) = store.risk_matrix().await?;
    let level = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| matrix.levels.iter().find(|l| &l.id == id))
            .map_or_else(
                || tr.t("board_report.not_rated").to_owned(),
                |l| l.label.get(tr.code()).to_owned(),
            )
    };
    let mut lines = vec![tr.tf(
        "board_report.risks_text",
        &[
            ("risks", &tr.num(overview.risks)),
            ("undecided", &tr.num(overview.undecided)),
            ("overdue", &tr.num(overview.actions_overdue)),
            ("expired", &tr.num(overview.acceptances_expired)),
        ],
    )];
    if !top.is_empty() {
        lines.push(String::new());
    }
    for r in &top {
        let current = r.current_level.clone().or_else(|| r.inherent_level.clone());
        let treatment = r.treatment.as_deref().map_or_else(
            || tr.t("board_report.undecided").to_owned(),
            |t| tr.label("risks.treatment", t),
        );
        lines.push(tr.tf(
            "board_report.risk_line",
            &[
                ("reference", &r.reference),
                ("title", &r.title),
                ("level", &level(&current)),
                ("treatment", &treatment),
            ],
        ));
    }
    Ok(section(tr, "risks", lines.join("\n")))
}
