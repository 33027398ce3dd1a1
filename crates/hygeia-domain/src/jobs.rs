//! Background work done once across hub instances (issue 16): jobs kept in the database,
//! claimed by one runner at a time for a lease, retried with back-off when they fail, and
//! released when the runner holding them stops answering. The rules live here; the claiming
//! (PostgreSQL's `FOR UPDATE SKIP LOCKED`, SQLite's single writer) in the store.

use chrono::Duration;
use serde::{Deserialize, Serialize};

/// Attempts before a job is left failed for an administrator to look at.
pub const MAX_ATTEMPTS: i64 = 5;
/// How long a runner holds a job it claimed; past it, another runner may take the job over.
pub const LEASE_MINUTES: i64 = 10;
/// The first retry's delay, doubled at each further attempt.
pub const FIRST_RETRY_SECONDS: i64 = 30;
/// The longest delay between two attempts.
pub const MAX_RETRY_SECONDS: i64 = 3_600;
/// Longest error kept with a failed attempt, in characters.
pub const MAX_ERROR_CHARS: usize = 2_000;

/// Where a job stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its time (`run_after`) and a runner.
    Queued,
    /// Held by a runner until its lease ends.
    Running,
    Done,
    /// Failed at every attempt.
    Failed,
}

impl JobState {
    pub const ALL: [JobState; 4] = [
        JobState::Queued,
        JobState::Running,
        JobState::Done,
        JobState::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(text: &str) -> Option<JobState> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// What happens to a job whose attempt `attempt` (1 for the first) failed: queued again after
/// a delay that doubles from 30 s up to an hour, or failed for good after
/// [`MAX_ATTEMPTS`] attempts.
pub fn after_failure(attempt: i64) -> Option<Duration> {
    if attempt >= MAX_ATTEMPTS {
        return None;
    }
    let doublings = u32::try_from(attempt.max(1) - 1)
        .unwrap_or(u32::MAX)
        .min(20);
    let seconds = FIRST_RETRY_SECONDS
        .saturating_mul(2_i64.saturating_pow(doublings))
        .min(MAX_RETRY_SECONDS);
    Some(Duration::seconds(seconds))
}

/// The lease a runner takes on a job it claims.
pub fn lease() -> Duration {
    Duration::minutes(LEASE_MINUTES)
}

/// Work repeated on a schedule: its kind and how long after one run the next is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recurring {
    pub kind: &'static str,
    pub every: Duration,
}

/// An error as kept with a failed attempt: its first characters.
pub fn kept_error(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_up_to_an_hour_then_stop() {
        let delays: Vec<Option<i64>> = (1..=MAX_ATTEMPTS)
            .map(|a| after_failure(a).map(|d| d.num_seconds()))
            .collect();
        assert_eq!(delays, [Some(30), Some(60), Some(120), Some(240), None]);
        assert_eq!(after_failure(0).map(|d| d.num_seconds()), Some(30));
    }

    #[test]
    fn states_read_back_and_errors_are_kept_short() {
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
        }
        assert_eq!(JobState::parse("lost"), None);
        assert_eq!(kept_error(&"x".repeat(5_000)).len(), MAX_ERROR_CHARS);
        assert_eq!(lease(), Duration::minutes(10));
    }
}
