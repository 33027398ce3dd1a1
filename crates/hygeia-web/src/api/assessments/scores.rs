//! Compliance scores per framework, per Art. 21(2) letter and per entity, and the trend
//! replayed from the results' history.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use hygeia_catalog::Catalog;
use hygeia_compliance::{ResultValue, Scores, SourceResult, score_results, score_view};
use hygeia_domain::access::Permission;
use hygeia_store::assessments::{Assessment, HistoryEntry};
use serde::{Deserialize, Serialize};

use super::reuse::{derive_view, source_results};
use super::{assessment_for, compliance_error, entity_in_scope};
use crate::AppState;
use crate::api::ApiQuery;
use crate::auth::Auth;
use crate::error::ApiResult;

/// The score at the end of one day on which results changed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TrendPoint {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub percent: Option<f64>,
    pub compliant: usize,
    pub partially_compliant: usize,
    pub non_compliant: usize,
    pub not_assessed: usize,
    /// Observations of the automated checks open for the assessment's entity at the end of
    /// that day (the automated part of the trend); absent where not read.
    pub open_observations: Option<i64>,
}

/// An assessment's scores and how they evolved.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AssessmentScores {
    pub assessment_id: String,
    /// Scores of the assessment's own results (overall and per Art. 21(2) letter).
    #[schema(value_type = Object)]
    pub scores: Scores,
    /// With `target`: scores of the view derived for that framework.
    #[schema(value_type = Option<Object>)]
    pub derived: Option<Scores>,
    pub trend: Vec<TrendPoint>,
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScoreQuery {
    /// Also score the view derived for this framework (e.g. `nis2-2024-2690`).
    pub target: Option<String>,
}

fn score_stored(
    catalog: &Catalog,
    framework_id: &str,
    results: &[SourceResult],
) -> ApiResult<Scores> {
    score_results(catalog, framework_id, results).map_err(compliance_error)
}

/// Replays the history day by day: the score at the end of each day with a change.
pub(crate) fn trend(
    catalog: &Catalog,
    framework_id: &str,
    history: &[HistoryEntry],
) -> ApiResult<Vec<TrendPoint>> {
    let Some(framework) = catalog.framework(framework_id) else {
        return Ok(Vec::new());
    };
    let mut current: BTreeMap<&str, ResultValue> = BTreeMap::new();
    let mut points = Vec::new();
    let mut index = 0;
    while let Some(first) = history.get(index) {
        let day = first.at.get(..10).unwrap_or_default().to_owned();
        while let Some(entry) = history.get(index)
            && entry.at.starts_with(&day)
        {
            if framework
                .requirement(&entry.requirement_id)
                .is_some_and(|r| r.assessable)
            {
                current.insert(entry.requirement_id.as_str(), entry.value);
            }
            index += 1;
        }
        // History keeps values only; a not-applicable result was justified when written.
        let results: Vec<SourceResult> = current
            .iter()
            .map(|(id, value)| match value {
                ResultValue::NotApplicable => SourceResult::not_applicable(*id, "recorded"),
                other => SourceResult::new(*id, *other),
            })
            .collect();
        let s = score_stored(catalog, framework_id, &results)?.overall;
        points.push(TrendPoint {
            date: day,
            percent: s.percent,
            compliant: s.compliant,
            partially_compliant: s.partially_compliant,
            non_compliant: s.non_compliant,
            not_assessed: s.not_assessed,
            open_observations: None,
        });
    }
    Ok(points)
}

async fn scores_of(
    state: &AppState,
    catalog: &Catalog,
    assessment: &Assessment,
) -> ApiResult<Scores> {
    let results = source_results(
        catalog,
        assessment,
        state.store.results(&assessment.id).await?,
    );
    score_stored(catalog, &assessment.framework_id, &results)
}

/// Scores of an assessment (per framework and per Art. 21(2) letter), optionally of the view
/// derived for a target framework, and the trend.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/scores", tag = "compliance",
    params(ScoreQuery),
    responses((status = 200, body = AssessmentScores)), security(("bearer" = []), ("session" = [])))]
pub async fn assessment_scores(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
    ApiQuery(query): ApiQuery<ScoreQuery>,
) -> ApiResult<Json<AssessmentScores>> {
    let assessment = assessment_for(&state, &auth, &id, Permission::ComplianceRead).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let scores = scores_of(&state, &catalog, &assessment).await?;
    let derived = match &query.target {
        Some(target) => {
            let view = derive_view(&state, &auth, &catalog, &assessment, target).await?;
            Some(score_view(&catalog, &view).map_err(compliance_error)?)
        }
        None => None,
    };
    let history = state.store.result_history(&id).await?;
    let mut trend = trend(&catalog, &assessment.framework_id, &history)?;
    let ends: Vec<String> = trend
        .iter()
        .map(|p| format!("{}T23:59:59.999999Z", p.date))
        .collect();
    let open = state
        .store
        .open_observations_at(&auth.principal.scope, Some(&assessment.entity_id), &ends)
        .await?;
    for (point, count) in trend.iter_mut().zip(open) {
        point.open_observations = Some(count);
    }
    Ok(Json(AssessmentScores {
        assessment_id: id,
        scores,
        derived,
        trend,
    }))
}

/// One assessment's line in an entity's scores.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct EntityScore {
    pub assessment_id: String,
    pub name: String,
    pub framework_id: String,
    pub status: String,
    #[schema(value_type = Object)]
    pub scores: Scores,
}

/// Scores of every assessment of the entity (archived ones left out), newest first.
#[utoipa::path(get, path = "/api/v1/entities/{id}/scores", tag = "compliance",
    responses((status = 200, body = Vec<EntityScore>)), security(("bearer" = []), ("session" = [])))]
pub async fn entity_scores(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<EntityScore>>> {
    entity_in_scope(&state, &auth, &id, Permission::ComplianceRead).await?;
    let catalog = state.catalog.current(&state.store).await?;
    let mut lines = Vec::new();
    for assessment in state.store.list_assessments(&id).await? {
        if assessment.status == "archived" || catalog.framework(&assessment.framework_id).is_none()
        {
            continue;
        }
        let scores = scores_of(&state, &catalog, &assessment).await?;
        lines.push(EntityScore {
            assessment_id: assessment.id,
            name: assessment.name,
            framework_id: assessment.framework_id,
            status: assessment.status,
            scores,
        });
    }
    Ok(Json(lines))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn the_trend_replays_changes_day_by_day() {
        let catalog = Catalog::load_embedded().unwrap();
        let entry = |id: &str, value, at: &str| HistoryEntry {
            requirement_id: id.into(),
            value,
            at: at.into(),
        };
        let history = [
            entry(
                "a.5.1",
                ResultValue::NonCompliant,
                "2026-01-05T09:00:00.000000Z",
            ),
            entry(
                "a.5.1",
                ResultValue::Compliant,
                "2026-01-05T10:00:00.000000Z",
            ),
            entry(
                "a.7.4",
                ResultValue::NotApplicable,
                "2026-01-06T09:00:00.000000Z",
            ),
            entry(
                "a.8.22",
                ResultValue::PartiallyCompliant,
                "2026-01-06T11:00:00.000000Z",
            ),
        ];
        let points = trend(&catalog, "iso27001-2022", &history).unwrap();
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].date, "2026-01-05");
        assert_eq!((points[0].compliant, points[0].non_compliant), (1, 0));
        assert_eq!(points[1].partially_compliant, 1);
        assert!(points[1].percent > points[0].percent);
    }
}
