//! Second factors: time-based one-time passwords (TOTP, RFC 6238 over HOTP, RFC 4226) and
//! single-use recovery codes, and which roles must use a second factor.
//!
//! Pure arithmetic: the secret, the instant and the code are parameters. Secrets are stored
//! encrypted by the storage layer; this module never sees where they live.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};

use crate::access::Role;

/// Seconds per TOTP step (the value every authenticator app uses).
pub const STEP_SECONDS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Steps accepted on either side of the current one (clock drift of the phone).
pub const DRIFT_STEPS: i64 = 1;

const BASE32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding: how authenticator apps take a secret.
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    for chunk in bytes.chunks(5) {
        let mut buffer = [0u8; 5];
        buffer[..chunk.len()].copy_from_slice(chunk);
        let value = buffer
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let symbols = (chunk.len() * 8).div_ceil(5);
        for i in 0..symbols {
            let index = (value >> (35 - i * 5)) & 31;
            out.push(char::from(BASE32[index as usize]));
        }
    }
    out
}

/// Decodes base32 (case and spaces ignored, padding allowed); `None` when not base32.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u64;
    let mut count = 0u32;
    let mut out = Vec::new();
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let c = c.to_ascii_uppercase();
        let value = BASE32.iter().position(|b| char::from(*b) == c)?;
        bits = (bits << 5) | value as u64;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push(((bits >> count) & 0xff) as u8);
        }
    }
    Some(out)
}

/// The HOTP value of `secret` at `counter` (RFC 4226), as a zero-padded code.
pub fn hotp(secret: &[u8], counter: u64) -> String {
    let Ok(mut mac) = Hmac::<sha1::Sha1>::new_from_slice(secret) else {
        return String::new();
    };
    mac.update(&counter.to_be_bytes());
    let digest = mac.finalize().into_bytes();
    let offset = usize::from(digest[19] & 0x0f);
    let word = [
        digest[offset] & 0x7f,
        digest[offset + 1],
        digest[offset + 2],
        digest[offset + 3],
    ];
    let value = u32::from_be_bytes(word) % 10u32.pow(DIGITS);
    format!("{value:0width$}", width = DIGITS as usize)
}

/// The TOTP step of an instant.
pub fn step_at(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// Checks a code typed by the user. Accepts the current step and [`DRIFT_STEPS`] either side,
/// but never a step at or before `last_used_step` (a code works once). Returns the step that
/// matched, to remember as the new last used step.
pub fn verify_totp(
    secret: &[u8],
    code: &str,
    at: DateTime<Utc>,
    last_used_step: Option<i64>,
) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(at);
    (now - DRIFT_STEPS..=now + DRIFT_STEPS)
        .filter(|step| last_used_step.is_none_or(|used| *step > used))
        .find(|step| {
            u64::try_from(*step)
                .map(|counter| constant_time_eq(hotp(secret, counter).as_bytes(), code.as_bytes()))
                .unwrap_or(false)
        })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The `otpauth://` address an authenticator app reads (from a QR code or pasted).
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                    char::from(b).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    format!(
        "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        encode(issuer),
        encode(account),
        base32_encode(secret),
        encode(issuer)
    )
}

/// How many recovery codes a user gets at once.
pub const RECOVERY_CODES: usize = 10;

/// A recovery code as shown: ten characters of an alphabet without look-alikes, in two groups
/// (`abcde-fghij`), from 10 random bytes given by the caller.
pub fn recovery_code(random: &[u8; 10]) -> String {
    const ALPHABET: &[u8; 31] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let symbols: String = random
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect();
    format!("{}-{}", &symbols[..5], &symbols[5..])
}

/// A recovery code as typed, reduced to compare: lower case, no spaces or dashes.
pub fn normalise_recovery_code(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Which roles must sign in with a second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaPolicy {
    pub required_roles: BTreeSet<Role>,
}

impl Default for MfaPolicy {
    /// Administrators must: they hold every key.
    fn default() -> Self {
        Self {
            required_roles: BTreeSet::from([Role::Administrator]),
        }
    }
}

impl MfaPolicy {
    pub fn required_for(&self, role: Role) -> bool {
        self.required_roles.contains(&role)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    /// RFC 6238 appendix B, SHA-1, secret "12345678901234567890", eight digits truncated to
    /// the six we use (the last six digits of the published values).
    #[test]
    fn rfc_6238_test_vectors() {
        let secret = b"12345678901234567890";
        for (time, eight_digits) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            let step = u64::try_from(time / STEP_SECONDS).unwrap_or_default();
            assert_eq!(hotp(secret, step), eight_digits[2..], "{time}");
        }
    }

    #[test]
    fn rfc_4226_test_vectors() {
        let secret = b"12345678901234567890";
        let expected = ["755224", "287082", "359152", "969429", "338314"];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(secret, counter as u64), *code);
        }
    }

    #[test]
    fn base32_round_trips_and_matches_rfc_4648() {
        assert_eq!(base32_encode(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32_decode("mzxw6ytboi======"), Some(b"foobar".to_vec()));
        assert_eq!(base32_decode("MZXW 6YTB OI"), Some(b"foobar".to_vec()));
        assert_eq!(base32_decode("not base32!"), None);
        let secret: Vec<u8> = (0..20).collect();
        assert_eq!(base32_decode(&base32_encode(&secret)), Some(secret));
    }

    #[test]
    fn a_code_works_once_within_the_drift_window() {
        let secret = b"hygeia-test-secret-0";
        let at = Utc
            .timestamp_opt(1_800_000_000, 0)
            .single()
            .unwrap_or_default();
        let step = step_at(at);
        let code = hotp(secret, u64::try_from(step).unwrap_or_default());
        assert_eq!(verify_totp(secret, &code, at, None), Some(step));
        // The phone is 30 s behind or ahead: still accepted.
        let later = at + chrono::Duration::seconds(STEP_SECONDS);
        assert_eq!(verify_totp(secret, &code, later, None), Some(step));
        // Used once: refused after.
        assert_eq!(verify_totp(secret, &code, at, Some(step)), None);
        // Too old, malformed, or wrong.
        let much_later = at + chrono::Duration::minutes(5);
        assert_eq!(verify_totp(secret, &code, much_later, None), None);
        assert_eq!(verify_totp(secret, "12a456", at, None), None);
        assert_eq!(verify_totp(secret, "1234567", at, None), None);
        assert_eq!(
            verify_totp(secret, &format!(" {} ", &code), at, None),
            Some(step)
        );
    }

    #[test]
    fn recovery_codes_read_well_and_compare_loosely() {
        let code = recovery_code(&[0, 1, 2, 3, 4, 250, 251, 252, 253, 254]);
        assert_eq!(code.len(), 11);
        assert_eq!(code.chars().nth(5), Some('-'));
        assert!(!code.contains(['0', 'o', '1', 'l', 'i']));
        assert_eq!(
            normalise_recovery_code(&code.to_uppercase().replace('-', " ")),
            code.replace('-', "")
        );
    }

    #[test]
    fn the_uri_carries_issuer_account_and_secret() {
        let uri = otpauth_uri("Hygeia (Groupe Hygée)", "ciso@example.org", b"foobar");
        assert!(
            uri.starts_with("otpauth://totp/Hygeia%20%28Groupe%20Hyg%C3%A9e%29:ciso@example.org?")
        );
        assert!(uri.contains("secret=MZXW6YTBOI"));
        assert!(uri.contains("period=30"));
    }

    #[test]
    fn administrators_need_a_second_factor_by_default() {
        let policy = MfaPolicy::default();
        assert!(policy.required_for(Role::Administrator));
        assert!(!policy.required_for(Role::Auditor));
    }
}
