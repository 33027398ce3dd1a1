//! A small builder for the WHERE clause of list queries: the only place where SQL text is
//! assembled at run time. It writes column names and operators chosen by our own code and binds
//! every user-supplied value as a `$n` parameter, so nothing a client sends becomes SQL.

use hygeia_domain::access::EntityScope;
use sqlx::any::AnyArguments;
use sqlx::any::AnyRow;
use sqlx::query::{Query, QueryScalar};
use sqlx::{Any, AnyPool, Arguments, AssertSqlSafe, Row};

use crate::error::Result;
use crate::paging::{Page, PageRequest};

/// A value bound to a placeholder.
#[derive(Debug, Clone)]
enum Value {
    Text(String),
    Integer(i64),
}

/// Accumulates conditions and their parameters.
#[derive(Debug, Default, Clone)]
pub(crate) struct Filter {
    conditions: Vec<String>,
    values: Vec<Value>,
}

impl Filter {
    pub fn new() -> Self {
        Self::default()
    }

    fn placeholder(&mut self, value: Value) -> String {
        self.values.push(value);
        format!("${}", self.values.len())
    }

    /// A placeholder bound to an integer, for a value outside the WHERE clause (such as the
    /// new value of an UPDATE).
    pub fn placeholder_for(&mut self, value: i64) -> String {
        self.placeholder(Value::Integer(value))
    }

    /// A placeholder bound to a text, for a value outside the WHERE clause (such as a date a
    /// selected column compares with).
    pub fn placeholder_for_text(&mut self, value: &str) -> String {
        self.placeholder(Value::Text(value.to_owned()))
    }

    /// `column = value` when a value is given.
    pub fn eq_opt(&mut self, column: &'static str, value: Option<&str>) {
        self.cmp_opt(column, "=", value);
    }

    /// `column OP value` when a value is given; `op` is one of our constants.
    pub fn cmp_opt(&mut self, column: &'static str, op: &'static str, value: Option<&str>) {
        if let Some(value) = value {
            let p = self.placeholder(Value::Text(value.to_owned()));
            self.conditions.push(format!("{column} {op} {p}"));
        }
    }

    /// `column OP value` for an integer; `op` is one of our constants.
    pub fn cmp_integer(&mut self, column: &'static str, op: &'static str, value: i64) {
        let p = self.placeholder(Value::Integer(value));
        self.conditions.push(format!("{column} {op} {p}"));
    }

    /// Rows before (`sort`, `id`) = (`value`, `last_id`) in descending order: the rest of a
    /// keyset list after its cursor.
    pub fn before_text(&mut self, sort: &str, value: &str, id: &str, last_id: &str) {
        let a = self.placeholder(Value::Text(value.to_owned()));
        let b = self.placeholder(Value::Text(last_id.to_owned()));
        self.conditions.push(format!("({sort}, {id}) < ({a}, {b})"));
    }

    /// Like [`Filter::before_text`] for an integer sort column.
    pub fn before_integer(&mut self, sort: &str, value: i64, id: &str, last_id: &str) {
        let a = self.placeholder(Value::Integer(value));
        let b = self.placeholder(Value::Text(last_id.to_owned()));
        self.conditions.push(format!("({sort}, {id}) < ({a}, {b})"));
    }

    /// A condition written by our own code around bound values: `sql` holds `{0}`, `{1}`…
    /// where their placeholders go (such as `id IN (SELECT … WHERE term = {0})`).
    pub fn with_values(&mut self, sql: &'static str, values: &[&str]) {
        let mut condition = sql.to_owned();
        for (i, value) in values.iter().enumerate() {
            let p = self.placeholder(Value::Text((*value).to_owned()));
            condition = condition.replace(&format!("{{{i}}}"), &p);
        }
        self.conditions.push(condition);
    }

    /// Like [`Filter::with_values`], with a text `{0}` followed by integers `{1}`, `{2}`…
    pub fn with_text_and_integers(&mut self, sql: &'static str, text: &str, integers: &[i64]) {
        let mut condition = sql.replace("{0}", &self.placeholder(Value::Text(text.to_owned())));
        for (i, value) in integers.iter().enumerate() {
            let p = self.placeholder(Value::Integer(*value));
            condition = condition.replace(&format!("{{{}}}", i + 1), &p);
        }
        self.conditions.push(condition);
    }

    /// A fixed condition written by our own code (no user value in it).
    pub fn condition(&mut self, sql: &'static str) {
        self.conditions.push(sql.to_owned());
    }

    /// `(a = value OR b = value …)`.
    pub fn any_eq(&mut self, columns: &[&'static str], value: &str) {
        let p = self.placeholder(Value::Text(value.to_owned()));
        let alternatives: Vec<String> = columns.iter().map(|c| format!("{c} = {p}")).collect();
        self.conditions
            .push(format!("({})", alternatives.join(" OR ")));
    }

    /// Case-insensitive substring match on any of `columns`.
    pub fn search_opt(&mut self, columns: &[&'static str], needle: Option<&str>) {
        if let Some(needle) = needle.map(str::trim).filter(|n| !n.is_empty()) {
            let escaped = needle
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let p = self.placeholder(Value::Text(format!("%{escaped}%")));
            let alternatives: Vec<String> = columns
                .iter()
                .map(|c| format!("LOWER({c}) LIKE {p} ESCAPE '\\'"))
                .collect();
            self.conditions
                .push(format!("({})", alternatives.join(" OR ")));
        }
    }

    /// `column IN (…)`; an empty set matches nothing.
    pub fn in_set<'a>(&mut self, column: &'static str, values: impl Iterator<Item = &'a str>) {
        let placeholders: Vec<String> = values
            .map(|v| self.placeholder(Value::Text(v.to_owned())))
            .collect();
        if placeholders.is_empty() {
            self.conditions.push("1 = 0".to_owned());
        } else {
            self.conditions
                .push(format!("{column} IN ({})", placeholders.join(", ")));
        }
    }

    /// ` WHERE …` or nothing.
    pub fn where_clause(&self) -> String {
        if self.conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.conditions.join(" AND "))
        }
    }

    fn arguments(&self) -> AnyArguments {
        let mut args = AnyArguments::default();
        for value in &self.values {
            // Binding text or an integer into AnyArguments cannot fail.
            let _ = match value {
                Value::Text(text) => args.add(text.clone()),
                Value::Integer(number) => args.add(*number),
            };
        }
        args
    }

    /// A query over `sql`, which must be built from this filter's own clauses.
    pub fn query(&self, sql: String) -> Query<'static, Any, AnyArguments> {
        sqlx::query_with(AssertSqlSafe(sql), self.arguments())
    }

    /// A scalar query (such as a count) over `sql`.
    pub fn scalar(&self, sql: String) -> QueryScalar<'static, Any, i64, AnyArguments> {
        sqlx::query_scalar_with(AssertSqlSafe(sql), self.arguments())
    }

    /// Limits rows to the entities a need-to-know scope may see (no condition for `All`).
    pub fn scope(&mut self, column: &'static str, scope: &EntityScope) {
        if let EntityScope::Only(ids) = scope {
            self.in_set(column, ids.iter().map(String::as_str));
        }
    }

    /// One page of `SELECT columns FROM table WHERE … ORDER BY order` with the total number of
    /// matching rows, in one round trip (a window-function count, on both engines).
    pub async fn page<T>(
        &self,
        pool: &AnyPool,
        table: &str,
        columns: &str,
        order: &str,
        page: PageRequest,
    ) -> Result<Page<T>>
    where
        T: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
    {
        let sql = format!(
            "SELECT {columns}, COUNT(*) OVER () AS total_count FROM {table}{} ORDER BY {order} LIMIT {} OFFSET {}",
            self.where_clause(),
            page.limit,
            page.offset
        );
        let rows = self.query(sql).fetch_all(pool).await?;
        let total = match rows.first() {
            Some(row) => row.try_get::<i64, _>("total_count")?,
            None if page.offset == 0 => 0,
            // Past the end: the rows carry no count, so ask for it.
            None => {
                self.scalar(format!(
                    "SELECT COUNT(*) FROM {table}{}",
                    self.where_clause()
                ))
                .fetch_one(pool)
                .await?
            }
        };
        let items = rows
            .iter()
            .map(T::from_row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::new(items, total, page))
    }
}
