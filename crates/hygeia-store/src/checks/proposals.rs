//! Result changes proposed by failing checks, and what people decide: confirming sets the
//! result to non-compliant (citing the check, its observation and since when), dismissing
//! needs a reason. Both are audited; a decided proposal is never decided again.

use hygeia_catalog::checks::CheckRule;
use hygeia_domain::access::EntityScope;
use hygeia_domain::checks::observations::{ProposalState, justification};
use hygeia_domain::validation::Validator;
use serde::Serialize;

use crate::assessments::{StoredResult, set_non_compliant};
use crate::audit::{Change, append};
use crate::database::WriteTx;
use crate::error::{Result, StoreError};
use crate::sql::Filter;
use crate::{Actor, Store};

/// A proposed result change, with what it rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultProposal {
    pub id: String,
    pub observation_id: String,
    pub entity_id: String,
    pub assessment_id: String,
    pub framework_id: String,
    pub requirement_id: String,
    /// The result when proposed (`None`: not assessed yet); the proposal is `non_compliant`.
    pub value_before: Option<String>,
    /// `proposed`, `confirmed`, `dismissed` or `withdrawn`.
    pub state: String,
    pub proposed_at: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
    /// Why it was dismissed.
    pub reason: Option<String>,
    /// The observation's check, and since when it fails.
    pub check_id: String,
    pub observed_since: String,
    pub record_count: i64,
}

/// Which proposals to list.
#[derive(Debug, Clone, Default)]
pub struct ProposalFilter {
    pub entity_id: Option<String>,
    pub state: Option<String>,
    pub assessment_id: Option<String>,
    pub requirement_id: Option<String>,
}

/// At most this many proposals per list.
pub const PROPOSALS_LISTED: i64 = 500;

const COLUMNS: &str = "p.id, p.observation_id, p.entity_id, p.assessment_id, p.framework_id, \
    p.requirement_id, p.value_before, p.state, p.proposed_at, p.decided_at, p.decided_by, \
    p.reason, o.check_id, o.opened_at AS observed_since, o.record_count";
const FROM: &str = "result_proposals p JOIN observations o ON o.id = p.observation_id";

async fn proposal_in(conn: &mut WriteTx, scope: &EntityScope, id: &str) -> Result<ResultProposal> {
    let sql = format!("SELECT {COLUMNS} FROM {FROM} WHERE p.id = $1");
    let proposal: ResultProposal = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut **conn)
        .await?
        .ok_or_else(|| StoreError::not_found("result proposal", id))?;
    if !scope.contains(&proposal.entity_id) {
        return Err(StoreError::not_found("result proposal", id));
    }
    if proposal.state != ProposalState::Proposed.as_str() {
        return Err(StoreError::Conflict {
            field: "state",
            message: format!("this proposal is already {}", proposal.state),
        });
    }
    Ok(proposal)
}

async fn decide(
    conn: &mut WriteTx,
    actor: &Actor,
    now: &str,
    proposal: &ResultProposal,
    state: ProposalState,
    reason: Option<&str>,
) -> Result<()> {
    let action = match state {
        ProposalState::Confirmed => "result_proposal.confirm",
        _ => "result_proposal.dismiss",
    };
    let change = Change {
        action,
        object_type: "result_proposal",
        object_id: &proposal.id,
        entity_id: Some(&proposal.entity_id),
        before: serde_json::to_value(proposal).ok(),
        after: Some(serde_json::json!({ "state": state.as_str(), "reason": reason })),
    };
    // The audit head first, as every writer (a run of the checks too) takes it before the
    // proposal; then the proposal, only if still waiting: of two people deciding at once on
    // PostgreSQL, the second finds it decided (and its transaction is rolled back whole).
    append(conn, actor, now, change).await?;
    let decided = sqlx::query(
        "UPDATE result_proposals SET state = $1, decided_at = $2, decided_by = $3, reason = $4 \
         WHERE id = $5 AND state = 'proposed'",
    )
    .bind(state.as_str())
    .bind(now)
    .bind(&actor.label)
    .bind(reason)
    .bind(&proposal.id)
    .execute(&mut **conn)
    .await?
    .rows_affected();
    if decided == 0 {
        return Err(StoreError::Conflict {
            field: "state",
            message: "this proposal was decided meanwhile".to_owned(),
        });
    }
    Ok(())
}

impl Store {
    /// Proposals of the entities in scope, waiting ones first, newest first.
    pub async fn list_result_proposals(
        &self,
        scope: &EntityScope,
        filter: &ProposalFilter,
    ) -> Result<Vec<ResultProposal>> {
        let mut f = Filter::new();
        f.eq_opt("p.entity_id", filter.entity_id.as_deref());
        f.eq_opt("p.state", filter.state.as_deref());
        f.eq_opt("p.assessment_id", filter.assessment_id.as_deref());
        f.eq_opt("p.requirement_id", filter.requirement_id.as_deref());
        f.scope("p.entity_id", scope);
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM}{} ORDER BY CASE WHEN p.state = 'proposed' THEN 0 \
             ELSE 1 END, p.proposed_at DESC, p.id LIMIT {PROPOSALS_LISTED}",
            f.where_clause()
        );
        let rows = f.query(sql).fetch_all(self.reader()).await?;
        use sqlx::FromRow;
        Ok(rows
            .iter()
            .map(ResultProposal::from_row)
            .collect::<Result<_, _>>()?)
    }

    /// Confirms a proposal: the result becomes non-compliant, its justification citing the
    /// check (titled in `lang`) and since when it fails. Returns the result written.
    pub async fn confirm_result_proposal(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        rules: &[CheckRule],
        lang: &str,
    ) -> Result<StoredResult> {
        let now = self.now();
        let mut tx = self.begin().await?;
        let proposal = proposal_in(&mut tx, scope, id).await?;
        let title = rules
            .iter()
            .find(|r| r.id == proposal.check_id)
            .map(|r| {
                if lang == "fr" {
                    &r.title.fr
                } else {
                    &r.title.en
                }
            })
            .unwrap_or(&proposal.check_id);
        let since = proposal
            .observed_since
            .get(..10)
            .unwrap_or(&proposal.observed_since);
        let count = u64::try_from(proposal.record_count).unwrap_or(0);
        let detail = serde_json::json!({
            "check_id": proposal.check_id, "observation_id": proposal.observation_id,
            "proposal_id": proposal.id, "observed_since": proposal.observed_since,
        });
        let result = set_non_compliant(
            &mut tx,
            actor,
            &now,
            &proposal.assessment_id,
            &proposal.requirement_id,
            justification(lang, title, since, count),
            detail,
        )
        .await?;
        decide(
            &mut tx,
            actor,
            &now,
            &proposal,
            ProposalState::Confirmed,
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(result)
    }

    /// Dismisses a proposal with a reason (required, at most 2,000 characters); the result
    /// stays as it is.
    pub async fn dismiss_result_proposal(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        id: &str,
        reason: &str,
    ) -> Result<ResultProposal> {
        let mut v = Validator::new();
        v.text("reason", reason, 2000);
        v.finish()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let proposal = proposal_in(&mut tx, scope, id).await?;
        let reason = reason.trim();
        decide(
            &mut tx,
            actor,
            &now,
            &proposal,
            ProposalState::Dismissed,
            Some(reason),
        )
        .await?;
        tx.commit().await?;
        Ok(ResultProposal {
            state: ProposalState::Dismissed.as_str().to_owned(),
            decided_at: Some(now),
            decided_by: Some(actor.label.clone()),
            reason: Some(reason.to_owned()),
            ..proposal
        })
    }
}
