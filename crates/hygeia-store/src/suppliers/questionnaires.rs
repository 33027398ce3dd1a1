//! Questionnaires sent to suppliers: sent with a copy of their template and the hash of their
//! link's token, read with their answers and evidence, and revoked. Their review is in
//! [`super::reviews`].

use chrono::{DateTime, Utc};
use hygeia_domain::access::EntityScope;
use hygeia_domain::suppliers::portal::{QuestionnaireStatus, SendInput};
use hygeia_domain::suppliers::questionnaire::{QuestionnaireTemplate, proposed_score};
use hygeia_domain::validation::{FieldError, ValidationErrors};
use serde::Serialize;
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
    pub(super) async fn scoped_questionnaire(
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
}
