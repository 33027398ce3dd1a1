//! The supplier portal stored: everything here is reached by the hash of a link's token and
//! sees that one questionnaire only. Failed lookups are counted per source address and, past
//! the limit, refuse the address whatever it tries; answers are saved all or nothing, and
//! the submission closes the link.

use chrono::{DateTime, Utc};
use hygeia_domain::suppliers::portal::{
    LinkRefusal, PORTAL_WINDOW_MINUTES, QuestionnaireStatus, link_state, portal_allows,
};
use hygeia_domain::suppliers::questionnaire::{AnswerInput, QuestionnaireTemplate, check_answers};
use hygeia_domain::validation::{FieldError, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

use super::questionnaires::{AnswerEvidence, questionnaire_in};
use crate::assessments::EvidenceUpload;
use crate::assessments::evidence::{StoredFile, insert_file};
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// What the portal shows a supplier: its questionnaire and nothing of the organisation's
/// own work (no scores, notes or follow-up).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalQuestionnaire {
    /// Who asks: the entity's name.
    pub asked_by: String,
    pub supplier_name: String,
    pub contact_name: String,
    pub language: String,
    /// `sent` or `draft`.
    pub status: String,
    pub expires_at: String,
    pub template: QuestionnaireTemplate,
    pub answers: Vec<AnswerInput>,
    pub evidence: Vec<AnswerEvidence>,
}

/// The portal's answer: the questionnaire, or why the link does not open.
pub type PortalResult<T> = std::result::Result<T, LinkRefusal>;

/// Who acts through a link: the contact it was sent to, from `source`.
fn supplier_actor(email: &str, source: &str) -> Actor {
    Actor {
        user_id: None,
        label: format!("supplier:{email}"),
        source: source.to_owned(),
        request_id: None,
    }
}

struct Opened {
    id: String,
    entity_id: String,
    supplier_id: String,
    contact_email: String,
}

impl Store {
    /// Failed lookups from `source` within the window.
    async fn portal_failures(&self, source: &str, now: DateTime<Utc>) -> Result<i64> {
        let since = hygeia_domain::clock::format_instant(
            now - chrono::Duration::minutes(PORTAL_WINDOW_MINUTES),
        );
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM portal_failures WHERE source = $1 AND at >= $2",
        )
        .bind(source)
        .bind(&since)
        .fetch_one(self.reader())
        .await?)
    }

    /// Finds the open questionnaire of a token hash, counting a miss against `source`.
    async fn open_link(
        &self,
        conn: &mut AnyConnection,
        token_hash: &str,
        source: &str,
        now: DateTime<Utc>,
    ) -> Result<PortalResult<Opened>> {
        if !portal_allows(self.portal_failures(source, now).await?) {
            return Ok(Err(LinkRefusal::Throttled));
        }
        let found: Option<(String, String, String, String, String, String)> = sqlx::query_as(
            "SELECT q.id, s.entity_id, q.supplier_id, q.contact_email, q.status, q.expires_at \
             FROM supplier_questionnaires q JOIN suppliers s ON s.id = q.supplier_id \
             WHERE q.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&mut *conn)
        .await?;
        let Some((id, entity_id, supplier_id, contact_email, status, expires_at)) = found else {
            sqlx::query("INSERT INTO portal_failures (source, at) VALUES ($1, $2)")
                .bind(source)
                .bind(hygeia_domain::clock::format_instant(now))
                .execute(&mut *conn)
                .await?;
            return Ok(Err(LinkRefusal::Unknown));
        };
        let status = QuestionnaireStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("questionnaire status '{status}'")))?;
        let expires_at = DateTime::parse_from_rfc3339(&expires_at)
            .map_err(|e| StoreError::Corrupt(format!("questionnaire end: {e}")))?
            .with_timezone(&Utc);
        if let Err(refusal) = link_state(status, expires_at, now) {
            return Ok(Err(refusal));
        }
        Ok(Ok(Opened {
            id,
            entity_id,
            supplier_id,
            contact_email,
        }))
    }

    async fn portal_view(
        &self,
        conn: &mut AnyConnection,
        opened: &Opened,
        now: DateTime<Utc>,
    ) -> Result<PortalQuestionnaire> {
        let q = questionnaire_in(conn, &opened.id, now).await?;
        let asked_by: String = sqlx::query_scalar("SELECT name FROM entities WHERE id = $1")
            .bind(&opened.entity_id)
            .fetch_one(&mut *conn)
            .await?;
        Ok(PortalQuestionnaire {
            asked_by,
            supplier_name: q.supplier_name,
            contact_name: q.summary.contact_name,
            language: q.summary.language,
            status: q.summary.status,
            expires_at: q.summary.expires_at,
            answers: q
                .answers
                .into_iter()
                .map(|a| AnswerInput {
                    question_id: a.question_id,
                    answer: a.answer,
                    comment: a.comment,
                })
                .collect(),
            evidence: q.evidence,
            template: q.template,
        })
    }

    /// The language a questionnaire was sent in, by its link's token hash, whatever its state
    /// (so that a closed link says so in the supplier's language).
    pub async fn portal_language(&self, token_hash: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar(
                "SELECT language FROM supplier_questionnaires WHERE token_hash = $1",
            )
            .bind(token_hash)
            .fetch_optional(self.reader())
            .await?,
        )
    }

    /// The questionnaire a link opens, seen by its supplier; the first opening is recorded.
    /// A token matching nothing counts as a failure of `source`.
    pub async fn portal_questionnaire(
        &self,
        token_hash: &str,
        source: &str,
    ) -> Result<PortalResult<PortalQuestionnaire>> {
        let now = self.clock().now();
        let mut tx = self.begin().await?;
        let opened = match self.open_link(&mut tx, token_hash, source, now).await? {
            Ok(opened) => opened,
            Err(refusal) => {
                tx.commit().await?;
                return Ok(Err(refusal));
            }
        };
        sqlx::query(
            "UPDATE supplier_questionnaires SET opened_at = $2 WHERE id = $1 AND opened_at IS NULL",
        )
        .bind(&opened.id)
        .bind(hygeia_domain::clock::format_instant(now))
        .execute(&mut *tx)
        .await?;
        let view = self.portal_view(&mut tx, &opened, now).await?;
        tx.commit().await?;
        Ok(Ok(view))
    }

    /// Saves the supplier's answers, all or nothing (each names a question of the
    /// questionnaire once; a submission needs every question answered). Submitting closes
    /// the link. Audited as the contact (`supplier:<e-mail>`).
    pub async fn portal_save(
        &self,
        token_hash: &str,
        source: &str,
        answers: &[AnswerInput],
        submit: bool,
    ) -> Result<PortalResult<PortalQuestionnaire>> {
        let now = self.clock().now();
        let now_text = hygeia_domain::clock::format_instant(now);
        let mut tx = self.begin().await?;
        let opened = match self.open_link(&mut tx, token_hash, source, now).await? {
            Ok(opened) => opened,
            Err(refusal) => {
                tx.commit().await?;
                return Ok(Err(refusal));
            }
        };
        let before = self.portal_view(&mut tx, &opened, now).await?;
        check_answers(&before.template, answers, false)?;
        for a in answers {
            sqlx::query(
                "DELETE FROM questionnaire_answers WHERE questionnaire_id = $1 AND question_id = $2",
            )
            .bind(&opened.id)
            .bind(a.question_id.trim())
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO questionnaire_answers (questionnaire_id, question_id, answer, \
                 comment, review_score, review_note, updated_at) VALUES ($1, $2, $3, $4, NULL, '', $5)",
            )
            .bind(&opened.id)
            .bind(a.question_id.trim())
            .bind(a.answer.trim())
            .bind(a.comment.trim())
            .bind(&now_text)
            .execute(&mut *tx)
            .await?;
        }
        let saved = self.portal_view(&mut tx, &opened, now).await?;
        if submit {
            check_answers(&saved.template, &saved.answers, true)?;
        }
        let status = if submit { "submitted" } else { "draft" };
        sqlx::query(
            "UPDATE supplier_questionnaires SET status = $2, \
             submitted_at = CASE WHEN $2 = 'submitted' THEN $3 ELSE submitted_at END WHERE id = $1",
        )
        .bind(&opened.id)
        .bind(status)
        .bind(&now_text)
        .execute(&mut *tx)
        .await?;
        let after = self.portal_view(&mut tx, &opened, now).await?;
        let actor = supplier_actor(&opened.contact_email, source);
        let change = Change {
            action: if submit {
                "supplier.questionnaire.submit"
            } else {
                "supplier.questionnaire.draft"
            },
            object_type: "supplier",
            object_id: &opened.supplier_id,
            entity_id: Some(&opened.entity_id),
            before: serde_json::to_value(&before.answers).ok(),
            after: serde_json::to_value(&after.answers).ok(),
        };
        append(&mut tx, &actor, &now_text, change).await?;
        tx.commit().await?;
        Ok(Ok(after))
    }

    /// Stores a file a supplier gives for one question as evidence of the entity, linked to
    /// the answer; the caller has bounded its size and checked its kind. Audited as the
    /// contact.
    pub async fn portal_attach(
        &self,
        token_hash: &str,
        source: &str,
        question_id: &str,
        upload: &EvidenceUpload,
        content: &[u8],
    ) -> Result<PortalResult<PortalQuestionnaire>> {
        let now = self.clock().now();
        let now_text = hygeia_domain::clock::format_instant(now);
        let mut tx = self.begin().await?;
        let opened = match self.open_link(&mut tx, token_hash, source, now).await? {
            Ok(opened) => opened,
            Err(refusal) => {
                tx.commit().await?;
                return Ok(Err(refusal));
            }
        };
        let view = self.portal_view(&mut tx, &opened, now).await?;
        let question = question_id.trim();
        let mut errors = Vec::new();
        if view.template.question(question).is_none() {
            errors.push(FieldError::not_found("question_id", question));
        }
        if content.is_empty() || upload.file_name.trim().is_empty() {
            errors.push(FieldError::empty_file("file"));
        }
        if !errors.is_empty() {
            return Err(ValidationErrors(errors).into());
        }
        let actor = supplier_actor(&opened.contact_email, source);
        let evidence_id = new_id();
        let stored = StoredFile {
            id: &evidence_id,
            entity_id: &opened.entity_id,
            upload,
            content,
            created_by: &actor.label,
            now: &now_text,
        };
        insert_file(&mut tx, &stored).await?;
        sqlx::query(
            "INSERT INTO questionnaire_evidence (questionnaire_id, question_id, evidence_id) \
             VALUES ($1, $2, $3)",
        )
        .bind(&opened.id)
        .bind(question)
        .bind(&evidence_id)
        .execute(&mut *tx)
        .await?;
        let after = self.portal_view(&mut tx, &opened, now).await?;
        let change = Change {
            action: "supplier.questionnaire.evidence",
            object_type: "supplier",
            object_id: &opened.supplier_id,
            entity_id: Some(&opened.entity_id),
            before: None,
            after: Some(serde_json::json!({
                "question_id": question, "evidence_id": evidence_id,
                "file_name": upload.file_name, "size_bytes": content.len()})),
        };
        append(&mut tx, &actor, &now_text, change).await?;
        tx.commit().await?;
        Ok(Ok(after))
    }
}
