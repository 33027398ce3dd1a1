//! The one error type of the web layer. It answers `application/problem+json` (RFC 9457) with
//! a message a person understands, logs internal failures, and never leaks their details.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hygeia_domain::access::Denied;
use hygeia_domain::validation::FieldError;
use hygeia_store::StoreError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("authentication required: sign in or send an API token as 'Authorization: Bearer …'")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{detail}")]
    BadRequest {
        detail: String,
        errors: Vec<FieldError>,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("too many failed sign-in attempts: try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: u64 },
    /// A questionnaire link's token is missing (the portal takes no other credential).
    #[error("{0}")]
    NoLink(String),
    /// A questionnaire link that no longer opens (expired, withdrawn, submitted).
    #[error("{0}")]
    Gone(String),
    /// Too many unknown questionnaire links from one address.
    #[error("too many unknown links from this address: try again in {retry_after_secs} seconds")]
    TooManyGuesses { retry_after_secs: u64 },
    #[error("the service is not ready: {0}")]
    Unavailable(String),
    #[error(
        "too many sign-ins are being checked right now: try again in {retry_after_secs} seconds"
    )]
    Busy { retry_after_secs: u64 },
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::BadRequest {
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// A field refused for a reason only the web layer knows (code `invalid`, English only);
    /// prefer [`ApiError::field_error`] with a coded error.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::field_error(FieldError::invalid(field, &message.into()))
    }

    /// One coded field error.
    pub fn field_error(error: FieldError) -> Self {
        ApiError::BadRequest {
            detail: format!("{}: {}", error.field, error.message),
            errors: vec![error],
        }
    }

    /// A refused decision on a derived result, coded.
    pub fn decision(error: &hygeia_compliance::DecisionError) -> Self {
        use hygeia_compliance::DecisionError as E;
        let field = error.field();
        Self::field_error(match error {
            E::UnknownRequirement { requirement_id } => {
                FieldError::not_derived(field, requirement_id)
            }
            E::NothingToAccept { requirement_id } => {
                FieldError::nothing_to_accept(field, requirement_id)
            }
            E::MissingReason { requirement_id } => FieldError::needs_reason(field, requirement_id),
            E::MissingJustification { requirement_id } => {
                FieldError::needs_justification(field, requirement_id)
            }
        })
    }

    pub fn internal(error: impl std::fmt::Display) -> Self {
        ApiError::Internal(error.to_string())
    }

    /// The HTTP status this error answers with.
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthenticated => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::TooManyRequests { .. } | ApiError::TooManyGuesses { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            ApiError::NoLink(_) => StatusCode::UNAUTHORIZED,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::Unavailable(_) | ApiError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { .. } => ApiError::NotFound(error.to_string()),
            // A clash with stored state is a conflict; a bad reference in a field is bad input.
            StoreError::Conflict {
                field:
                    field @ ("version" | "name" | "email" | "id" | "stage_key" | "reference" | "state"
                    | "audience"),
                message,
            } => ApiError::Conflict(format!("{field}: {message}")),
            StoreError::Conflict { field, message } => ApiError::field(field, message),
            StoreError::Invalid(errors) => ApiError::BadRequest {
                detail: errors.to_string(),
                errors: errors.0,
            },
            StoreError::Denied(denied) => ApiError::from(denied),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<Denied> for ApiError {
    /// A refused operation is also noted in the security log (rate-limited, never the audit
    /// chain), so repeated probing of what a role may do shows up.
    fn from(denied: Denied) -> Self {
        let detail = denied.to_string();
        let what = match &denied {
            Denied::Permission { permission, .. } | Denied::TokenScope { permission, .. } => {
                format!("{permission:?}")
            }
            Denied::OutOfScope { .. } => "entity outside the grants".to_owned(),
        };
        crate::security_log::note("operation denied", &what, None);
        ApiError::Forbidden(detail)
    }
}

/// The problem document (RFC 9457), with the field errors as an extension member.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<FieldErrorSchema>)]
    pub errors: Vec<FieldError>,
}

/// The OpenAPI shape of [`FieldError`] (the domain crate knows nothing of OpenAPI).
#[derive(utoipa::ToSchema)]
#[schema(as = FieldError)]
#[allow(dead_code)]
pub struct FieldErrorSchema {
    /// The input field at fault (`name`, `assets[3].id`, `title.fr`…).
    field: String,
    code: CodeSchema,
    /// The code's parameters, present when the code has them: `max` (number), `allowed`
    /// (array of strings), `value`, `other`, `framework`, `requirement`, `source`, `target`,
    /// `file`, `entry`, `reason` (strings).
    #[schema(value_type = Object)]
    params: (),
    /// What is wrong, in English.
    message: String,
}

/// The stable machine code of a field error.
pub struct CodeSchema;

impl utoipa::PartialSchema for CodeSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use hygeia_domain::validation::Code;
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some(
                "What is wrong, as a stable code; the UI translates it.",
            ))
            .enum_values(Some(Code::ALL.iter().map(|c| c.as_str())))
            .into()
    }
}

impl utoipa::ToSchema for CodeSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "FieldErrorCode".into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(detail) = &self {
            tracing::error!(%detail, "internal error");
        }
        let retry_after = match &self {
            ApiError::TooManyRequests { retry_after_secs }
            | ApiError::TooManyGuesses { retry_after_secs }
            | ApiError::Busy { retry_after_secs } => Some(*retry_after_secs),
            _ => None,
        };
        let detail = self.to_string();
        let errors = match self {
            ApiError::BadRequest { errors, .. } => errors,
            _ => Vec::new(),
        };
        let problem = Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut response = (status, axum::Json(problem)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
