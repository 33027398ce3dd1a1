//! Compliance work of a legal entity: controls, assessments and their results, evidence, and
//! the organisation's reviews of crosswalk pairs.
//!
//! Every query is scoped: a getter takes the caller's [`EntityScope`] and answers "not found"
//! for an object of an entity outside it. Results are validated through `hygeia-compliance`
//! (a not-applicable result needs a justification; the requirement must be an assessable one
//! of the assessed framework). Every write runs in one transaction with its audit record; result
//! changes also go to `result_history`, from which the trend is replayed.

mod assessment;
mod attestations;
pub(crate) mod controls;
mod delta_confirmations;
pub(crate) mod evidence;
mod results;
mod reviews;
mod types;

pub use attestations::ScopeAttestation;
pub use delta_confirmations::{DeltaConfirmation, delta_fingerprint};
pub use evidence::{EvidenceLinkInput, EvidenceUpload};
pub use hygeia_compliance::ResultValue;
pub(crate) use results::set_non_compliant;
pub use results::{EvidenceRef, ResultFilter};
pub use types::*;

use chrono::NaiveDate;
use hygeia_catalog::Catalog;
use hygeia_domain::access::EntityScope;
use hygeia_domain::validation::Validator;

use crate::error::StoreError;

/// Days before its end date from which evidence counts as expiring.
pub const EXPIRING_WITHIN_DAYS: i64 = 30;

fn json<T: serde::Serialize>(value: &T) -> Option<serde_json::Value> {
    serde_json::to_value(value).ok()
}

/// Checks an optional `YYYY-MM-DD` date.
fn check_date(v: &mut Validator, field: &str, value: Option<&str>) -> Option<NaiveDate> {
    let text = value?.trim();
    match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) => {
            v.bad_date(field);
            None
        }
    }
}

/// Checks an optional free text of bounded length.
fn check_optional_text(v: &mut Validator, field: &str, value: Option<&str>, max: usize) {
    v.optional_text(field, value, max);
}

/// Blank optional text is no text.
fn clean(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

/// Checks that a requirement exists in the catalog.
fn check_requirement(
    v: &mut Validator,
    catalog: &Catalog,
    field: &str,
    framework_id: &str,
    requirement_id: &str,
) {
    match catalog.framework(framework_id) {
        None => v.unknown_framework(field, framework_id),
        Some(fw) if fw.requirement(requirement_id).is_none() => {
            v.unknown_requirement(field, framework_id, requirement_id)
        }
        Some(_) => {}
    }
}

/// Not found unless the entity is in scope.
fn in_scope(
    scope: &EntityScope,
    entity_id: &str,
    what: &'static str,
    id: &str,
) -> Result<(), StoreError> {
    if scope.contains(entity_id) {
        Ok(())
    } else {
        Err(StoreError::not_found(what, id))
    }
}
