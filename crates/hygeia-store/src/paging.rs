//! Pagination of list queries.

use serde::{Deserialize, Serialize};

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: i64 = 500;

/// Which slice of a list to return.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct PageRequest {
    pub limit: i64,
    pub offset: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            limit: 50,
            offset: 0,
        }
    }
}

impl PageRequest {
    /// Clamps the request into a sane range (1..=MAX_PAGE_SIZE, offset ≥ 0).
    pub fn new(limit: Option<i64>, offset: Option<i64>) -> Self {
        Self {
            limit: limit.unwrap_or(50).clamp(1, MAX_PAGE_SIZE),
            offset: offset.unwrap_or(0).max(0),
        }
    }
}

/// One page of a list, with the total number of matching items.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

impl<T> Page<T> {
    /// A page with nothing on it.
    pub fn empty(page: PageRequest) -> Self {
        Page {
            items: Vec::new(),
            total: 0,
            limit: page.limit,
            offset: page.offset,
        }
    }

    /// The same page with each item converted.
    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(convert).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
        }
    }
}
