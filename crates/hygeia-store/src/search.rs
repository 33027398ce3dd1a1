//! Text search over the registers the global search page covers and that have no text filter
//! of their own: controls, evidence and users (entities and assets are searched through their lists'
//! `q` filters). Case-insensitive substring match, within the caller's entity scope; a blank
//! text finds nothing.

use hygeia_domain::access::EntityScope;
use serde::Serialize;

use crate::error::Result;
use crate::sql::Filter;
use crate::{Page, PageRequest, Store};

/// A control whose name, owner or description matches.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ControlMatch {
    pub id: String,
    pub entity_id: String,
    pub name: String,
    pub owner: Option<String>,
    pub status: String,
}

/// A user whose name or e-mail address matches.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct UserMatch {
    pub id: String,
    pub email: String,
    pub display_name: String,
}

/// A piece of evidence whose title, file name or address matches.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct EvidenceMatch {
    pub id: String,
    pub entity_id: String,
    pub kind: String,
    pub title: String,
    pub file_name: Option<String>,
    pub valid_until: Option<String>,
}

impl Store {
    pub async fn search_controls(
        &self,
        scope: &EntityScope,
        text: &str,
        page: PageRequest,
    ) -> Result<Page<ControlMatch>> {
        if text.trim().is_empty() {
            return Ok(Page::empty(page));
        }
        let mut f = Filter::new();
        f.search_opt(&["name", "owner", "description"], Some(text));
        f.scope("entity_id", scope);
        f.page(
            self.reader(),
            "controls",
            "id, entity_id, name, owner, status",
            "name, id",
            page,
        )
        .await
    }

    pub async fn search_evidence(
        &self,
        scope: &EntityScope,
        text: &str,
        page: PageRequest,
    ) -> Result<Page<EvidenceMatch>> {
        if text.trim().is_empty() {
            return Ok(Page::empty(page));
        }
        let mut f = Filter::new();
        f.search_opt(&["title", "file_name", "url"], Some(text));
        f.scope("entity_id", scope);
        f.page(
            self.reader(),
            "evidence",
            "id, entity_id, kind, title, file_name, valid_until",
            "title, id",
            page,
        )
        .await
    }

    pub async fn search_users(
        &self,
        organisation_id: &str,
        text: &str,
        page: PageRequest,
    ) -> Result<Page<UserMatch>> {
        if text.trim().is_empty() {
            return Ok(Page::empty(page));
        }
        let mut f = Filter::new();
        f.eq_opt("organisation_id", Some(organisation_id));
        f.search_opt(&["display_name", "email"], Some(text));
        f.page(
            self.reader(),
            "users",
            "id, email, display_name",
            "display_name, id",
            page,
        )
        .await
    }
}
