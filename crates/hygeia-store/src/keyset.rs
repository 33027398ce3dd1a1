//! Lists that do not slow down as they grow: rows in a fixed order by a sort column and the id
//! (newest or largest first), read along an index.
//!
//! - The page after a cursor starts where the previous page ended (`(sort, id) < (…, …)`), so
//!   its cost does not depend on how deep it is, and rows added meanwhile neither repeat nor
//!   skip rows.
//! - A numbered page (an offset) first picks its ids from the index, then reads only those rows.
//! - The total is counted up to [`COUNT_BOUND`]; beyond, the page says "more than".

use hygeia_domain::validation::{FieldError, ValidationErrors};
use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::error::Result;
use crate::paging::{COUNT_BOUND, Page, PageRequest};
use crate::sql::Filter;

/// Where a keyset list reads from.
pub(crate) struct Keyset<'a> {
    /// Tables (a table, or a join with aliases).
    pub from: &'static str,
    /// Selected columns.
    pub columns: &'a str,
    /// The sort column, descending (text or integer).
    pub sort: &'static str,
    /// The row id column (unique), the tie-breaker.
    pub id: &'static str,
    /// The sort column holds integers (else text).
    pub integer_sort: bool,
    /// Tables enough for the filter and the order, when `from` joins more (for the columns of
    /// the rows shown): the rows are counted and their ids picked there, and only the page's
    /// rows are read through `from`.
    pub pick_from: Option<&'static str>,
}

/// The refusal of a cursor this list did not give.
fn bad_cursor() -> crate::error::StoreError {
    ValidationErrors(vec![FieldError::bad_value(
        "after",
        "not a cursor of this list: pass back the `next` of the previous page",
    )])
    .into()
}

/// A cursor names the last row of a page: its sort value and id, hex-encoded so that it
/// travels in a query string as it is.
pub(crate) fn encode(sort: &str, id: &str) -> String {
    format!("{sort}\u{1f}{id}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn decode(cursor: &str) -> Option<(String, String)> {
    if !cursor.len().is_multiple_of(2) || cursor.len() > 512 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(cursor.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (sort, id) = text.split_once('\u{1f}')?;
    Some((sort.to_owned(), id.to_owned()))
}

/// The sort value of a row as text (integer sort columns are read as integers).
fn sort_text(row: &AnyRow) -> Result<String> {
    Ok(match row.try_get::<String, _>("k_sort") {
        Ok(text) => text,
        Err(_) => row.try_get::<i64, _>("k_sort")?.to_string(),
    })
}

/// The rows of the ids `ids` selects, read through `from`, in the list's order.
fn read_picked(columns: &str, sort: &str, id: &str, from: &str, ids: &str, order: &str) -> String {
    format!(
        "SELECT {columns}, {sort} AS k_sort, {id} AS k_id FROM {from} \
         WHERE {id} IN (SELECT picked FROM ({ids}) page_ids) ORDER BY {order}"
    )
}

/// The two statements of one page, over the same filter (whose values they bind).
pub(crate) struct Statements {
    /// The bounded count.
    pub count: String,
    /// The page's rows, with their sort value as `k_sort` and id as `k_id`.
    pub rows: String,
    pub filter: Filter,
}

impl Keyset<'_> {
    /// The statements of one page: after `after` when given (a cursor from a previous page's
    /// `next`), else at `page.offset`.
    pub fn statements(
        &self,
        mut filter: Filter,
        page: PageRequest,
        after: Option<&str>,
    ) -> Result<Statements> {
        let Keyset {
            from,
            columns,
            sort,
            id,
            integer_sort,
            pick_from,
        } = self;
        let order = format!("{sort} DESC, {id} DESC");
        let picked_in = pick_from.unwrap_or(from);
        let count = format!(
            "SELECT COUNT(*) FROM (SELECT 1 AS one FROM {picked_in}{} LIMIT {}) bounded",
            filter.where_clause(),
            COUNT_BOUND + 1
        );
        let take = page.limit + 1;
        let rows = match after {
            Some(cursor) => {
                let (last_sort, last_id) = decode(cursor).ok_or_else(bad_cursor)?;
                if *integer_sort {
                    let number = last_sort.parse::<i64>().map_err(|_| bad_cursor())?;
                    filter.before_integer(sort, number, id, &last_id);
                } else {
                    filter.before_text(sort, &last_sort, id, &last_id);
                }
                if let Some(pick_from) = pick_from {
                    let ids = format!(
                        "SELECT {id} AS picked FROM {pick_from}{} ORDER BY {order} LIMIT {take}",
                        filter.where_clause()
                    );
                    return Ok(Statements {
                        count,
                        rows: read_picked(columns, sort, id, from, &ids, &order),
                        filter,
                    });
                }
                format!(
                    "SELECT {columns}, {sort} AS k_sort, {id} AS k_id FROM {from}{} \
                     ORDER BY {order} LIMIT {take}",
                    filter.where_clause()
                )
            }
            None => {
                // The ids come from the index alone; only the page's rows are read.
                let ids = format!(
                    "SELECT {id} AS picked FROM {picked_in}{} ORDER BY {order} LIMIT {take} \
                     OFFSET {}",
                    filter.where_clause(),
                    page.offset
                );
                read_picked(columns, sort, id, from, &ids, &order)
            }
        };
        Ok(Statements {
            count,
            rows,
            filter,
        })
    }

    /// One page of the rows `filter` matches: after `after` when given (a cursor from a
    /// previous page's `next`), else at `page.offset`.
    pub async fn page<T>(
        &self,
        pool: &AnyPool,
        filter: Filter,
        page: PageRequest,
        after: Option<&str>,
    ) -> Result<Page<T>>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
    {
        // The count binds the filter's values before the cursor's are added to it.
        let counted: i64 = filter
            .scalar(self.statements(filter.clone(), page, None)?.count)
            .fetch_one(pool)
            .await?;
        let Statements { rows, filter, .. } = self.statements(filter, page, after)?;
        let rows = filter.query(rows).fetch_all(pool).await?;
        let more = i64::try_from(rows.len()).unwrap_or(i64::MAX) > page.limit;
        let shown = usize::try_from(page.limit)
            .unwrap_or(usize::MAX)
            .min(rows.len());
        let next = match (more, rows.get(shown.wrapping_sub(1))) {
            (true, Some(last)) => Some(encode(
                &sort_text(last)?,
                &last.try_get::<String, _>("k_id")?,
            )),
            _ => None,
        };
        let items = rows
            .iter()
            .take(shown)
            .map(T::from_row)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let mut out = Page::new(items, counted.min(COUNT_BOUND), page);
        out.total_exceeds = counted > COUNT_BOUND;
        out.next = next;
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_anything_else_is_refused() {
        let cursor = encode("2026-11-30T08:00:00Z", "a1b2");
        assert!(cursor.chars().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(
            decode(&cursor),
            Some(("2026-11-30T08:00:00Z".to_owned(), "a1b2".to_owned()))
        );
        for bad in ["", "zz", "abc", "6162", &"ab".repeat(300)] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
