//! Evidence: files (their bytes in `evidence_content`, see docs/adr/0004-evidence-storage.md)
//! and links, with a validity end date, attached to controls and requirements.

use hygeia_catalog::Catalog;
use hygeia_domain::access::EntityScope;
use hygeia_domain::validation::{FieldError, ValidationErrors, Validator};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

use super::controls::control_in;
use super::types::{Attachment, Evidence, Expiry};
use super::{check_date, check_optional_text, check_requirement, clean, in_scope, json};
use crate::audit::{Change, append};
use crate::error::{Result, StoreError};
use crate::{Actor, Store, new_id};

/// The description of an uploaded file.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct EvidenceUpload {
    pub title: String,
    /// The file's name as shown and offered on download.
    pub file_name: String,
    /// Last day of validity, `YYYY-MM-DD`.
    pub valid_until: Option<String>,
    /// Media type; defaults to `application/octet-stream`.
    pub media_type: Option<String>,
}

/// A link kept as evidence (a ticket, a document in another system).
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct EvidenceLinkInput {
    pub title: String,
    /// `https://` or `http://` address.
    pub url: String,
    /// Last day of validity, `YYYY-MM-DD`.
    #[serde(default)]
    pub valid_until: Option<String>,
}

const COLUMNS: &str = "id, entity_id, kind, title, file_name, media_type, size_bytes, sha256, \
    url, valid_until, created_at, created_by";

/// A file name as offered for download: no folders, no control characters or quotes.
fn safe_file_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    base.chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(200)
        .collect::<String>()
        .trim()
        .to_owned()
}

fn from_row(row: &sqlx::any::AnyRow, today: chrono::NaiveDate) -> Result<Evidence> {
    let valid_until: Option<String> = row.try_get("valid_until")?;
    let expiry = Expiry::on(today, valid_until.as_deref());
    Ok(Evidence {
        id: row.try_get("id")?,
        entity_id: row.try_get("entity_id")?,
        kind: row.try_get("kind")?,
        title: row.try_get("title")?,
        file_name: row.try_get("file_name")?,
        media_type: row.try_get("media_type")?,
        size_bytes: row.try_get("size_bytes")?,
        sha256: row.try_get("sha256")?,
        url: row.try_get("url")?,
        valid_until,
        expiry,
        expired: expiry == Expiry::Expired,
        expiring_soon: expiry == Expiry::ExpiringSoon,
        created_at: row.try_get("created_at")?,
        created_by: row.try_get("created_by")?,
        attachments: Vec::new(),
    })
}

async fn attachments_of(conn: &mut AnyConnection, id: &str) -> Result<Vec<Attachment>> {
    let rows = sqlx::query(
        "SELECT control_id, framework_id, requirement_id FROM evidence_links \
         WHERE evidence_id = $1 ORDER BY created_at, id",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Attachment {
                control_id: r.try_get("control_id")?,
                framework_id: r.try_get("framework_id")?,
                requirement_id: r.try_get("requirement_id")?,
            })
        })
        .collect()
}

/// A checked file to store as evidence of `entity_id`.
pub(crate) struct StoredFile<'a> {
    pub id: &'a str,
    pub entity_id: &'a str,
    pub upload: &'a EvidenceUpload,
    pub content: &'a [u8],
    /// Who gave it (a user's e-mail, or a supplier contact's).
    pub created_by: &'a str,
    pub now: &'a str,
}

/// Writes a file's description (with its SHA-256 and size) and bytes within `conn`'s
/// transaction; the caller has checked the upload.
pub(crate) async fn insert_file(conn: &mut AnyConnection, file: &StoredFile<'_>) -> Result<()> {
    let sha256 = hex::encode(Sha256::digest(file.content));
    let size = i64::try_from(file.content.len()).unwrap_or(i64::MAX);
    let media_type =
        clean(&file.upload.media_type).unwrap_or_else(|| "application/octet-stream".to_owned());
    sqlx::query(
        "INSERT INTO evidence (id, entity_id, kind, title, file_name, media_type, size_bytes, \
         sha256, url, valid_until, created_at, created_by) \
         VALUES ($1, $2, 'file', $3, $4, $5, $6, $7, NULL, $8, $9, $10)",
    )
    .bind(file.id)
    .bind(file.entity_id)
    .bind(file.upload.title.trim())
    .bind(safe_file_name(&file.upload.file_name))
    .bind(&media_type)
    .bind(size)
    .bind(&sha256)
    .bind(clean(&file.upload.valid_until))
    .bind(file.now)
    .bind(file.created_by)
    .execute(&mut *conn)
    .await?;
    sqlx::query("INSERT INTO evidence_content (evidence_id, content) VALUES ($1, $2)")
        .bind(file.id)
        .bind(file.content.to_vec())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The error naming `field` when `evidence_id` is not evidence of `entity_id`.
pub(crate) async fn evidence_check(
    conn: &mut AnyConnection,
    field: &str,
    evidence_id: Option<&str>,
    entity_id: &str,
) -> Result<()> {
    let Some(evidence_id) = evidence_id else {
        return Ok(());
    };
    let of: Option<String> = sqlx::query_scalar("SELECT entity_id FROM evidence WHERE id = $1")
        .bind(evidence_id)
        .fetch_optional(&mut *conn)
        .await?;
    if of.as_deref() == Some(entity_id) {
        Ok(())
    } else {
        Err(ValidationErrors(vec![FieldError::not_found(field, evidence_id)]).into())
    }
}

impl Store {
    /// Today (UTC): the day expiry dates are compared with.
    pub(crate) fn today(&self) -> chrono::NaiveDate {
        self.clock().now().date_naive()
    }

    async fn evidence_in(&self, conn: &mut AnyConnection, id: &str) -> Result<Evidence> {
        let sql = format!("SELECT {COLUMNS} FROM evidence WHERE id = $1");
        let row = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?
            .ok_or_else(|| StoreError::not_found("evidence", id))?;
        let mut evidence = from_row(&row, self.today())?;
        evidence.attachments = attachments_of(conn, id).await?;
        Ok(evidence)
    }

    /// The entity's evidence reaching one requirement of a framework, attached to it or to a
    /// control that serves it, each piece once, by id (as [`Store::evidence_by_requirement`]
    /// finds it for a whole framework), read in one query. Attachments are not read.
    pub async fn evidence_for_requirement(
        &self,
        entity_id: &str,
        framework_id: &str,
        requirement_id: &str,
    ) -> Result<Vec<Evidence>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM evidence WHERE entity_id = $1 AND id IN (\
             SELECT evidence_id FROM evidence_links \
             WHERE framework_id = $2 AND requirement_id = $3 \
             UNION \
             SELECT l.evidence_id FROM control_requirements cr \
             JOIN evidence_links l ON l.control_id = cr.control_id \
             WHERE cr.framework_id = $2 AND cr.requirement_id = $3) \
             ORDER BY id"
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(entity_id)
            .bind(framework_id)
            .bind(requirement_id)
            .fetch_all(self.reader())
            .await?;
        let today = self.today();
        rows.iter().map(|row| from_row(row, today)).collect()
    }

    /// One page of the entity's evidence, newest first, optionally only in one expiry state,
    /// with the total count; the expiry state is computed in SQL from today's date, so large
    /// evidence sets are never read whole.
    pub async fn list_evidence_page(
        &self,
        entity_id: &str,
        expiry: Option<Expiry>,
        page: crate::PageRequest,
    ) -> Result<crate::Page<Evidence>> {
        let today = self.today();
        let soon = today + chrono::Duration::days(super::EXPIRING_WITHIN_DAYS);
        let (today_text, soon_text) = (
            today.format("%Y-%m-%d").to_string(),
            soon.format("%Y-%m-%d").to_string(),
        );
        let mut f = crate::sql::Filter::new();
        f.eq_opt("entity_id", Some(entity_id));
        match expiry {
            None => {}
            Some(Expiry::NoEndDate) => f.condition("valid_until IS NULL"),
            Some(Expiry::Expired) => f.cmp_opt("valid_until", "<", Some(&today_text)),
            Some(Expiry::ExpiringSoon) => {
                f.cmp_opt("valid_until", ">=", Some(&today_text));
                f.cmp_opt("valid_until", "<=", Some(&soon_text));
            }
            Some(Expiry::Valid) => f.cmp_opt("valid_until", ">", Some(&soon_text)),
        }
        let sql = format!(
            "SELECT {COLUMNS}, COUNT(*) OVER () AS total_count FROM evidence{} \
             ORDER BY created_at DESC, id DESC LIMIT {} OFFSET {}",
            f.where_clause(),
            page.limit,
            page.offset
        );
        let mut conn = self.reader().acquire().await?;
        let rows = f.query(sql).fetch_all(&mut *conn).await?;
        let total = match rows.first() {
            Some(row) => row.try_get::<i64, _>("total_count")?,
            None if page.offset == 0 => 0,
            None => {
                f.scalar(format!("SELECT COUNT(*) FROM evidence{}", f.where_clause()))
                    .fetch_one(&mut *conn)
                    .await?
            }
        };
        let mut items = rows
            .iter()
            .map(|r| from_row(r, today))
            .collect::<Result<Vec<_>>>()?;
        if !items.is_empty() {
            // The attachments of the whole page in one query.
            let mut lf = crate::sql::Filter::new();
            lf.in_set("evidence_id", items.iter().map(|e| e.id.as_str()));
            let links = lf
                .query(format!(
                    "SELECT evidence_id, control_id, framework_id, requirement_id FROM evidence_links{} \
                     ORDER BY created_at, id",
                    lf.where_clause()
                ))
                .fetch_all(&mut *conn)
                .await?;
            let position: std::collections::HashMap<String, usize> = items
                .iter()
                .enumerate()
                .map(|(i, e)| (e.id.clone(), i))
                .collect();
            for link in &links {
                let evidence_id: String = link.try_get("evidence_id")?;
                if let Some(evidence) = position.get(&evidence_id).and_then(|i| items.get_mut(*i)) {
                    evidence.attachments.push(Attachment {
                        control_id: link.try_get("control_id")?,
                        framework_id: link.try_get("framework_id")?,
                        requirement_id: link.try_get("requirement_id")?,
                    });
                }
            }
        }
        Ok(crate::Page::new(items, total, page))
    }

    /// One piece of evidence, if its entity is in `scope`.
    pub async fn evidence(&self, scope: &EntityScope, id: &str) -> Result<Evidence> {
        let mut conn = self.reader().acquire().await?;
        let evidence = self.evidence_in(&mut conn, id).await?;
        in_scope(scope, &evidence.entity_id, "evidence", id)?;
        Ok(evidence)
    }

    /// A file's description and bytes, if its entity is in `scope`.
    pub async fn evidence_file(
        &self,
        scope: &EntityScope,
        id: &str,
    ) -> Result<(Evidence, Vec<u8>)> {
        let evidence = self.evidence(scope, id).await?;
        let content: Vec<u8> =
            sqlx::query_scalar("SELECT content FROM evidence_content WHERE evidence_id = $1")
                .bind(id)
                .fetch_optional(self.reader())
                .await?
                .ok_or_else(|| StoreError::not_found("evidence file", id))?;
        Ok((evidence, content))
    }

    /// Stores a file as evidence with its SHA-256 and size; the caller has already enforced
    /// the size limit while reading it.
    pub async fn add_evidence_file(
        &self,
        actor: &Actor,
        entity_id: &str,
        upload: &EvidenceUpload,
        content: &[u8],
    ) -> Result<Evidence> {
        self.add_evidence_file_attached(actor, entity_id, upload, content, &[], None)
            .await
    }

    /// As [`Store::add_evidence_file`], attached at once to `targets` (controls of the same
    /// entity, requirements of `catalog`), all or nothing: one transaction and one audit
    /// record whose `after` lists the attachments.
    pub async fn add_evidence_file_attached(
        &self,
        actor: &Actor,
        entity_id: &str,
        upload: &EvidenceUpload,
        content: &[u8],
        targets: &[Attachment],
        catalog: Option<&Catalog>,
    ) -> Result<Evidence> {
        let mut v = Validator::new();
        let mut wanted: Vec<Attachment> = Vec::with_capacity(targets.len());
        for target in targets {
            let cleaned = Attachment {
                control_id: clean(&target.control_id),
                framework_id: clean(&target.framework_id),
                requirement_id: clean(&target.requirement_id),
            };
            match (
                &cleaned.control_id,
                &cleaned.framework_id,
                &cleaned.requirement_id,
            ) {
                (Some(_), None, None) => {}
                (None, Some(fw), Some(req)) => match catalog {
                    Some(catalog) => check_requirement(&mut v, catalog, "requirement_id", fw, req),
                    None => v.one_target("control_id"),
                },
                _ => v.one_target("control_id"),
            }
            if !wanted.contains(&cleaned) {
                wanted.push(cleaned);
            }
        }
        v.text("title", &upload.title, 200);
        let file_name = safe_file_name(&upload.file_name);
        if file_name.is_empty() {
            v.empty("file_name");
        }
        check_date(&mut v, "valid_until", upload.valid_until.as_deref());
        check_optional_text(&mut v, "media_type", upload.media_type.as_deref(), 100);
        if content.is_empty() {
            v.empty_file("content");
        }
        v.finish()?;
        let now = self.now();
        let id = new_id();
        let mut tx = self.begin().await?;
        let stored = StoredFile {
            id: &id,
            entity_id,
            upload,
            content,
            created_by: &actor.label,
            now: &now,
        };
        insert_file(&mut tx, &stored).await?;
        for target in &wanted {
            if let Some(control_id) = &target.control_id {
                let same_entity = control_in(&mut tx, control_id)
                    .await
                    .is_ok_and(|c| c.entity_id == entity_id);
                if !same_entity {
                    return Err(StoreError::Conflict {
                        field: "control_id",
                        message: format!("control '{control_id}' does not exist"),
                    });
                }
            }
            sqlx::query(
                "INSERT INTO evidence_links (id, evidence_id, control_id, framework_id, \
                 requirement_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(new_id())
            .bind(&id)
            .bind(&target.control_id)
            .bind(&target.framework_id)
            .bind(&target.requirement_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        let evidence = self.evidence_in(&mut tx, &id).await?;
        let change = Change {
            action: "evidence.upload",
            object_type: "evidence",
            object_id: &id,
            entity_id: Some(entity_id),
            before: None,
            after: json(&evidence),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(evidence)
    }

    /// Stores a link as evidence.
    pub async fn add_evidence_link(
        &self,
        actor: &Actor,
        entity_id: &str,
        input: &EvidenceLinkInput,
    ) -> Result<Evidence> {
        let mut v = Validator::new();
        v.text("title", &input.title, 200);
        match url::Url::parse(input.url.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => {}
            _ => v.bad_url("url"),
        }
        check_optional_text(&mut v, "url", Some(&input.url), 2000);
        check_date(&mut v, "valid_until", input.valid_until.as_deref());
        v.finish()?;
        let now = self.now();
        let id = new_id();
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO evidence (id, entity_id, kind, title, file_name, media_type, size_bytes, \
             sha256, url, valid_until, created_at, created_by) \
             VALUES ($1, $2, 'link', $3, NULL, NULL, NULL, NULL, $4, $5, $6, $7)",
        )
        .bind(&id)
        .bind(entity_id)
        .bind(input.title.trim())
        .bind(input.url.trim())
        .bind(clean(&input.valid_until))
        .bind(&now)
        .bind(&actor.label)
        .execute(&mut *tx)
        .await?;
        let evidence = self.evidence_in(&mut tx, &id).await?;
        let change = Change {
            action: "evidence.link",
            object_type: "evidence",
            object_id: &id,
            entity_id: Some(entity_id),
            before: None,
            after: json(&evidence),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(evidence)
    }

    /// Attaches evidence to a control of the same entity or to a requirement of the catalog.
    pub async fn attach_evidence(
        &self,
        actor: &Actor,
        scope: &EntityScope,
        evidence_id: &str,
        target: &Attachment,
        catalog: &Catalog,
    ) -> Result<Evidence> {
        let mut v = Validator::new();
        let control_id = clean(&target.control_id);
        let framework_id = clean(&target.framework_id);
        let requirement_id = clean(&target.requirement_id);
        match (&control_id, &framework_id, &requirement_id) {
            (Some(_), None, None) => {}
            (None, Some(fw), Some(req)) => {
                check_requirement(&mut v, catalog, "requirement_id", fw, req)
            }
            _ => v.one_target("control_id"),
        }
        v.finish()?;
        let now = self.now();
        let mut tx = self.begin().await?;
        let before = self.evidence_in(&mut tx, evidence_id).await?;
        in_scope(scope, &before.entity_id, "evidence", evidence_id)?;
        if let Some(control_id) = &control_id {
            let control =
                control_in(&mut tx, control_id)
                    .await
                    .map_err(|_| StoreError::Conflict {
                        field: "control_id",
                        message: format!("control '{control_id}' does not exist"),
                    })?;
            if control.entity_id != before.entity_id {
                return Err(StoreError::Conflict {
                    field: "control_id",
                    message: format!("control '{control_id}' does not exist"),
                });
            }
        }
        let wanted = Attachment {
            control_id,
            framework_id,
            requirement_id,
        };
        if !before.attachments.contains(&wanted) {
            sqlx::query(
                "INSERT INTO evidence_links (id, evidence_id, control_id, framework_id, \
                 requirement_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(new_id())
            .bind(evidence_id)
            .bind(&wanted.control_id)
            .bind(&wanted.framework_id)
            .bind(&wanted.requirement_id)
            .bind(&now)
            .execute(&mut *tx)
            .await?;
        }
        let after = self.evidence_in(&mut tx, evidence_id).await?;
        let change = Change {
            action: "evidence.attach",
            object_type: "evidence",
            object_id: evidence_id,
            entity_id: Some(&after.entity_id),
            before: json(&before),
            after: json(&after),
        };
        append(&mut tx, actor, &now, change).await?;
        tx.commit().await?;
        Ok(after)
    }
}

/// Links evidence to a requirement of a framework, once.
pub(super) async fn link_to_requirement(
    tx: &mut crate::database::WriteTx,
    evidence_id: &str,
    framework_id: &str,
    requirement_id: &str,
    now: &str,
) -> Result<()> {
    let linked: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM evidence_links WHERE evidence_id = $1 AND framework_id = $2 \
         AND requirement_id = $3",
    )
    .bind(evidence_id)
    .bind(framework_id)
    .bind(requirement_id)
    .fetch_one(&mut **tx)
    .await?;
    if linked == 0 {
        sqlx::query(
            "INSERT INTO evidence_links (id, evidence_id, control_id, framework_id, \
             requirement_id, created_at) VALUES ($1, $2, NULL, $3, $4, $5)",
        )
        .bind(new_id())
        .bind(evidence_id)
        .bind(framework_id)
        .bind(requirement_id)
        .bind(now)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_file_name;

    #[test]
    fn file_names_lose_folders_and_quotes() {
        assert_eq!(safe_file_name("../../etc/passwd"), "passwd");
        assert_eq!(
            safe_file_name("C:\\x\\rapport \"v2\".pdf"),
            "rapport v2.pdf"
        );
        assert_eq!(safe_file_name("a\r\nb.txt"), "ab.txt");
    }
}
