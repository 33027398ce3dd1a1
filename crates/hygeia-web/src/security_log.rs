//! Refusals worth a security team's attention (throttled sign-ins, CSRF refusals, denied
//! operations), written to the log under the `security` target, never to the audit chain: an
//! attacker could otherwise grow the append-only trail at will. The log is rate-limited too:
//! at most [`PER_SECOND`] lines a second, then one line saying how many were left out.

use std::sync::Mutex;
use std::time::Instant;

const PER_SECOND: u32 = 20;

struct Window {
    started: Instant,
    written: u32,
    dropped: u64,
}

static WINDOW: Mutex<Option<Window>> = Mutex::new(None);

/// Whether a line may be written now; reports the lines left out in the last full window.
fn admit() -> bool {
    let Ok(mut guard) = WINDOW.lock() else {
        return false;
    };
    let now = Instant::now();
    let window = guard.get_or_insert(Window {
        started: now,
        written: 0,
        dropped: 0,
    });
    if now.duration_since(window.started).as_secs() >= 1 {
        if window.dropped > 0 {
            tracing::warn!(target: "security", dropped = window.dropped, "security events left out of the log (rate limit)");
        }
        *window = Window {
            started: now,
            written: 0,
            dropped: 0,
        };
    }
    if window.written < PER_SECOND {
        window.written += 1;
        true
    } else {
        window.dropped += 1;
        false
    }
}

/// Notes a refusal: what happened, who or where from (an address or an e-mail, never a
/// secret), and the request id.
pub(crate) fn note(event: &str, subject: &str, request_id: Option<&str>) {
    if admit() {
        let subject: String = subject.chars().take(254).collect();
        tracing::warn!(target: "security", event, subject = %subject, request_id = request_id.unwrap_or("-"), "refused");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_is_cut_to_the_rate() {
        let admitted = (0..1000).filter(|_| admit()).count();
        assert!(admitted <= PER_SECOND as usize * 2, "{admitted}");
        assert!(admitted >= 1);
    }
}
