//! Gap analysis and Statement of Applicability, as CSV, XLSX or PDF.

use axum::extract::{Path, State};
use axum::response::Response;
use hygeia_catalog::Catalog;
use hygeia_catalog::ids::NIS2_2024_2690;
use hygeia_compliance::{GapView, ResultValue, ReuseView, ReviewState, SourceAssessment, gap_view};
use hygeia_domain::access::Permission;
use hygeia_domain::validation::FieldError;
use hygeia_report::{GapRow, Language, SoaRow, gap_analysis, statement_of_applicability};
use hygeia_store::assessments::Assessment;
use serde::Deserialize;

use super::reuse::{derive_view, suggestions};
use super::{assessment_for, compliance_error};
use crate::AppState;
use crate::api::ApiQuery;
use crate::api::download::{attachment, table_format};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::reports::tables;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` (default), `xlsx`, or `pdf` (typeset, landscape).
    pub format: Option<String>,
    /// For the gap analysis: the target framework (default `nis2-2024-2690`).
    pub target: Option<String>,
    /// Language of titles and suggestions: `en` (default) or `fr`.
    pub lang: Option<String>,
}

/// The source assessment's cells of every gap-analysis row: name, status (loud when not
/// completed), scope, date, whether its scope is attested.
fn source_cells(source: Option<&SourceAssessment>) -> [String; 5] {
    let Some(s) = source else {
        return Default::default();
    };
    [
        format!("{} ({})", s.name, s.assessment_id),
        if s.completed() {
            s.status.clone()
        } else {
            format!("NOT COMPLETED ({})", s.status)
        },
        s.scope.clone(),
        s.date.clone(),
        if s.scope_attested { "yes" } else { "NO" }.to_owned(),
    ]
}

/// The pairs behind a derived result that the organisation refined, labelled as such.
fn refined_pairs(view: &ReuseView, requirement_id: &str) -> String {
    let mut labels: Vec<String> = Vec::new();
    for p in view.get(requirement_id).map_or(&[][..], |d| &d.provenance) {
        if let ReviewState::Refined { rationale, .. } = &p.review {
            let label = format!(
                "{}: refined by the organisation ({} → {}): {rationale}",
                p.source_ref,
                p.shipped_relationship.code(),
                p.relationship.code()
            );
            if !labels.contains(&label) {
                labels.push(label);
            }
        }
    }
    labels.join("; ")
}

/// A coded value as a French reader reads it (`non_compliant` → « non conforme »); English
/// exports keep the stable codes that scripts and spreadsheets filter on.
fn value_in(lang: &str, section: &str, code: &str) -> String {
    if lang == "fr" {
        crate::ui::i18n::Tr::new(crate::ui::i18n::Lang::Fr).label(section, code)
    } else {
        code.to_owned()
    }
}

fn gap_rows(view: &ReuseView, gaps: &GapView, lang: &str) -> Vec<GapRow> {
    let sources = |requirement_id: &str| -> String {
        view.get(requirement_id)
            .map(|d| {
                d.counted_sources()
                    .into_iter()
                    .map(|(_, reference)| reference)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    let [
        source_assessment,
        source_status,
        source_scope,
        source_date,
        scope_attested,
    ] = source_cells(view.source.as_ref());
    let row = |gap: &hygeia_compliance::Gap| GapRow {
        letters: gap
            .letters
            .iter()
            .map(|l| l.as_char().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        reference: gap.reference.clone(),
        title: gap.title.get(lang).to_owned(),
        kind: value_in(lang, "gaps.kind", &code(&gap.kind)),
        derived_value: value_in(lang, "reuse.value", gap.value.code()),
        rule: gap.rule.code().to_owned(),
        sources: sources(&gap.requirement_id),
        suggested_control: gap.suggestion.text.get(lang).to_owned(),
        refined_pairs: refined_pairs(view, &gap.requirement_id),
        source_assessment: source_assessment.clone(),
        source_status: source_status.clone(),
        source_scope: source_scope.clone(),
        source_date: source_date.clone(),
        scope_attested: scope_attested.clone(),
    };
    // Exactly one row per requirement, in the target framework's order, even when it serves
    // several Art. 21(2) letters.
    let mut seen = std::collections::HashSet::new();
    let mut gaps_once: Vec<&hygeia_compliance::Gap> = gaps
        .letters
        .iter()
        .flat_map(|l| &l.gaps)
        .chain(&gaps.without_letter)
        .filter(|g| seen.insert(g.requirement_id.as_str()))
        .collect();
    let order: std::collections::HashMap<&str, usize> = view
        .derived
        .iter()
        .enumerate()
        .map(|(i, d)| (d.requirement_id.as_str(), i))
        .collect();
    gaps_once.sort_by_key(|g| order.get(g.requirement_id.as_str()).copied());
    gaps_once.into_iter().map(row).collect()
}

/// Lines written after the rows: the source assessment, loud warnings when it is not completed
/// or its scope is not attested, and every organisation-refined pair the derivation used (a
/// refinement may have made a requirement compliant, which then has no row).
fn source_notes(view: &ReuseView, lang: &str) -> Vec<String> {
    let fr = lang == "fr";
    let mut lines = Vec::new();
    if let Some(s) = &view.source {
        let scope = if s.scope.trim().is_empty() {
            if fr {
                "(non indiqué)"
            } else {
                "(none stated)"
            }
        } else {
            s.scope.as_str()
        };
        lines.push(if fr {
            format!(
                "Déduit de l'évaluation « {} » ({}), statut {}, périmètre : {scope}, datée du {}.",
                s.name, s.assessment_id, s.status, s.date
            )
        } else {
            format!(
                "Derived from the assessment \"{}\" ({}), status {}, scope: {scope}, dated {}.",
                s.name, s.assessment_id, s.status, s.date
            )
        });
        if !s.completed() {
            lines.push(if fr {
                "ATTENTION : l'évaluation source n'est pas terminée ; chaque résultat déduit est \
                 provisoire."
                    .to_owned()
            } else {
                "WARNING: the source assessment is not completed; every derived result is \
                 provisional."
                    .to_owned()
            });
        }
        if !s.scope_attested {
            lines.push(if fr {
                "ATTENTION : personne n'a attesté que le périmètre source couvre toute l'entité."
                    .to_owned()
            } else {
                "WARNING: nobody attested that the source scope covers the whole entity.".to_owned()
            });
        }
    }
    let mut refined: Vec<String> = Vec::new();
    for d in &view.derived {
        let label = refined_pairs(view, &d.requirement_id);
        if !label.is_empty() {
            refined.push(format!("{} ← {label}", d.reference));
        }
    }
    if !refined.is_empty() {
        lines.push(format!(
            "{}: {}",
            if fr {
                "Correspondances affinées par l'organisation (pas la table publiée)"
            } else {
                "Organisation-refined pairs (not the published crosswalk)"
            },
            refined.join(" | ")
        ));
    }
    lines
}

fn code<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

async fn soa_rows(
    state: &AppState,
    catalog: &Catalog,
    assessment: &Assessment,
    lang: &str,
) -> ApiResult<Vec<SoaRow>> {
    let framework = catalog
        .framework(&assessment.framework_id)
        .ok_or_else(|| ApiError::internal("the assessed framework left the catalog"))?;
    let results = state.store.results(&assessment.id).await?;
    let controls = state
        .store
        .controls_by_requirement(&assessment.entity_id, &assessment.framework_id)
        .await?;
    let evidence = state
        .store
        .evidence_by_requirement(&assessment.entity_id, &assessment.framework_id)
        .await?;
    Ok(framework
        .assessable()
        .map(|requirement| {
            let result = results.iter().find(|r| r.requirement_id == requirement.id);
            let value = result.map(|r| r.value).unwrap_or_default();
            let applicable = value != ResultValue::NotApplicable;
            let justification = if applicable {
                result.and_then(|r| r.notes.clone()).unwrap_or_default()
            } else {
                result
                    .and_then(|r| r.justification.clone())
                    .unwrap_or_default()
            };
            SoaRow {
                reference: requirement.reference.clone(),
                title: requirement.title.get(lang).to_owned(),
                applicable: value_in(
                    lang,
                    "export.applicable",
                    if applicable { "yes" } else { "no" },
                ),
                justification,
                result: value_in(lang, "assessment.value", value.code()),
                controls: controls
                    .get(&requirement.id)
                    .map(|cs| {
                        cs.iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                owner: result.and_then(|r| r.owner.clone()).unwrap_or_default(),
                evidence: evidence.get(&requirement.id).map_or(0, Vec::len),
            }
        })
        .collect())
}

/// Who to credit in an export: the crosswalks the derivation used (ENISA, NIST…) with their
/// licences, and the framework's own notice.
fn credits(
    catalog: &hygeia_catalog::Catalog,
    framework_id: &str,
    mapping_sets: &[String],
    lang: &str,
) -> Vec<String> {
    let mut lines = Vec::new();
    for id in mapping_sets {
        if let Some(set) = catalog.mapping_set(id) {
            let meta = &set.meta;
            let parts: Vec<&str> = [
                meta.source.as_str(),
                meta.licence.as_str(),
                meta.attribution.as_str(),
            ]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
            lines.push(format!("{}: {}", meta.title.get(lang), parts.join("; ")));
        }
    }
    if let Some(notice) = catalog
        .framework(framework_id)
        .and_then(|f| f.meta.notice.as_ref())
    {
        lines.push(notice.get(lang).to_owned());
    }
    lines.push(if lang == "fr" {
        "Résumés des exigences rédigés par Hygeia avec ses propres mots (Apache-2.0).".to_owned()
    } else {
        "Requirement summaries written by Hygeia in its own words (Apache-2.0).".to_owned()
    });
    lines
}

/// What the export is: entity, assessment, framework (and target), date and author.
async fn about(
    state: &AppState,
    auth: &Auth,
    catalog: &Catalog,
    assessment: &Assessment,
    kind: &str,
    query: &ExportQuery,
    lang: &str,
) -> ApiResult<Vec<(String, String)>> {
    let fr = lang == "fr";
    let label = |en: &str, fr_text: &str| if fr { fr_text } else { en }.to_owned();
    let name = |id: &str| {
        catalog
            .framework(id)
            .map_or_else(|| id.to_owned(), |f| f.meta.name.get(lang).to_owned())
    };
    let entity = state.store.entity(&assessment.entity_id).await?;
    let mut about = vec![
        (label("Entity", "Entité"), entity.name),
        (
            label("Assessment", "Évaluation"),
            format!("{} ({})", assessment.name, assessment.id),
        ),
        (
            label("Framework", "Référentiel"),
            name(&assessment.framework_id),
        ),
    ];
    if kind == "gap-analysis" {
        about.push((
            label("Target framework", "Référentiel cible"),
            name(query.target.as_deref().unwrap_or(NIS2_2024_2690)),
        ));
    }
    about.push((
        label("Exported on", "Exporté le"),
        hygeia_domain::clock::format_instant(state.store.clock().now()),
    ));
    about.push((
        label("Exported by", "Exporté par"),
        format!("{} <{}>", auth.user.display_name, auth.user.email),
    ));
    Ok(about)
}

/// Export the assessment: `gap-analysis` (the remaining gaps towards `target`, by Art. 21(2)
/// letter, with sources and suggested controls) or `soa` (Statement of Applicability of the
/// assessed framework), as CSV, XLSX or PDF (the same rows typeset, the figures first).
#[utoipa::path(get, path = "/api/v1/assessments/{id}/exports/{kind}", tag = "compliance",
    params(("kind" = String, Path, description = "`gap-analysis` or `soa`"), ExportQuery),
    responses((status = 200, description = "The file (text/csv, XLSX or PDF)"),
        (status = 400, body = crate::error::Problem)),
    security(("bearer" = []), ("session" = [])))]
pub async fn export_assessment(
    State(state): State<AppState>,
    auth: Auth,
    Path((id, kind)): Path<(String, String)>,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> ApiResult<Response> {
    let assessment = assessment_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    let pdf = query
        .format
        .as_deref()
        .is_some_and(|f| f.trim().eq_ignore_ascii_case("pdf"));
    let format = if pdf {
        None
    } else {
        Some(table_format(query.format.as_deref()).map_err(|_| {
            ApiError::field_error(FieldError::one_of("format", &["csv", "xlsx", "pdf"]))
        })?)
    };
    let lang = match query.lang.as_deref() {
        Some("fr") => "fr",
        _ => "en",
    };
    let catalog = state.catalog.current(&state.store).await?;
    let mut notes = Vec::new();
    let (mut table, stem, credited, layout) = match kind.as_str() {
        "gap-analysis" => {
            let target = query.target.as_deref().unwrap_or(NIS2_2024_2690);
            let view = derive_view(&state, &auth, &catalog, &assessment, target).await?;
            let gaps = gap_view(&catalog, &view, suggestions()?).map_err(compliance_error)?;
            let sets = view.mapping_sets.clone();
            notes = source_notes(&view, lang);
            (
                gap_analysis(&gap_rows(&view, &gaps, lang), Language::from_code(lang)),
                "gap-analysis",
                sets,
                &tables::GAPS,
            )
        }
        "soa" => (
            statement_of_applicability(
                &soa_rows(&state, &catalog, &assessment, lang).await?,
                Language::from_code(lang),
            ),
            "statement-of-applicability",
            Vec::new(),
            &tables::SOA,
        ),
        _ => {
            return Err(ApiError::field_error(FieldError::one_of(
                "kind",
                &["gap-analysis", "soa"],
            )));
        }
    };
    notes.extend(credits(&catalog, &assessment.framework_id, &credited, lang));
    table.credits = notes;
    table.about = about(&state, &auth, &catalog, &assessment, &kind, &query, lang).await?;
    let (bytes, extension, media_type) = match format {
        Some(format) => (
            format.write(&table).map_err(ApiError::internal)?,
            format.extension(),
            format.media_type(),
        ),
        None => {
            let entity = state.store.entity(&assessment.entity_id).await?;
            let day = state.store.clock().now().format("%Y-%m-%d").to_string();
            let tr = crate::ui::i18n::Tr::new(crate::ui::i18n::Lang::from_code(lang));
            let bytes = tables::table_pdf(&table, layout, (&entity.name, &day), tr).await?;
            (bytes, "pdf", "application/pdf")
        }
    };
    state
        .store
        .record_access(
            &auth.actor,
            "export.download",
            ("assessment", &assessment.id),
            Some(&assessment.entity_id),
            serde_json::json!({ "kind": stem, "format": extension, "rows": table.rows.len() }),
        )
        .await?;
    attachment(
        bytes,
        media_type,
        &format!("{stem}-{}.{extension}", assessment.id),
    )
}
