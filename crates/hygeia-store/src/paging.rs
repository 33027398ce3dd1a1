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
    /// How many items match; with `total_exceeds`, a lower bound (lists that can hold tens of
    /// thousands of rows count up to [`COUNT_BOUND`] only).
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
    /// More than `total` items match.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_exceeds: bool,
    /// For lists read by key: pass it back as `after` to read the next page (absent on the
    /// last page). Stable while rows are added, unlike an offset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Lists read by key count matching rows up to this bound, then say "more than".
pub const COUNT_BOUND: i64 = 10_000;

impl<T> Page<T> {
    /// A page of `items` out of `total` matching items.
    pub fn new(items: Vec<T>, total: i64, page: PageRequest) -> Self {
        Page {
            items,
            total,
            limit: page.limit,
            offset: page.offset,
            total_exceeds: false,
            next: None,
        }
    }

    /// A page with nothing on it.
    pub fn empty(page: PageRequest) -> Self {
        Page::new(Vec::new(), 0, page)
    }

    /// The same page with each item converted.
    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(convert).collect(),
            total: self.total,
            limit: self.limit,
            offset: self.offset,
            total_exceeds: self.total_exceeds,
            next: self.next,
        }
    }
}
