//! Background jobs on both engines: two runners (two stores on one database, as two hub
//! instances) claiming at once never hold the same job; one job per key waits; a failed
//! attempt comes back after its back-off and fails for good after the last; a job whose
//! runner's lease ended is taken over and the late runner's answer refused; a retry is
//! audited.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use hygeia_domain::clock::{FixedClock, format_instant};
use hygeia_domain::jobs::{JobState, MAX_ATTEMPTS};
use hygeia_store::jobs::AfterFailure;

use super::*;

#[tokio::test]
async fn two_runners_never_hold_the_same_job() {
    for db in testing::all().await {
        let name = db.name;
        let first = db.store(test_clock()).await;
        let second = db.store(test_clock()).await;
        let now = format_instant(first.clock().now());
        for i in 0..60 {
            first
                .enqueue_job("test.count", None, &serde_json::json!({"n": i}), &now)
                .await
                .unwrap();
        }
        let run = |store: Store, worker: &'static str| async move {
            let mut held = Vec::new();
            while let Some(job) = store.claim_job(worker).await.unwrap() {
                assert!(store.finish_job(&job.id, worker).await.unwrap());
                held.push(job.id);
            }
            held
        };
        let (a, b) = tokio::join!(
            tokio::spawn(run(first.clone(), "runner-a")),
            tokio::spawn(run(second, "runner-b"))
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        let all: BTreeSet<&String> = a.iter().chain(&b).collect();
        assert_eq!(all.len(), 60, "{name}: every job run once");
        assert_eq!(
            a.len() + b.len(),
            60,
            "{name}: none twice ({} + {})",
            a.len(),
            b.len()
        );
        assert_eq!(first.job_counts().await.unwrap().done, 60, "{name}");
        let later = format_instant(first.clock().now() + Duration::days(31));
        assert_eq!(
            first.purge_finished_jobs(&later).await.unwrap(),
            60,
            "{name}: purged"
        );
    }
}

#[tokio::test]
async fn failures_back_off_leases_end_and_keys_stay_single() {
    for db in testing::all().await {
        let name = db.name;
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
        let at = |minutes: i64| -> Arc<dyn hygeia_domain::clock::Clock> {
            Arc::new(FixedClock(start + Duration::minutes(minutes)))
        };
        let store = db.store(at(0)).await;
        let now = format_instant(start);

        // One job per key waits.
        let key = Some("advisories.match");
        let queued = store
            .enqueue_job("advisories.match", key, &serde_json::json!({}), &now)
            .await
            .unwrap();
        assert!(queued.is_some(), "{name}");
        let again = store
            .enqueue_job("advisories.match", key, &serde_json::json!({}), &now)
            .await
            .unwrap();
        assert_eq!(again, None, "{name}: one waiting per key");

        // A failed attempt comes back after its back-off, not before.
        let job = store.claim_job("runner-a").await.unwrap().unwrap();
        assert_eq!((job.attempts, job.state.as_str()), (1, "running"), "{name}");
        assert_eq!(
            store
                .fail_job(&job.id, "runner-a", "feed unreachable")
                .await
                .unwrap(),
            AfterFailure::Retried,
            "{name}"
        );
        assert!(
            store.claim_job("runner-a").await.unwrap().is_none(),
            "{name}: backing off"
        );
        let later = db.store(at(1)).await;
        let retried = later.claim_job("runner-b").await.unwrap().unwrap();
        assert_eq!(
            (retried.id.as_str(), retried.attempts),
            (job.id.as_str(), 2),
            "{name}"
        );
        assert_eq!(
            retried.last_error.as_deref(),
            Some("feed unreachable"),
            "{name}"
        );

        // A runner that stopped answering: its job is taken over once the lease ends, and
        // its late answer is refused.
        let taken = db.store(at(12)).await;
        let over = taken.claim_job("runner-c").await.unwrap().unwrap();
        assert_eq!(
            (over.id.as_str(), over.attempts),
            (job.id.as_str(), 3),
            "{name}"
        );
        assert!(
            !later.finish_job(&job.id, "runner-b").await.unwrap(),
            "{name}: lease lost"
        );
        assert_eq!(
            later.fail_job(&job.id, "runner-b", "late").await.unwrap(),
            AfterFailure::LeaseLost,
            "{name}"
        );

        // The last attempt fails for good; an administrator queues it again, audited.
        let mut minutes = 12;
        let mut outcome = taken
            .fail_job(&job.id, "runner-c", "still down")
            .await
            .unwrap();
        while outcome == AfterFailure::Retried {
            minutes += 90;
            let store = db.store(at(minutes)).await;
            let claimed = store.claim_job("runner-d").await.unwrap().unwrap();
            outcome = store
                .fail_job(&claimed.id, "runner-d", "still down")
                .await
                .unwrap();
        }
        assert_eq!(outcome, AfterFailure::Failed, "{name}");
        let failed = store.list_jobs(Some(JobState::Failed), 10).await.unwrap();
        assert_eq!(failed.len(), 1, "{name}");
        assert_eq!(failed[0].attempts, MAX_ATTEMPTS, "{name}");
        let retried = store
            .retry_job(&admin_actor(), &queued.clone().unwrap())
            .await;
        assert!(
            retried
                .as_ref()
                .is_ok_and(|j| j.state == "queued" && j.attempts == 0),
            "{name}: {retried:?}"
        );
        let twice = store.retry_job(&admin_actor(), &queued.unwrap()).await;
        assert!(
            matches!(twice, Err(StoreError::Conflict { field: "state", .. })),
            "{name}: only a failed job is retried"
        );
        let trail = store
            .list_audit(
                &EntityScope::All,
                &AuditFilter {
                    action: Some("job.retry".into()),
                    ..AuditFilter::default()
                },
                PageRequest::default(),
            )
            .await
            .unwrap();
        assert_eq!(trail.total, 1, "{name}");

        // Finished jobs are purged after their time.
        let done_at = format_instant(start + Duration::days(30));
        assert_eq!(
            store.purge_finished_jobs(&done_at).await.unwrap(),
            0,
            "{name}: retried"
        );
    }
}
