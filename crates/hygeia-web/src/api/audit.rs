//! The audit trail: listing with filters, and chain verification (auditors, administrators).

use axum::Json;
use axum::extract::State;
use hygeia_domain::access::Permission;
use hygeia_store::{AuditFilter, AuditRecord, ChainReport, Page};
use serde::Deserialize;

use super::{ApiQuery, Paging};
use crate::AppState;
use crate::auth::Auth;
use crate::error::ApiResult;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Exact action, such as `entity.update`.
    pub action: Option<String>,
    pub object_type: Option<String>,
    pub object_id: Option<String>,
    pub entity_id: Option<String>,
    /// Actor e-mail address.
    pub actor: Option<String>,
    /// RFC 3339 instant, inclusive.
    pub since: Option<String>,
    /// RFC 3339 instant, exclusive.
    pub until: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Audit records, newest first, limited to the entities the caller may see.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Page<Object>)), security(("bearer" = []), ("session" = [])))]
pub async fn list_audit(
    State(state): State<AppState>,
    auth: Auth,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Page<AuditRecord>>> {
    auth.principal.require(Permission::AuditRead)?;
    let filter = AuditFilter {
        action: query.action,
        object_type: query.object_type,
        object_id: query.object_id,
        entity_id: query.entity_id,
        actor: query.actor,
        since: query.since,
        until: query.until,
    };
    let page = Paging {
        limit: query.limit,
        offset: query.offset,
    }
    .request();
    Ok(Json(
        state
            .store
            .list_audit(&auth.principal.scope, &filter, page)
            .await?,
    ))
}

/// Walk the whole hash chain and report the first broken record, if any.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "records checked and first break", body = Object)),
    security(("bearer" = []), ("session" = [])))]
pub async fn verify_audit(
    State(state): State<AppState>,
    auth: Auth,
) -> ApiResult<Json<ChainReport>> {
    auth.principal.require(Permission::AuditRead)?;
    Ok(Json(state.store.verify_audit_chain().await?))
}
