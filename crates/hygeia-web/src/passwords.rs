//! Password checks and hashing behind a gate sized to the machine.
//!
//! Each Argon2id run takes about 19 MiB and tens of milliseconds on purpose. Without a bound,
//! a crowd of sign-in requests (no account needed) would run hundreds at once and exhaust the
//! server's memory. The gate lets as many run as there are cores, lets a few more wait, and
//! answers 503 with `Retry-After` beyond that, before any work is done.

use std::sync::Mutex;
use std::sync::mpsc;

use tokio::sync::{Semaphore, oneshot};

use hygeia_domain::password_policy;
use hygeia_domain::validation::FieldError;

use crate::auth;
use crate::breached::BreachedList;
use crate::error::{ApiError, ApiResult};

/// Requests that may wait for a worker, per worker.
const WAITING_PER_WORKER: usize = 8;

type Job = Box<dyn FnOnce() + Send>;

/// Runs password hashes on a few dedicated threads. Dedicated, not the runtime's blocking
/// pool: the allocator keeps each thread's 19 MiB working area for reuse, so hashing on
/// hundreds of pool threads would keep hundreds of them; on a fixed set, memory stays at
/// workers × 19 MiB however many sign-ins arrive.
#[derive(Debug)]
pub struct PasswordGate {
    admission: Semaphore,
    jobs: Mutex<mpsc::Sender<Job>>,
    breached: Option<BreachedList>,
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
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = std::sync::Arc::new(Mutex::new(receiver));
        for n in 0..workers {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || {
                    loop {
                        let job = match receiver.lock() {
                            Ok(guard) => guard.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "could not start a password worker");
            }
        }
        Self {
            admission: Semaphore::new(workers * (1 + WAITING_PER_WORKER)),
            jobs: Mutex::new(sender),
            breached: None,
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> ApiResult<T> {
        let _admitted = self.admission.try_acquire().map_err(|_| ApiError::Busy {
            retry_after_secs: 1,
        })?;
        let (reply, answer) = oneshot::channel();
        let boxed: Job = Box::new(move || {
            let _ = reply.send(job());
        });
        self.jobs
            .lock()
            .map_err(|_| ApiError::internal("password workers unavailable"))?
            .send(boxed)
            .map_err(ApiError::internal)?;
        answer.await.map_err(ApiError::internal)
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

    /// An Argon2id hash of a new password, after the password policy allows it: length, not
    /// made of the account's own names (`personal`: e-mail, name), not a predictable run, and
    /// not in the offline list of breached passwords when one is configured.
    pub async fn hash(&self, password: String, personal: Vec<String>) -> ApiResult<String> {
        let refuse = |w: &password_policy::Weakness| {
            ApiError::field_error(FieldError::weak_password("password", w))
        };
        let words: Vec<&str> = personal.iter().map(String::as_str).collect();
        password_policy::check(&password, &words).map_err(|w| refuse(&w))?;
        let breached = self.breached.clone();
        let checked = self
            .run(move || {
                let known = match &breached {
                    Some(list) => list.contains(&password).unwrap_or_else(|error| {
                        // An unreadable list must not stop people from changing passwords.
                        tracing::warn!(%error, "the breached-password list could not be read");
                        false
                    }),
                    None => false,
                };
                if known {
                    Err(password_policy::Weakness::Breached)
                } else {
                    auth::hash_password(&password).map_err(|_| password_policy::Weakness::TooLong)
                }
            })
            .await?;
        checked.map_err(|w| refuse(&w))
    }

    /// The same gate, also refusing passwords found in `list`.
    pub fn with_breached(mut self, list: Option<BreachedList>) -> Self {
        self.breached = list;
        self
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
