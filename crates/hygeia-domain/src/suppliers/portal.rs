//! The supplier portal's rules: what a questionnaire link is sent with (a contact, a language,
//! a life of 1 to 90 days), when a link still opens, which files a supplier may upload, and
//! how guessing links is throttled.
//!
//! A link carries a random token of 256 bits; only its SHA-256 is stored. It opens while the
//! questionnaire is sent or in draft and not past its end; once submitted, revoked or expired
//! it is refused. Each failed lookup is counted per source address: after
//! [`PORTAL_MAX_FAILURES`] in [`PORTAL_WINDOW_MINUTES`] minutes the address is refused until
//! the window has passed, whatever token it tries.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::questionnaire::QuestionnaireTemplate;
use crate::validation::{FieldError, ValidationErrors, Validator};

/// Failed lookups one source address may make within the window.
pub const PORTAL_MAX_FAILURES: i64 = 20;
pub const PORTAL_WINDOW_MINUTES: i64 = 15;
/// Life of a link, in days: default and bounds.
pub const DEFAULT_LINK_DAYS: u32 = 30;
pub const MAX_LINK_DAYS: u32 = 90;
/// Largest file a supplier may upload, and the kinds accepted (by extension).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;
pub const UPLOAD_EXTENSIONS: [&str; 9] = [
    "pdf", "png", "jpg", "jpeg", "txt", "csv", "xlsx", "docx", "odt",
];

/// Whether one more lookup may run from an address with `failures` in the window.
pub fn portal_allows(failures: i64) -> bool {
    failures < PORTAL_MAX_FAILURES
}

/// Whether an uploaded file's name has an accepted extension.
pub fn upload_accepted(file_name: &str) -> bool {
    file_name
        .rsplit_once('.')
        .is_some_and(|(_, ext)| UPLOAD_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()))
}

/// Where a questionnaire stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionnaireStatus {
    /// Sent, not answered yet.
    Sent,
    /// Answers saved as a draft through the portal.
    Draft,
    /// Submitted: the link is closed; waiting for review.
    Submitted,
    /// Scored by a reviewer.
    Reviewed,
    /// Withdrawn before submission: the link is closed.
    Revoked,
}

impl QuestionnaireStatus {
    pub const ALL: [QuestionnaireStatus; 5] = [
        QuestionnaireStatus::Sent,
        QuestionnaireStatus::Draft,
        QuestionnaireStatus::Submitted,
        QuestionnaireStatus::Reviewed,
        QuestionnaireStatus::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuestionnaireStatus::Sent => "sent",
            QuestionnaireStatus::Draft => "draft",
            QuestionnaireStatus::Submitted => "submitted",
            QuestionnaireStatus::Reviewed => "reviewed",
            QuestionnaireStatus::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<QuestionnaireStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Still waiting for the supplier's answers.
    pub fn is_open(self) -> bool {
        matches!(self, QuestionnaireStatus::Sent | QuestionnaireStatus::Draft)
    }
}

/// Why a link does not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LinkRefusal {
    /// No questionnaire has this token (or it was mistyped).
    Unknown,
    Expired,
    Revoked,
    /// Already submitted: the answers can no longer change.
    Submitted,
    /// Too many failed lookups from this address.
    Throttled,
}

impl LinkRefusal {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkRefusal::Unknown => "unknown",
            LinkRefusal::Expired => "expired",
            LinkRefusal::Revoked => "revoked",
            LinkRefusal::Submitted => "submitted",
            LinkRefusal::Throttled => "throttled",
        }
    }
}

/// Whether a questionnaire's link opens at `now`.
pub fn link_state(
    status: QuestionnaireStatus,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), LinkRefusal> {
    match status {
        QuestionnaireStatus::Revoked => Err(LinkRefusal::Revoked),
        QuestionnaireStatus::Submitted | QuestionnaireStatus::Reviewed => {
            Err(LinkRefusal::Submitted)
        }
        _ if now >= expires_at => Err(LinkRefusal::Expired),
        _ => Ok(()),
    }
}

/// A questionnaire to send.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendInput {
    /// `nis2-supplier-short`, `nis2-supplier-full`, or one of the organisation's own.
    pub template_id: String,
    pub contact_name: String,
    pub contact_email: String,
    /// `en` (default) or `fr`: the language the portal shows.
    #[serde(default)]
    pub language: Option<String>,
    /// Life of the link in days, 1–90 (default 30).
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// A checked sending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedSend {
    pub contact_name: String,
    pub contact_email: String,
    pub language: &'static str,
    pub days: u32,
}

impl SendInput {
    /// Checks the sending against the template found for `template_id` (`None`: unknown).
    pub fn check(
        &self,
        template: Option<&QuestionnaireTemplate>,
    ) -> Result<CheckedSend, ValidationErrors> {
        let mut v = Validator::new();
        if template.is_none() {
            v.not_found("template_id", &self.template_id);
        }
        v.text("contact_name", &self.contact_name, 200);
        let email = self.contact_email.trim();
        if !email.contains('@') || email.contains(char::is_whitespace) || email.len() > 254 {
            v.not_email("contact_email", email);
        }
        let language = match self.language.as_deref().map(str::trim).unwrap_or("en") {
            "" | "en" => Some("en"),
            "fr" => Some("fr"),
            _ => None,
        };
        if language.is_none() {
            v.one_of("language", &["en", "fr"]);
        }
        let days = self.expires_in_days.unwrap_or(DEFAULT_LINK_DAYS);
        if !(1..=MAX_LINK_DAYS).contains(&days) {
            v.push(FieldError::out_of_range(
                "expires_in_days",
                1,
                MAX_LINK_DAYS as usize,
            ));
        }
        v.finish()?;
        Ok(CheckedSend {
            contact_name: self.contact_name.trim().to_owned(),
            contact_email: email.to_owned(),
            language: language.unwrap_or("en"),
            days,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_link_opens_only_while_open_and_unexpired() {
        let end = Utc.with_ymd_and_hms(2026, 4, 1, 0, 0, 0).unwrap();
        let before = end - chrono::Duration::seconds(1);
        use QuestionnaireStatus::*;
        assert_eq!(link_state(Sent, end, before), Ok(()));
        assert_eq!(link_state(Draft, end, before), Ok(()));
        assert_eq!(link_state(Draft, end, end), Err(LinkRefusal::Expired));
        assert_eq!(
            link_state(Submitted, end, before),
            Err(LinkRefusal::Submitted)
        );
        assert_eq!(
            link_state(Reviewed, end, before),
            Err(LinkRefusal::Submitted)
        );
        assert_eq!(link_state(Revoked, end, before), Err(LinkRefusal::Revoked));
        assert!(portal_allows(PORTAL_MAX_FAILURES - 1));
        assert!(!portal_allows(PORTAL_MAX_FAILURES));
    }

    #[test]
    fn uploads_are_limited_to_document_kinds() {
        assert!(upload_accepted("ISO27001-certificate.PDF"));
        assert!(upload_accepted("policy.docx"));
        assert!(!upload_accepted("setup.exe"));
        assert!(!upload_accepted("report.pdf.js"));
        assert!(!upload_accepted("noextension"));
    }

    #[test]
    fn a_sending_names_its_problems() {
        let fields = |e: ValidationErrors| e.0.into_iter().map(|e| e.field).collect::<Vec<_>>();
        let bad = SendInput {
            template_id: "nope".into(),
            contact_name: " ".into(),
            contact_email: "lea".into(),
            language: Some("de".into()),
            expires_in_days: Some(365),
        };
        assert_eq!(
            fields(bad.check(None).unwrap_err()),
            [
                "template_id",
                "contact_name",
                "contact_email",
                "language",
                "expires_in_days"
            ]
        );
    }
}
