//! The review of answered questionnaires: answers returned in a spreadsheet recorded on the
//! supplier's behalf, each answer scored, follow-up actions raised; a completed review's
//! weighted score sets the supplier's maturity and counts as its review.

use hygeia_domain::access::EntityScope;
use hygeia_domain::suppliers::criticality::TierAnswers;
use hygeia_domain::suppliers::ecosystem::EcosystemRating;
use hygeia_domain::suppliers::portal::QuestionnaireStatus;
use hygeia_domain::suppliers::questionnaire::{
    AnswerInput, REVIEW_SCORES, check_answers, maturity_of, questionnaire_score,
};
use hygeia_domain::suppliers::register::next_review;
use hygeia_domain::validation::Validator;
use serde::{Deserialize, Serialize};
use sqlx::AnyConnection;

use super::questionnaires::{FollowUp, Questionnaire};
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

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

impl Store {
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

    /// Marks a follow-up action done, or open again (`open` or `done`); audited with both
    /// states.
    pub async fn set_questionnaire_action_status(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        action_id: &str,
        status: &str,
    ) -> Result<FollowUp> {
        let status = status.trim();
        if !matches!(status, "open" | "done") {
            let mut v = Validator::new();
            v.one_of("status", &["open", "done"]);
            v.finish()?;
        }
        let now = self.now();
        let mut tx = self.begin().await?;
        let q = self.scoped_questionnaire(&mut tx, scope, id).await?;
        let before = q
            .actions
            .iter()
            .find(|a| a.id == action_id)
            .cloned()
            .ok_or_else(|| StoreError::not_found("action", action_id))?;
        sqlx::query(
            "UPDATE questionnaire_actions SET status = $1 WHERE id = $2 AND questionnaire_id = $3",
        )
        .bind(status)
        .bind(action_id)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        let after = FollowUp {
            status: status.to_owned(),
            ..before.clone()
        };
        let change = Change {
            action: "supplier.questionnaire.action_status",
            object_type: "supplier",
            object_id: &q.summary.supplier_id,
            entity_id: Some(&q.entity_id),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}
