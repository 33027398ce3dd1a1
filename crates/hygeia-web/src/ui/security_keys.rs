//! Security keys and passkeys on the pages: the list on one's settings (with removal, current
//! password required) and the script that registers a key or signs in with one through the
//! API (`api::security_keys`); the pages stay usable with codes where the script cannot run.

use axum::extract::{Path, State};
use axum::response::IntoResponse;

use super::i18n::Tr;
use super::{PageForm, PageResult, redirect, tr_of};
use crate::AppState;
use crate::api::security_keys;
use crate::auth::Auth;
use crate::ui::PageError;

pub(crate) const SCRIPT: &str = include_str!("../../assets/security-keys.js");

/// A key as listed on the settings page.
pub struct KeyRow {
    pub id: String,
    pub name: String,
    pub added: String,
    pub last_used: String,
}

/// The keys of the signed-in user, dated in their language.
pub(crate) async fn key_rows(state: &AppState, auth: &Auth) -> Result<Vec<KeyRow>, PageError> {
    let tr = tr_of(auth);
    let keys = state
        .store
        .security_keys(&auth.user.id)
        .await
        .map_err(|e| PageError::new(tr, e.into()))?;
    Ok(keys
        .into_iter()
        .map(|key| KeyRow {
            added: tr.datetime(&key.created_at),
            last_used: key.last_used_at.as_deref().map_or_else(
                || tr.t("security_keys.never").to_owned(),
                |at| tr.datetime(at),
            ),
            name: key.name,
            id: key.id,
        })
        .collect())
}

/// Removes one of one's keys (current password required), back to the settings.
pub async fn remove(
    State(state): State<AppState>,
    Path(id): Path<String>,
    PageForm(auth, fields): PageForm,
) -> PageResult {
    let tr: Tr = tr_of(&auth);
    let password = fields
        .get("current_password")
        .unwrap_or_default()
        .to_owned();
    match security_keys::remove(&state, &auth, &id, &password).await {
        Ok(()) => Ok(redirect("/settings#second-factor").into_response()),
        Err(error) => Err(PageError::new(tr, error).back("/settings#second-factor")),
    }
}
