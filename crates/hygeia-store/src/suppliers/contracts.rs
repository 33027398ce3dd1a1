//! A supplier's contracts and their security clauses: every contract carries the whole
//! checklist (each clause "missing" until recorded); what the supplier's tier and accesses
//! need, and what is wrong with it, is worked out when read.

use chrono::NaiveDate;
use hygeia_domain::access::EntityScope;
use hygeia_domain::suppliers::contracts::{
    ClauseInput, ClauseKind, ClauseStatus, ContractInput, clause_gap,
};
use hygeia_domain::suppliers::criticality::TierAnswers;
use hygeia_domain::validation::{FieldError, ValidationErrors};
use serde::Serialize;
use sqlx::AnyConnection;

use super::register::answers_of;
use crate::assessments::evidence::evidence_check;
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// A clause of a contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Clause {
    pub kind: String,
    /// Where the duty comes from (`2024/2690 5.1.4(d)`).
    pub reference: String,
    pub status: String,
    pub notification_hours: Option<i64>,
    pub note: String,
    pub evidence_id: Option<String>,
    /// The supplier's tier and accesses need it.
    pub required: bool,
    /// `missing`, `partial` or `late_notification` when needed and not in order.
    pub gap: Option<String>,
}

/// A contract with its clause checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contract {
    pub id: String,
    pub supplier_id: String,
    pub title: String,
    pub reference: String,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    pub notes: String,
    pub clauses: Vec<Clause>,
    /// Needed clauses not in order.
    pub gaps: i64,
}

#[derive(sqlx::FromRow)]
struct ContractRow {
    id: String,
    supplier_id: String,
    title: String,
    reference: String,
    starts_on: Option<String>,
    ends_on: Option<String>,
    notes: String,
}

#[derive(sqlx::FromRow)]
struct ClauseRow {
    contract_id: String,
    kind: String,
    status: String,
    notification_hours: Option<i64>,
    note: String,
    evidence_id: Option<String>,
}

fn clause_of(row: ClauseRow, answers: &TierAnswers) -> Clause {
    let tier = answers.assess().tier;
    let kind = ClauseKind::parse(&row.kind);
    let required = kind.is_some_and(|k| k.required(tier, answers.ot_access, answers.health_data));
    let status = ClauseStatus::parse(&row.status).unwrap_or(ClauseStatus::Missing);
    let hours = row.notification_hours.and_then(|h| u32::try_from(h).ok());
    Clause {
        reference: kind.map_or("", ClauseKind::reference).to_owned(),
        gap: kind
            .and_then(|k| clause_gap(k, status, hours, required))
            .map(|g| g.as_str().to_owned()),
        required,
        kind: row.kind,
        status: row.status,
        notification_hours: row.notification_hours,
        note: row.note,
        evidence_id: row.evidence_id,
    }
}

/// The contracts of a supplier, newest first, with their clauses in checklist order.
pub(super) async fn contracts_of(
    conn: &mut AnyConnection,
    supplier_id: &str,
    answers: &TierAnswers,
) -> Result<Vec<Contract>> {
    let rows: Vec<ContractRow> = sqlx::query_as(
        "SELECT id, supplier_id, title, reference, starts_on, ends_on, notes \
         FROM supplier_contracts WHERE supplier_id = $1 ORDER BY created_at DESC, id",
    )
    .bind(supplier_id)
    .fetch_all(&mut *conn)
    .await?;
    let clauses: Vec<ClauseRow> = sqlx::query_as(
        "SELECT k.contract_id, k.kind, k.status, k.notification_hours, k.note, k.evidence_id \
         FROM contract_clauses k JOIN supplier_contracts c ON c.id = k.contract_id \
         WHERE c.supplier_id = $1",
    )
    .bind(supplier_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut clauses: Vec<(usize, Clause, String)> = clauses
        .into_iter()
        .map(|row| {
            let order = ClauseKind::ALL
                .iter()
                .position(|k| k.as_str() == row.kind)
                .unwrap_or(usize::MAX);
            let contract = row.contract_id.clone();
            (order, clause_of(row, answers), contract)
        })
        .collect();
    clauses.sort_by_key(|(order, _, _)| *order);
    Ok(rows
        .into_iter()
        .map(|row| {
            let own: Vec<Clause> = clauses
                .iter()
                .filter(|(_, _, contract)| *contract == row.id)
                .map(|(_, clause, _)| clause.clone())
                .collect();
            Contract {
                gaps: own.iter().filter(|c| c.gap.is_some()).count() as i64,
                clauses: own,
                id: row.id,
                supplier_id: row.supplier_id,
                title: row.title,
                reference: row.reference,
                starts_on: row.starts_on,
                ends_on: row.ends_on,
                notes: row.notes,
            }
        })
        .collect())
}

/// Recounts, within `conn`'s transaction, the clauses a supplier needs that its contracts
/// lack: per contract, its needed clauses not in order; without a contract, every needed
/// clause.
pub(super) async fn refresh_clause_gaps(
    conn: &mut AnyConnection,
    supplier_id: &str,
    answers: &TierAnswers,
) -> Result<()> {
    let contracts = contracts_of(conn, supplier_id, answers).await?;
    let gaps = if contracts.is_empty() {
        let tier = answers.assess().tier;
        ClauseKind::ALL
            .iter()
            .filter(|k| k.required(tier, answers.ot_access, answers.health_data))
            .count() as i64
    } else {
        contracts.iter().map(|c| c.gaps).sum()
    };
    sqlx::query("UPDATE suppliers SET clause_gaps = $2 WHERE id = $1")
        .bind(supplier_id)
        .bind(gaps)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

fn day_text(day: Option<NaiveDate>) -> Option<String> {
    day.map(|d| d.format("%Y-%m-%d").to_string())
}

impl Store {
    async fn contract_in(
        &self,
        conn: &mut AnyConnection,
        scope: &EntityScope,
        supplier_id: &str,
        id: &str,
    ) -> Result<Contract> {
        self.supplier_entity_in(conn, scope, supplier_id).await?;
        let answers = answers_of(conn, supplier_id).await?;
        contracts_of(conn, supplier_id, &answers)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| StoreError::not_found("contract", id))
    }

    /// Adds a contract to a supplier with its whole clause checklist, each clause missing
    /// until recorded; audited `supplier.contract.add`.
    pub async fn add_contract(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        supplier_id: &str,
        input: &ContractInput,
    ) -> Result<Contract> {
        let checked = input.check()?;
        let now = self.now();
        let id = new_id();
        let mut tx = self.begin().await?;
        let entity_id = self.supplier_entity_in(&mut tx, scope, supplier_id).await?;
        sqlx::query(
            "INSERT INTO supplier_contracts (id, supplier_id, title, reference, starts_on, \
             ends_on, notes, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
        )
        .bind(&id)
        .bind(supplier_id)
        .bind(&checked.title)
        .bind(&checked.reference)
        .bind(day_text(checked.starts_on))
        .bind(day_text(checked.ends_on))
        .bind(&checked.notes)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        for kind in ClauseKind::ALL {
            sqlx::query(
                "INSERT INTO contract_clauses (contract_id, kind, status, note, updated_at) \
                 VALUES ($1, $2, 'missing', '', $3)",
            )
            .bind(&id)
            .bind(kind.as_str())
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        let answers = answers_of(&mut tx, supplier_id).await?;
        refresh_clause_gaps(&mut tx, supplier_id, &answers).await?;
        let after = self.contract_in(&mut tx, scope, supplier_id, &id).await?;
        let change = Change {
            action: "supplier.contract.add",
            object_type: "supplier",
            object_id: supplier_id,
            entity_id: Some(&entity_id),
            before: None,
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Rewrites a contract's own fields (its clauses stay); audited.
    pub async fn update_contract(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        supplier_id: &str,
        id: &str,
        input: &ContractInput,
    ) -> Result<Contract> {
        let checked = input.check()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let entity_id = self.supplier_entity_in(&mut tx, scope, supplier_id).await?;
        let before = self.contract_in(&mut tx, scope, supplier_id, id).await?;
        sqlx::query(
            "UPDATE supplier_contracts SET title = $2, reference = $3, starts_on = $4, \
             ends_on = $5, notes = $6, updated_at = $7 WHERE id = $1",
        )
        .bind(id)
        .bind(&checked.title)
        .bind(&checked.reference)
        .bind(day_text(checked.starts_on))
        .bind(day_text(checked.ends_on))
        .bind(&checked.notes)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let after = self.contract_in(&mut tx, scope, supplier_id, id).await?;
        let change = Change {
            action: "supplier.contract.update",
            object_type: "supplier",
            object_id: supplier_id,
            entity_id: Some(&entity_id),
            before: serde_json::to_value(&before).ok(),
            after: serde_json::to_value(&after).ok(),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records where one clause of a contract stands (its evidence, when named, must be of
    /// the supplier's entity); audited `supplier.clause.set` with the clause before and after.
    pub async fn set_contract_clause(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        (supplier_id, contract_id): (&str, &str),
        kind: &str,
        input: &ClauseInput,
    ) -> Result<Contract> {
        let kind = ClauseKind::parse(kind.trim()).ok_or_else(|| {
            let codes: Vec<&str> = ClauseKind::ALL.iter().map(|k| k.as_str()).collect();
            ValidationErrors(vec![FieldError::one_of("kind", &codes)])
        })?;
        let checked = input.check(kind)?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let entity_id = self.supplier_entity_in(&mut tx, scope, supplier_id).await?;
        let before = self
            .contract_in(&mut tx, scope, supplier_id, contract_id)
            .await?;
        evidence_check(
            &mut tx,
            "evidence_id",
            checked.evidence_id.as_deref(),
            &entity_id,
        )
        .await?;
        sqlx::query(
            "UPDATE contract_clauses SET status = $3, notification_hours = $4, note = $5, \
             evidence_id = $6, updated_at = $7 WHERE contract_id = $1 AND kind = $2",
        )
        .bind(contract_id)
        .bind(kind.as_str())
        .bind(checked.status.as_str())
        .bind(checked.notification_hours.map(i64::from))
        .bind(&checked.note)
        .bind(&checked.evidence_id)
        .bind(&now)
        .execute(&mut *tx)
        .await?;
        let answers = answers_of(&mut tx, supplier_id).await?;
        refresh_clause_gaps(&mut tx, supplier_id, &answers).await?;
        let after = self
            .contract_in(&mut tx, scope, supplier_id, contract_id)
            .await?;
        let clause = |c: &Contract| {
            c.clauses
                .iter()
                .find(|k| k.kind == kind.as_str())
                .and_then(|k| serde_json::to_value(k).ok())
        };
        let change = Change {
            action: "supplier.clause.set",
            object_type: "supplier",
            object_id: supplier_id,
            entity_id: Some(&entity_id),
            before: clause(&before),
            after: clause(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}
