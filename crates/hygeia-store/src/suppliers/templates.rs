//! The organisation's own questionnaire templates: stored whole once checked, a template
//! saved again under its id becoming its next version (questionnaires already sent keep the
//! copy they were sent with).

use hygeia_domain::suppliers::questionnaire::QuestionnaireTemplate;
use hygeia_domain::validation::{FieldError, ValidationErrors};

use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store};

fn parsed(body: &str) -> Result<QuestionnaireTemplate> {
    serde_json::from_str(body)
        .map_err(|e| StoreError::Corrupt(format!("questionnaire template: {e}")))
}

impl Store {
    /// The organisation's own templates, by id.
    pub async fn questionnaire_templates(&self) -> Result<Vec<QuestionnaireTemplate>> {
        let bodies: Vec<String> =
            sqlx::query_scalar("SELECT body FROM questionnaire_templates ORDER BY id")
                .fetch_all(self.reader())
                .await?;
        bodies.iter().map(|b| parsed(b)).collect()
    }

    /// One of the organisation's own templates.
    pub async fn questionnaire_template(&self, id: &str) -> Result<Option<QuestionnaireTemplate>> {
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM questionnaire_templates WHERE id = $1")
                .bind(id.trim())
                .fetch_optional(self.reader())
                .await?;
        body.as_deref().map(parsed).transpose()
    }

    /// Saves one of the organisation's own templates, checked whole; its id may not be one of
    /// `reserved` (the shipped ones). Saved again, it becomes its next version. Audited
    /// `questionnaire_template.save` with the versions before and after.
    pub async fn save_questionnaire_template(
        &self,
        actor: &Actor,
        template: &QuestionnaireTemplate,
        reserved: &[&str],
    ) -> Result<QuestionnaireTemplate> {
        template.check()?;
        if reserved.contains(&template.id.as_str()) {
            return Err(
                ValidationErrors(vec![FieldError::already_exists("id", &template.id)]).into(),
            );
        }
        let now = self.now();
        let mut tx = self.begin().await?;
        let before: Option<i64> =
            sqlx::query_scalar("SELECT version FROM questionnaire_templates WHERE id = $1")
                .bind(&template.id)
                .fetch_optional(&mut *tx)
                .await?;
        let mut saved = template.clone();
        saved.version = before.map_or(1, |v| u32::try_from(v + 1).unwrap_or(u32::MAX));
        let body = serde_json::to_string(&saved)
            .map_err(|e| StoreError::Corrupt(format!("questionnaire template: {e}")))?;
        sqlx::query("DELETE FROM questionnaire_templates WHERE id = $1")
            .bind(&saved.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO questionnaire_templates (id, version, body, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&saved.id)
        .bind(i64::from(saved.version))
        .bind(&body)
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        let change = Change {
            action: "questionnaire_template.save",
            object_type: "questionnaire_template",
            object_id: &saved.id,
            entity_id: None,
            before: before.map(|v| serde_json::json!({ "version": v })),
            after: Some(serde_json::json!({
                "version": saved.version, "questions": saved.questions().count() })),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(saved)
    }
}
