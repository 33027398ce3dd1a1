//! Password checks and hashing behind a gate sized to the machine.
//!
//! Each Argon2id run takes about 19 MiB and tens of milliseconds on purpose. Without a bound,
//! a crowd of sign-in requests (no account needed) would run hundreds at once and exhaust the
//! server's memory. The gate lets as many run as there are cores, lets a few more wait, and
//! answers 503 with `Retry-After` beyond that, before any work is done.

use tokio::sync::Semaphore;

use crate::auth;
use crate::error::{ApiError, ApiResult};

/// Requests that may wait for a worker, per worker.
const WAITING_PER_WORKER: usize = 8;

#[derive(Debug)]
pub struct PasswordGate {
    admission: Semaphore,
    workers: Semaphore,
}

impl Default for PasswordGate {
    /// One worker per core.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Self::new(cores)
    }
}

impl PasswordGate {
    pub fn new(workers: usize) -> Self {
        let workers = workers.max(1);
        Self {
            admission: Semaphore::new(workers * (1 + WAITING_PER_WORKER)),
            workers: Semaphore::new(workers),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let _admitted = self.admission.try_acquire().map_err(|_| ApiError::Busy {
            retry_after_secs: 1,
        })?;
        let _worker = self.workers.acquire().await.map_err(ApiError::internal)?;
        tokio::task::spawn_blocking(job)
            .await
            .map_err(ApiError::internal)
    }

    /// Whether `password` matches `hash`; with no hash (unknown account, SSO-only user) a
    /// dummy hash is checked all the same, so timing does not tell which accounts exist.
    pub async fn verify(&self, password: String, hash: Option<String>) -> ApiResult<bool> {
        self.run(move || match hash {
            Some(hash) => auth::verify_password(&password, &hash),
            None => {
                let _ = auth::verify_password(&password, dummy_hash());
                false
            }
        })
        .await
    }

    /// An Argon2id hash of a new password, after the password policy allows it.
    pub async fn hash(&self, password: String) -> ApiResult<String> {
        auth::check_password_strength(&password)?;
        self.run(move || auth::hash_password(&password)).await?
    }
}

/// An Argon2id hash of a random secret, verified against when there is no real hash.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password(&auth::random_secret()).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_gate_answers_busy_at_once() {
        let gate = std::sync::Arc::new(PasswordGate::new(1));
        // Hold every admission slot.
        let held = gate.admission.try_acquire_many(9);
        assert!(held.is_ok());
        let refused = gate.verify("guess".into(), None).await;
        assert!(matches!(refused, Err(ApiError::Busy { .. })));
        drop(held);
        let hash = auth::hash_password("correct horse battery").unwrap_or_default();
        assert!(
            gate.verify("correct horse battery".into(), Some(hash))
                .await
                .unwrap_or(false)
        );
    }
}
