//! The reporting side of an incident: verdicts with their history, obligations set aside,
//! report drafts with their versions, and submissions (which re-anchor the next stage).

use std::collections::BTreeMap;

use hygeia_catalog::Catalog;
use hygeia_domain::access::EntityScope;
use hygeia_domain::clock::format_instant;
use hygeia_domain::incidents::{Question, Verdict};
use hygeia_domain::validation::{FieldError, Validator};
use serde::Deserialize;
use sqlx::{AnyConnection, Row};

use super::clocks::{EntityContext, ObligationClock, reporting_clocks};
use super::register::{
    check_scope, context_in, incident_in, json, refresh_next_due, set_asides_in, submissions_in,
    verdicts_in,
};
use super::story::add_entry;
use super::{Incident, ReportVersion, SetAside, Submission, VerdictRecord};
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

const MAX_REASONING_CHARS: usize = 5_000;
const MAX_FIELD_CHARS: usize = 50_000;

/// A verdict as a client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerdictInput {
    /// `significant`, `malicious`, `cross_border`, `personal_data` or `high_risk_to_people`.
    pub question: String,
    /// `yes`, `no` or `unknown`.
    pub verdict: String,
    /// Why: required for `yes` and `no`.
    #[serde(default)]
    pub reasoning: String,
}

/// A submission as a client records it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubmissionInput {
    /// When it was sent (RFC 3339 with offset); now when absent.
    #[serde(default)]
    pub submitted_at: Option<String>,
    /// How it was sent (the authority's portal, e-mail, phone…).
    pub channel: String,
    /// The recipient's reference number, if it gave one.
    #[serde(default)]
    pub recipient_reference: String,
    /// The report version sent, if drafted in Hygeia.
    #[serde(default)]
    pub report_version: Option<i64>,
}

/// A report draft as a client saves it.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReportInput {
    /// `en` or `fr`.
    pub language: String,
    /// Field key (of the stage) → text.
    pub fields: BTreeMap<String, String>,
}

/// Everything the reporting view of an incident needs, read at once.
#[derive(Debug, Clone)]
pub struct IncidentReporting {
    pub incident: Incident,
    pub context: EntityContext,
    pub verdicts: Vec<VerdictRecord>,
    pub set_aside: Vec<SetAside>,
    pub submissions: Vec<Submission>,
    pub clocks: Vec<ObligationClock>,
}

fn stage_of<'c>(
    catalog: &'c Catalog,
    obligation_id: &str,
    stage_key: &str,
) -> Result<&'c hygeia_catalog::obligations::ObligationStage> {
    let obligation = catalog
        .obligation(obligation_id)
        .ok_or_else(|| StoreError::not_found("obligation", obligation_id))?;
    obligation
        .stage(stage_key)
        .ok_or_else(|| StoreError::not_found("stage", &format!("{obligation_id}/{stage_key}")))
}

async fn latest_version(
    conn: &mut AnyConnection,
    incident_id: &str,
    obligation_id: &str,
    stage_key: &str,
) -> Result<i64> {
    let v: Option<i64> = sqlx::query_scalar(
        "SELECT MAX(version) FROM incident_reports WHERE incident_id = $1 \
         AND obligation_id = $2 AND stage_key = $3",
    )
    .bind(incident_id)
    .bind(obligation_id)
    .bind(stage_key)
    .fetch_one(&mut *conn)
    .await?;
    Ok(v.unwrap_or(0))
}

impl Store {
    /// The incident with its entity context, verdict history, obligations set aside,
    /// submissions and the clocks of every obligation that concerns it, at the clock's now.
    pub async fn incident_reporting(
        &self,
        scope: &EntityScope,
        catalog: &Catalog,
        id: &str,
    ) -> Result<IncidentReporting> {
        let mut conn = self.reader().acquire().await?;
        let incident = incident_in(&mut conn, id).await?;
        check_scope(scope, &incident)?;
        let context = context_in(&mut conn, &incident.entity_id).await?;
        let verdicts = verdicts_in(&mut conn, id).await?;
        let set_aside = set_asides_in(&mut conn, id).await?;
        let submissions = submissions_in(&mut conn, id).await?;
        let clocks = reporting_clocks(
            catalog,
            &context,
            &incident,
            &verdicts,
            &set_aside,
            &submissions,
            self.clock().now(),
        );
        Ok(IncidentReporting {
            incident,
            context,
            verdicts,
            set_aside,
            submissions,
            clocks,
        })
    }

    /// Records a verdict on one question (the previous ones stay as history), re-computes
    /// the clocks, and notes it in the timeline. Audited `incident.verdict`.
    pub async fn set_incident_verdict(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        catalog: &Catalog,
        id: &str,
        input: &VerdictInput,
    ) -> Result<VerdictRecord> {
        let mut v = Validator::new();
        let question = Question::parse(input.question.trim());
        if question.is_none() {
            v.push(FieldError::one_of(
                "question",
                &Question::ALL.map(Question::code),
            ));
        }
        let verdict = Verdict::parse(input.verdict.trim());
        match verdict {
            None => v.push(FieldError::one_of(
                "verdict",
                &Verdict::ALL.map(Verdict::code),
            )),
            Some(Verdict::Yes | Verdict::No) => {
                v.text("reasoning", &input.reasoning, MAX_REASONING_CHARS)
            }
            Some(Verdict::Unknown) => {
                v.optional_text("reasoning", Some(&input.reasoning), MAX_REASONING_CHARS)
            }
        }
        v.finish()?;
        let (Some(question), Some(verdict)) = (question, verdict) else {
            return Err(StoreError::Corrupt("verdict not read".into()));
        };
        let now = self.now();
        let mut tx = self.begin().await?;
        let incident = incident_in(&mut tx, id).await?;
        check_scope(scope, &incident)?;
        let record = VerdictRecord {
            question: question.code().to_owned(),
            verdict: verdict.code().to_owned(),
            reasoning: input.reasoning.trim().to_owned(),
            decided_by: actor.label.clone(),
            decided_at: now.clone(),
        };
        sqlx::query(
            "INSERT INTO incident_verdicts (id, incident_id, question, verdict, reasoning, \
             decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(new_id())
        .bind(id)
        .bind(&record.question)
        .bind(&record.verdict)
        .bind(&record.reasoning)
        .bind(&record.decided_by)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let text = format!("{}: {}", record.question, record.verdict);
        add_entry(&mut tx, id, &now, "verdict", &text, &actor.label, &now).await?;
        refresh_next_due(&mut tx, catalog, id).await?;
        let change = Change {
            action: "incident.verdict",
            object_type: "incident",
            object_id: id,
            entity_id: Some(&incident.entity_id),
            before: None,
            after: json(&record),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(record)
    }

    /// Sets an obligation aside for an incident (the entity decided it is not owed), with
    /// the reason; or, with `reason` `None`, restores it. Audited `incident.obligation.set_aside`
    /// or `incident.obligation.restore`.
    pub async fn set_obligation_aside(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        catalog: &Catalog,
        id: &str,
        obligation_id: &str,
        reason: Option<&str>,
    ) -> Result<Option<SetAside>> {
        if catalog.obligation(obligation_id).is_none() {
            return Err(StoreError::not_found("obligation", obligation_id));
        }
        if let Some(reason) = reason {
            let mut v = Validator::new();
            v.text("reason", reason, MAX_REASONING_CHARS);
            v.finish()?;
        }
        let now = self.now();
        let mut tx = self.begin().await?;
        let incident = incident_in(&mut tx, id).await?;
        check_scope(scope, &incident)?;
        let before = set_asides_in(&mut tx, id)
            .await?
            .into_iter()
            .find(|s| s.obligation_id == obligation_id);
        sqlx::query(
            "DELETE FROM incident_obligations_set_aside WHERE incident_id = $1 AND obligation_id = $2",
        )
        .bind(id)
        .bind(obligation_id)
        .execute(&mut *tx)
        .await?;
        let after = reason.map(|reason| SetAside {
            obligation_id: obligation_id.to_owned(),
            reason: reason.trim().to_owned(),
            decided_by: actor.label.clone(),
            decided_at: now.clone(),
        });
        if let Some(s) = &after {
            sqlx::query(
                "INSERT INTO incident_obligations_set_aside (incident_id, obligation_id, reason, \
                 decided_by, decided_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(obligation_id)
            .bind(&s.reason)
            .bind(&s.decided_by)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        } else if before.is_none() {
            return Err(StoreError::not_found(
                "obligation set aside",
                &format!("{id}/{obligation_id}"),
            ));
        }
        let (action, text) = match &after {
            Some(s) => (
                "incident.obligation.set_aside",
                format!("{obligation_id}: {}", s.reason),
            ),
            None => ("incident.obligation.restore", obligation_id.to_owned()),
        };
        add_entry(&mut tx, id, &now, "obligation", &text, &actor.label, &now).await?;
        refresh_next_due(&mut tx, catalog, id).await?;
        let change = Change {
            action,
            object_type: "incident",
            object_id: id,
            entity_id: Some(&incident.entity_id),
            before: before.as_ref().and_then(json),
            after: after.as_ref().and_then(json),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Saves a new version of a stage's report draft (audited `incident.report.save`).
    #[allow(clippy::too_many_arguments)]
    pub async fn save_incident_report(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        catalog: &Catalog,
        id: &str,
        obligation_id: &str,
        stage_key: &str,
        input: &ReportInput,
    ) -> Result<ReportVersion> {
        let stage = stage_of(catalog, obligation_id, stage_key)?;
        let mut v = Validator::new();
        let language = input.language.trim();
        if !matches!(language, "en" | "fr") {
            v.push(FieldError::one_of("language", &["en", "fr"]));
        }
        for (key, text) in &input.fields {
            let field = format!("fields.{key}");
            if stage.fields.iter().all(|f| &f.key != key) {
                v.push(FieldError::invalid(
                    &field,
                    &format!("the stage `{stage_key}` has no field `{key}`"),
                ));
            }
            v.optional_text(&field, Some(text), MAX_FIELD_CHARS);
        }
        v.finish()?;
        // Kept in the order of the stage's fields.
        let fields: Vec<(String, String)> = stage
            .fields
            .iter()
            .map(|f| {
                let text = input.fields.get(&f.key).map(|t| t.trim()).unwrap_or("");
                (f.key.clone(), text.to_owned())
            })
            .collect();
        let now = self.now();
        let mut tx = self.begin().await?;
        let incident = incident_in(&mut tx, id).await?;
        check_scope(scope, &incident)?;
        let version = latest_version(&mut tx, id, obligation_id, stage_key).await? + 1;
        let stored =
            serde_json::to_string(&fields).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query(
            "INSERT INTO incident_reports (incident_id, obligation_id, stage_key, version, \
             language, fields, saved_by, saved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(obligation_id)
        .bind(stage_key)
        .bind(version)
        .bind(language)
        .bind(&stored)
        .bind(&actor.label)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::on_unique(
            "version",
            "someone saved this report at the same moment: reload it",
        ))?;
        let report = ReportVersion {
            obligation_id: obligation_id.to_owned(),
            stage_key: stage_key.to_owned(),
            version,
            language: language.to_owned(),
            fields,
            saved_by: actor.label.clone(),
            saved_at: now.clone(),
        };
        let object = format!("{id}/{obligation_id}/{stage_key}");
        let change = Change {
            action: "incident.report.save",
            object_type: "incident_report",
            object_id: &object,
            entity_id: Some(&incident.entity_id),
            before: None,
            after: json(&report),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// Every saved version of a stage's report, newest first.
    pub async fn incident_report_versions(
        &self,
        scope: &EntityScope,
        id: &str,
        obligation_id: &str,
        stage_key: &str,
    ) -> Result<Vec<ReportVersion>> {
        let mut conn = self.reader().acquire().await?;
        check_scope(scope, &incident_in(&mut conn, id).await?)?;
        let rows = sqlx::query(
            "SELECT version, language, fields, saved_by, saved_at FROM incident_reports \
             WHERE incident_id = $1 AND obligation_id = $2 AND stage_key = $3 \
             ORDER BY version DESC",
        )
        .bind(id)
        .bind(obligation_id)
        .bind(stage_key)
        .fetch_all(&mut *conn)
        .await?;
        rows.iter()
            .map(|row| {
                let fields: String = row.try_get("fields")?;
                Ok(ReportVersion {
                    obligation_id: obligation_id.to_owned(),
                    stage_key: stage_key.to_owned(),
                    version: row.try_get("version")?,
                    language: row.try_get("language")?,
                    fields: serde_json::from_str(&fields)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                    saved_by: row.try_get("saved_by")?,
                    saved_at: row.try_get("saved_at")?,
                })
            })
            .collect()
    }

    /// Records that a stage was sent, which re-anchors the stages counted from it; noted in
    /// the timeline. Audited `incident.submit`.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_incident_submission(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        catalog: &Catalog,
        id: &str,
        obligation_id: &str,
        stage_key: &str,
        input: &SubmissionInput,
    ) -> Result<Submission> {
        stage_of(catalog, obligation_id, stage_key)?;
        let mut v = Validator::new();
        v.text("channel", &input.channel, 200);
        v.optional_text("recipient_reference", Some(&input.recipient_reference), 200);
        let now_instant = self.clock().now();
        let submitted_at = match input
            .submitted_at
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            None => Some(now_instant),
            Some(text) => match chrono::DateTime::parse_from_rfc3339(text) {
                Ok(t) if t.to_utc() > now_instant + chrono::Duration::minutes(5) => {
                    v.push(FieldError::invalid("submitted_at", "is in the future"));
                    None
                }
                Ok(t) => Some(t.to_utc()),
                Err(_) => {
                    v.push(FieldError::bad_time("submitted_at"));
                    None
                }
            },
        };
        v.finish()?;
        let submitted_at = submitted_at
            .map(format_instant)
            .unwrap_or_else(|| self.now());
        let now = self.now();
        let mut tx = self.begin().await?;
        let incident = incident_in(&mut tx, id).await?;
        check_scope(scope, &incident)?;
        if submitted_at < incident.aware_at {
            return Err(StoreError::Conflict {
                field: "submitted_at",
                message: "is before the entity became aware of the incident".into(),
            });
        }
        if let Some(version) = input.report_version {
            let latest = latest_version(&mut tx, id, obligation_id, stage_key).await?;
            if version < 1 || version > latest {
                return Err(StoreError::Conflict {
                    field: "report_version",
                    message: format!("no version {version} of this report (latest: {latest})"),
                });
            }
        }
        let submission = Submission {
            obligation_id: obligation_id.to_owned(),
            stage_key: stage_key.to_owned(),
            submitted_at: submitted_at.clone(),
            channel: input.channel.trim().to_owned(),
            recipient_reference: input.recipient_reference.trim().to_owned(),
            report_version: input.report_version,
            recorded_by: actor.label.clone(),
            recorded_at: now.clone(),
        };
        sqlx::query(
            "INSERT INTO incident_submissions (incident_id, obligation_id, stage_key, \
             submitted_at, channel, recipient_reference, report_version, recorded_by, \
             recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(id)
        .bind(obligation_id)
        .bind(stage_key)
        .bind(&submission.submitted_at)
        .bind(&submission.channel)
        .bind(&submission.recipient_reference)
        .bind(submission.report_version)
        .bind(&submission.recorded_by)
        .bind(&now)
        .execute(&mut *tx)
        .await
        .map_err(StoreError::on_unique(
            "stage_key",
            "this stage was already recorded as submitted",
        ))?;
        let text = format!("{obligation_id}/{stage_key} ({})", submission.channel);
        add_entry(
            &mut tx,
            id,
            &submitted_at,
            "submission",
            &text,
            &actor.label,
            &now,
        )
        .await?;
        refresh_next_due(&mut tx, catalog, id).await?;
        let object = format!("{id}/{obligation_id}/{stage_key}");
        let change = Change {
            action: "incident.submit",
            object_type: "incident_report",
            object_id: &object,
            entity_id: Some(&incident.entity_id),
            before: None,
            after: json(&submission),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(submission)
    }
}
