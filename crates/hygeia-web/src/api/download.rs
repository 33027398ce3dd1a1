//! What every file download of the API shares: the `format` parameter of the table exports and
//! the response that hands bytes over as an attachment.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use hygeia_domain::validation::FieldError;
use hygeia_report::Format;

use crate::error::{ApiError, ApiResult};

/// The `format` query parameter of a table export: CSV unless `xlsx` is asked for.
pub(crate) fn table_format(value: Option<&str>) -> ApiResult<Format> {
    match value {
        None => Ok(Format::Csv),
        Some(text) => Format::parse(text)
            .ok_or_else(|| ApiError::field_error(FieldError::one_of("format", &["csv", "xlsx"]))),
    }
}

/// `bytes` served as a download named `file_name` (ASCII, no quotes: callers build it from
/// identifiers and fixed words).
pub(crate) fn attachment(
    bytes: Vec<u8>,
    media_type: &'static str,
    file_name: &str,
) -> ApiResult<Response> {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{file_name}\""))
            .map_err(ApiError::internal)?,
    );
    Ok(response)
}
