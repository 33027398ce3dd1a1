//! Questionnaires sent to suppliers: sent with a copy of their template and the hash of their
//! link's token, read with their answers and evidence, revoked, and reviewed (each answer
//! scored, follow-up actions raised); a completed review's score sets the supplier's maturity
//! and counts as its review.

use chrono::{DateTime, Utc};
use hygeia_domain::access::EntityScope;
use hygeia_domain::suppliers::criticality::TierAnswers;
use hygeia_domain::suppliers::ecosystem::EcosystemRating;
use hygeia_domain::suppliers::portal::{QuestionnaireStatus, SendInput};
use hygeia_domain::suppliers::questionnaire::{
    AnswerInput, QuestionnaireTemplate, REVIEW_SCORES, check_answers, maturity_of, proposed_score,
    questionnaire_score,
};
use hygeia_domain::suppliers::register::next_review;
use hygeia_domain::validation::{FieldError, ValidationErrors, Validator};
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// A questionnaire as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionnaireSummary {
    pub id: String,
    pub supplier_id: String,
    pub template_id: String,
    pub template_version: i64,
    pub language: String,
    pub contact_name: String,
    pub contact_email: String,
    /// `sent`, `draft`, `submitted`, `reviewed` or `revoked`.
    pub status: String,
    pub expires_at: String,
    pub sent_at: String,
    pub sent_by: String,
    pub opened_at: Option<String>,
    pub submitted_at: Option<String>,
    pub reviewed_at: Option<String>,
    pub reviewed_by: Option<String>,
    /// 0–100, once reviewed.
    pub score: Option<i64>,
    /// Still open and past its end: the link no longer opens.
    #[sqlx(skip)]
    pub expired: bool,
}

/// An answer with its scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    pub question_id: String,
    pub answer: String,
    pub comment: String,
    /// What the answer proposes (yes/partly/no); none for a text or "not applicable".
    pub proposed_score: Option<u8>,
    /// What the reviewer set (0, 50 or 100; none: left out).
    pub review_score: Option<i64>,
    pub review_note: String,
}

/// A file a supplier attached to an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnswerEvidence {
    pub question_id: String,
    pub evidence_id: String,
    pub file_name: Option<String>,
    pub size_bytes: Option<i64>,
}

/// A follow-up action raised on a questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUp {
    pub id: String,
    pub question_id: Option<String>,
    pub title: String,
    pub due_on: Option<String>,
    pub status: String,
    pub created_at: String,
}

/// A questionnaire whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Questionnaire {
    #[serde(flatten)]
    pub summary: QuestionnaireSummary,
    pub entity_id: String,
    pub supplier_name: String,
    pub template: QuestionnaireTemplate,
    pub answers: Vec<Answer>,
    pub evidence: Vec<AnswerEvidence>,
    pub actions: Vec<FollowUp>,
}

/// One answer's score as a reviewer sets it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewScore {
    pub question_id: String,
    /// 0, 50 or 100; none leaves the question out of the score.
    #[serde(default)]
    pub score: Option<u8>,
    #[serde(default)]
    pub note: String,
}

/// A review: the scores set, and whether it is complete (the score then counts).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewInput {
    #[serde(default)]
    pub scores: Vec<ReviewScore>,
    /// Completes the review: the questionnaire's score sets the supplier's maturity and
    /// counts as its review.
    #[serde(default)]
    pub complete: bool,
}

/// A follow-up action to raise.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FollowUpInput {
    pub title: String,
    /// The question it comes from.
    #[serde(default)]
    pub question_id: Option<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_on: Option<String>,
}

const SUMMARY_COLUMNS: &str = "id, supplier_id, template_id, template_version, language, \
    contact_name, contact_email, status, expires_at, sent_at, sent_by, opened_at, submitted_at, \
    reviewed_at, reviewed_by, score";

fn instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|d| d.with_timezone(&Utc))
}

/// Marks a summary expired when open and past its end at `now`.
pub(super) fn with_expiry(mut s: QuestionnaireSummary, now: DateTime<Utc>) -> QuestionnaireSummary {
    let open = QuestionnaireStatus::parse(&s.status).is_some_and(QuestionnaireStatus::is_open);
    s.expired = open && instant(&s.expires_at).is_some_and(|end| now >= end);
    s
}

/// The questionnaires of a supplier, newest first.
pub(super) async fn questionnaires_of(
    conn: &mut AnyConnection,
    supplier_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<QuestionnaireSummary>> {
    let sql = format!(
        "SELECT {SUMMARY_COLUMNS} FROM supplier_questionnaires WHERE supplier_id = $1 \
         ORDER BY sent_at DESC, id"
    );
    let rows: Vec<QuestionnaireSummary> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(supplier_id)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().map(|s| with_expiry(s, now)).collect())
}

#[derive(sqlx::FromRow)]
struct AnswerRow {
    question_id: String,
    answer: String,
    comment: String,
    review_score: Option<i64>,
    review_note: String,
}

/// A questionnaire whole by id, whatever its scope (the callers check it).
pub(super) async fn questionnaire_in(
    conn: &mut AnyConnection,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Questionnaire> {
    let sql = format!("SELECT {SUMMARY_COLUMNS} FROM supplier_questionnaires WHERE id = $1");
    let summary: QuestionnaireSummary = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| StoreError::not_found("questionnaire", id))?;
    let (entity_id, supplier_name, template): (String, String, String) = sqlx::query_as(
        "SELECT s.entity_id, s.name, q.template FROM supplier_questionnaires q \
         JOIN suppliers s ON s.id = q.supplier_id WHERE q.id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let template: QuestionnaireTemplate = serde_json::from_str(&template)
        .map_err(|e| StoreError::Corrupt(format!("questionnaire template: {e}")))?;
    let rows: Vec<AnswerRow> = sqlx::query_as(
        "SELECT question_id, answer, comment, review_score, review_note \
         FROM questionnaire_answers WHERE questionnaire_id = $1",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    // Answers in the template's order.
    let answers = template
        .questions()
        .filter_map(|q| {
            rows.iter().find(|r| r.question_id == q.id).map(|r| Answer {
                question_id: r.question_id.clone(),
                answer: r.answer.clone(),
                comment: r.comment.clone(),
                proposed_score: proposed_score(q.kind, &r.answer),
                review_score: r.review_score,
                review_note: r.review_note.clone(),
            })
        })
        .collect();
    let evidence: Vec<AnswerEvidence> = sqlx::query_as(
        "SELECT l.question_id, l.evidence_id, e.file_name, e.size_bytes \
         FROM questionnaire_evidence l JOIN evidence e ON e.id = l.evidence_id \
         WHERE l.questionnaire_id = $1 ORDER BY l.question_id, e.created_at",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let actions: Vec<FollowUp> = sqlx::query_as(
        "SELECT id, question_id, title, due_on, status, created_at FROM questionnaire_actions \
         WHERE questionnaire_id = $1 ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Questionnaire {
        summary: with_expiry(summary, now),
        entity_id,
        supplier_name,
        template,
        answers,
        evidence,
        actions,
    })
}

impl Store {
    async fn scoped_questionnaire(
        &self,
        conn: &mut AnyConnection,
        scope: &EntityScope,
        id: &str,
    ) -> Result<Questionnaire> {
        let q = questionnaire_in(conn, id, self.clock().now()).await?;
        if scope.contains(&q.entity_id) {
            Ok(q)
        } else {
            Err(StoreError::not_found("questionnaire", id))
        }
    }

    /// One questionnaire with its answers, evidence and follow-up; outside `scope` it is not
    /// found.
    pub async fn questionnaire(&self, scope: &EntityScope, id: &str) -> Result<Questionnaire> {
        let mut conn = self.reader().acquire().await?;
        self.scoped_questionnaire(&mut conn, scope, id).await
    }

    /// Sends a questionnaire to a supplier contact: a copy of `template` is kept with the
    /// hash of the link's token (the token itself is never stored). Audited
    /// `supplier.questionnaire.send` (without the token).
    pub async fn send_questionnaire(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        supplier_id: &str,
        template: Option<&QuestionnaireTemplate>,
        input: &SendInput,
        token_hash: &str,
    ) -> Result<QuestionnaireSummary> {
        let checked = input.check(template)?;
        let Some(template) = template else {
            return Err(ValidationErrors(vec![FieldError::not_found(
                "template_id",
                &input.template_id,
            )])
            .into());
        };
        let now = self.clock().now();
        let now_text = hygeia_domain::clock::format_instant(now);
        let expires = hygeia_domain::clock::format_instant(
            now + chrono::Duration::days(i64::from(checked.days)),
        );
        let id = new_id();
        let mut tx = self.begin().await?;
        let entity_id = self.supplier_entity_in(&mut tx, scope, supplier_id).await?;
        let snapshot = serde_json::to_string(template)
            .map_err(|e| StoreError::Corrupt(format!("questionnaire template: {e}")))?;
        sqlx::query(
            "INSERT INTO supplier_questionnaires (id, supplier_id, template_id, template_version, \
             template, language, contact_name, contact_email, token_hash, status, expires_at, \
             sent_at, sent_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'sent', $10, $11, $12)",
        )
        .bind(&id)
        .bind(supplier_id)
        .bind(&template.id)
        .bind(i64::from(template.version))
        .bind(&snapshot)
        .bind(checked.language)
        .bind(&checked.contact_name)
        .bind(&checked.contact_email)
        .bind(token_hash)
        .bind(&expires)
        .bind(&now_text)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        let sent = questionnaire_in(&mut tx, &id, now).await?.summary;
        let change = Change {
            action: "supplier.questionnaire.send",
            object_type: "supplier",
            object_id: supplier_id,
            entity_id: Some(&entity_id),
            before: None,
            after: serde_json::to_value(&sent).ok(),
        };
        append(&mut tx, actor, &now_text, change).await?;
        tx.commit().await?;
        Ok(sent)
    }

    /// Withdraws a questionnaire not yet submitted: its link no longer opens. Audited.
    pub async fn revoke_questionnaire(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
    ) -> Result<QuestionnaireSummary> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self.scoped_questionnaire(&mut tx, scope, id).await?;
        let open = QuestionnaireStatus::parse(&before.summary.status)
            .is_some_and(QuestionnaireStatus::is_open);
        if !open {
            return Err(StoreError::Conflict {
                field: "status",
                message: format!(
                    "the questionnaire is {}: only one still waiting for answers can be revoked",
                    before.summary.status
                ),
            });
        }
        sqlx::query("UPDATE supplier_questionnaires SET status = 'revoked' WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let after = self.scoped_questionnaire(&mut tx, scope, id).await?;
        let change = Change {
            action: "supplier.questionnaire.revoke",
            object_type: "supplier",
            object_id: &before.summary.supplier_id,
            entity_id: Some(&before.entity_id),
            before: serde_json::to_value(&before.summary).ok(),
            after: serde_json::to_value(&after.summary).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after.summary)
    }

    /// Scores the answers of a submitted questionnaire (0, 50 or 100 each, or left out);
    /// completing the review sets its score, the supplier's maturity (85+ → 4, 65+ → 3,
    /// 40+ → 2, else 1) and its last review to today. Audited.
    pub async fn review_questionnaire(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        review: &ReviewInput,
    ) -> Result<Questionnaire> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self.scoped_questionnaire(&mut tx, scope, id).await?;
        if !matches!(before.summary.status.as_str(), "submitted" | "reviewed") {
            return Err(StoreError::Conflict {
                field: "status",
                message: format!(
                    "the questionnaire is {}: answers are reviewed once submitted",
                    before.summary.status
                ),
            });
        }
        let mut v = Validator::new();
        for (i, s) in review.scores.iter().enumerate() {
            if !before
                .answers
                .iter()
                .any(|a| a.question_id == s.question_id)
            {
                v.not_found(&format!("scores[{i}].question_id"), &s.question_id);
            }
            if s.score.is_some_and(|score| !REVIEW_SCORES.contains(&score)) {
                v.one_of(&format!("scores[{i}].score"), &["0", "50", "100"]);
            }
            v.optional_text(&format!("scores[{i}].note"), Some(&s.note), 4000);
        }
        v.finish()?;
        for s in &review.scores {
            sqlx::query(
                "UPDATE questionnaire_answers SET review_score = $3, review_note = $4 \
                 WHERE questionnaire_id = $1 AND question_id = $2",
            )
            .bind(id)
            .bind(&s.question_id)
            .bind(s.score.map(i64::from))
            .bind(s.note.trim())
            .execute(&mut *tx)
            .await?;
        }
        if review.complete {
            let scored = self.scoped_questionnaire(&mut tx, scope, id).await?;
            let weighted: Vec<(u8, u8)> = scored
                .answers
                .iter()
                .filter_map(|a| {
                    let weight = scored.template.question(&a.question_id)?.weight;
                    let score = a.review_score.and_then(|s| u8::try_from(s).ok());
                    Some((weight, score?))
                })
                .collect();
            let score = questionnaire_score(&weighted);
            sqlx::query(
                "UPDATE supplier_questionnaires SET status = 'reviewed', score = $2, \
                 reviewed_at = $3, reviewed_by = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(score.map(i64::from))
            .bind(&now)
            .bind(&actor.label)
            .execute(&mut *tx)
            .await?;
            if let Some(score) = score {
                self.take_maturity(
                    &mut tx,
                    &before.summary.supplier_id,
                    maturity_of(score),
                    &now,
                )
                .await?;
            }
        }
        let after = self.scoped_questionnaire(&mut tx, scope, id).await?;
        let change = Change {
            action: if review.complete {
                "supplier.questionnaire.review"
            } else {
                "supplier.questionnaire.score"
            },
            object_type: "supplier",
            object_id: &before.summary.supplier_id,
            entity_id: Some(&before.entity_id),
            before: serde_json::to_value(&before.answers).ok(),
            after: serde_json::to_value(serde_json::json!({
                "answers": after.answers, "score": after.summary.score}))
            .ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Sets a supplier's maturity from a reviewed questionnaire, re-rates its ecosystem zone
    /// when its other ratings are known, and counts the review.
    async fn take_maturity(
        &self,
        conn: &mut AnyConnection,
        supplier_id: &str,
        maturity: u8,
        now: &str,
    ) -> Result<()> {
        let (dependency, ot, health, substitutability, concentration, penetration, trust): (
            i64,
            i64,
            i64,
            i64,
            i64,
            Option<i64>,
            Option<i64>,
        ) = sqlx::query_as(
            "SELECT dependency, ot_access, health_data, substitutability, concentration, \
             penetration, trust FROM suppliers WHERE id = $1",
        )
        .bind(supplier_id)
        .fetch_one(&mut *conn)
        .await?;
        let small = |v: i64| u8::try_from(v).unwrap_or(1);
        let zone = match (penetration, trust) {
            (Some(p), Some(t)) => Some(
                EcosystemRating {
                    dependency: small(dependency),
                    penetration: small(p),
                    maturity,
                    trust: small(t),
                }
                .zone()
                .as_str(),
            ),
            _ => None,
        };
        let tier = TierAnswers {
            ot_access: ot != 0,
            health_data: health != 0,
            dependency: small(dependency),
            substitutability: small(substitutability),
            concentration: concentration != 0,
        }
        .assess()
        .tier;
        let today = self.today();
        let next = next_review(Some(today), tier.review_months());
        sqlx::query(
            "UPDATE suppliers SET maturity = $2, threat_zone = COALESCE($3, threat_zone), \
             last_review_on = $4, next_review_on = $5, version = version + 1, updated_at = $6 \
             WHERE id = $1",
        )
        .bind(supplier_id)
        .bind(i64::from(maturity))
        .bind(zone)
        .bind(today.format("%Y-%m-%d").to_string())
        .bind(next.map(|d| d.format("%Y-%m-%d").to_string()))
        .bind(now)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// Records the answers a supplier returned in a spreadsheet, on its behalf: the whole set
    /// replaces what was saved, every question must be answered, and the questionnaire is
    /// then submitted (its link closes). Only a questionnaire still waiting for answers
    /// takes them. Audited `supplier.questionnaire.import`.
    pub async fn import_answers(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        answers: &[AnswerInput],
    ) -> Result<Questionnaire> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self.scoped_questionnaire(&mut tx, scope, id).await?;
        let open = QuestionnaireStatus::parse(&before.summary.status)
            .is_some_and(QuestionnaireStatus::is_open);
        if !open {
            return Err(StoreError::Conflict {
                field: "status",
                message: format!(
                    "the questionnaire is {}: only one still waiting for answers takes them",
                    before.summary.status
                ),
            });
        }
        check_answers(&before.template, answers, true)?;
        sqlx::query("DELETE FROM questionnaire_answers WHERE questionnaire_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for a in answers {
            sqlx::query(
                "INSERT INTO questionnaire_answers (questionnaire_id, question_id, answer, \
                 comment, review_score, review_note, updated_at) VALUES ($1, $2, $3, $4, NULL, '', $5)",
            )
            .bind(id)
            .bind(a.question_id.trim())
            .bind(a.answer.trim())
            .bind(a.comment.trim())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query(
            "UPDATE supplier_questionnaires SET status = 'submitted', submitted_at = $2 WHERE id = $1",
        )
        .bind(id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let after = self.scoped_questionnaire(&mut tx, scope, id).await?;
        let change = Change {
            action: "supplier.questionnaire.import",
            object_type: "supplier",
            object_id: &before.summary.supplier_id,
            entity_id: Some(&before.entity_id),
            before: serde_json::to_value(&before.answers).ok(),
            after: serde_json::to_value(&after.answers).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Raises a follow-up action on a questionnaire (from one of its questions, or whole);
    /// audited.
    pub async fn add_questionnaire_action(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        input: &FollowUpInput,
    ) -> Result<FollowUp> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let q = self.scoped_questionnaire(&mut tx, scope, id).await?;
        let mut v = Validator::new();
        v.text("title", &input.title, 500);
        let question = input
            .question_id
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty());
        if let Some(question) = question
            && q.template.question(question).is_none()
        {
            v.not_found("question_id", question);
        }
        let due = input
            .due_on
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        if let Some(due) = due
            && chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d").is_err()
        {
            v.bad_date("due_on");
        }
        v.finish()?;
        let action_id = new_id();
        sqlx::query(
            "INSERT INTO questionnaire_actions (id, questionnaire_id, question_id, title, due_on, \
             status, created_at) VALUES ($1, $2, $3, $4, $5, 'open', $6)",
        )
        .bind(&action_id)
        .bind(id)
        .bind(question)
        .bind(input.title.trim())
        .bind(due)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let after = self.scoped_questionnaire(&mut tx, scope, id).await?;
        let action = after
            .actions
            .into_iter()
            .find(|a| a.id == action_id)
            .ok_or_else(|| StoreError::not_found("action", &action_id))?;
        let change = Change {
            action: "supplier.questionnaire.action",
            object_type: "supplier",
            object_id: &q.summary.supplier_id,
            entity_id: Some(&q.entity_id),
            before: None,
            after: serde_json::to_value(&action).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(action)
    }
}
