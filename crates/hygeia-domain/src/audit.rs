//! The audit trail's hash chain.
//!
//! Every change appends one [`AuditRecord`]; record *n* carries the hash of record *n − 1*, and
//! its own hash covers every field plus that previous hash. Changing, removing or reordering any
//! record (with the database's own tools, bypassing Hygeia) breaks the chain at that point, and
//! [`ChainVerifier`] names the first record where it breaks.
//!
//! A hash chain alone can be rewritten by whoever can write to the database: recompute every
//! hash and the chain is whole again. So each record is also *sealed*: an HMAC-SHA256 of its
//! hash under an [`AuditKey`] kept outside the database. Without the key, a rewritten record
//! cannot be sealed again; verification with the key names the first record whose seal is
//! missing or wrong. Records written before a key existed stay unsealed and are reported as
//! such. Removing the newest records is caught by comparing with an anchor kept elsewhere
//! (the head exported by `hygeia audit head`).

use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::{Digest, Sha256};

/// The previous-hash of the first record.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// One append-only record of the audit trail, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    /// Position in the chain, from 1 without gaps.
    pub seq: i64,
    /// When, as written by [`crate::clock::format_instant`].
    pub at: String,
    /// The user who acted, if any (none for the system itself).
    pub actor_id: Option<String>,
    /// A readable name for the actor: e-mail address, `system` or `cli`.
    pub actor_label: String,
    /// Where from: client IP address, or `cli`.
    pub source: String,
    /// Correlates with the request's log lines.
    pub request_id: Option<String>,
    /// What was done, `object.verb` (for example `entity.update`).
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    /// The legal entity the object belongs to, for need-to-know filtering.
    pub entity_id: Option<String>,
    /// The object before the change, as JSON text (none on creation).
    pub before: Option<String>,
    /// The object after the change, as JSON text (none on deletion).
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    /// The seal: HMAC-SHA256 of `hash` under the audit key (none when written without a key).
    pub mac: Option<String>,
}

/// The secret that seals audit records. Kept outside the database (a file readable by the
/// service account only, or a secret store), never logged.
#[derive(Clone)]
pub struct AuditKey([u8; 32]);

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AuditKey({})", self.fingerprint())
    }
}

impl AuditKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    fn mac(&self, parts: &[&[u8]]) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            return String::new();
        };
        for part in parts {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part);
        }
        hex::encode(mac.finalize().into_bytes())
    }

    /// The seal of a record hash.
    pub fn seal(&self, hash: &str) -> String {
        self.mac(&[b"hygeia audit record", hash.as_bytes()])
    }

    /// The seal of an exported chain head (`seq`, `hash`), so an anchor cannot be forged.
    pub fn seal_head(&self, seq: i64, hash: &str) -> String {
        self.mac(&[
            b"hygeia audit head",
            seq.to_string().as_bytes(),
            hash.as_bytes(),
        ])
    }

    /// A short public name of the key (not the key), to tell which key sealed a trail.
    pub fn fingerprint(&self) -> String {
        self.mac(&[b"hygeia key fingerprint"])
            .chars()
            .take(16)
            .collect()
    }

    /// A key for another purpose, derived from this one (so one secret file serves all).
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let hex = self.mac(&[b"hygeia derived key", purpose.as_bytes()]);
        let mut out = [0u8; 32];
        if let Ok(bytes) = hex::decode(hex) {
            for (o, b) in out.iter_mut().zip(bytes) {
                *o = b;
            }
        }
        out
    }
}

/// The fields of a record that its author supplies; the chain supplies seq and hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: String,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub source: String,
    pub request_id: Option<String>,
    pub action: String,
    pub object_type: String,
    pub object_id: String,
    pub entity_id: Option<String>,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl AuditEntry {
    /// Chains the entry as record `seq` following a record whose hash is `prev_hash`, and
    /// seals it when a key is given.
    pub fn seal(self, seq: i64, prev_hash: &str, key: Option<&AuditKey>) -> AuditRecord {
        let mut record = AuditRecord {
            seq,
            at: self.at,
            actor_id: self.actor_id,
            actor_label: self.actor_label,
            source: self.source,
            request_id: self.request_id,
            action: self.action,
            object_type: self.object_type,
            object_id: self.object_id,
            entity_id: self.entity_id,
            before: self.before,
            after: self.after,
            prev_hash: prev_hash.to_owned(),
            hash: String::new(),
            mac: None,
        };
        record.hash = record_hash(&record);
        record.mac = key.map(|k| k.seal(&record.hash));
        record
    }
}

/// The SHA-256 of a record's fields and previous hash, hex-encoded.
///
/// Every field is length-prefixed and optional fields carry a presence tag, so no two different
/// records serialise to the same bytes.
pub fn record_hash(record: &AuditRecord) -> String {
    let mut hasher = Sha256::new();
    let mut field = |value: Option<&str>| match value {
        None => hasher.update([0u8]),
        Some(text) => {
            hasher.update([1u8]);
            hasher.update((text.len() as u64).to_be_bytes());
            hasher.update(text.as_bytes());
        }
    };
    let seq = record.seq.to_string();
    field(Some(&seq));
    field(Some(&record.at));
    field(record.actor_id.as_deref());
    field(Some(&record.actor_label));
    field(Some(&record.source));
    field(record.request_id.as_deref());
    field(Some(&record.action));
    field(Some(&record.object_type));
    field(Some(&record.object_id));
    field(record.entity_id.as_deref());
    field(record.before.as_deref());
    field(record.after.as_deref());
    field(Some(&record.prev_hash));
    hex::encode(hasher.finalize())
}

/// Where and how the chain is broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    #[error("record {expected} is missing (the next record found is {found})")]
    Missing { expected: i64, found: i64 },
    #[error("record {seq} was altered: its content no longer matches its hash")]
    Altered { seq: i64 },
    #[error("record {seq} does not follow record {}: its previous-hash link is wrong", seq - 1)]
    Relinked { seq: i64 },
    #[error(
        "the trail ends at record {last_seq} but {head_seq} records were written: the last records were removed"
    )]
    Truncated { last_seq: i64, head_seq: i64 },
    #[error("the chain head does not match the last record {seq}")]
    HeadMismatch { seq: i64 },
    #[error(
        "record {seq} has no valid seal: it was rewritten or inserted by someone without the audit key"
    )]
    Forged { seq: i64 },
    #[error("the anchor names record {seq} with another hash: the trail was rewritten")]
    AnchorMismatch { seq: i64 },
    #[error(
        "the anchor names record {seq}, but the trail ends at {last_seq}: records were removed"
    )]
    AnchorMissing { seq: i64, last_seq: i64 },
}

/// Walks records in `seq` order and stops at the first break.
#[derive(Debug)]
pub struct ChainVerifier {
    expected_seq: i64,
    prev_hash: String,
    key: Option<AuditKey>,
    /// Records before the first sealed one (written before a key existed).
    unsealed_before_key: i64,
    sealed: i64,
    anchor: Option<(i64, String)>,
    anchor_seen: bool,
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainVerifier {
    pub fn new() -> Self {
        Self {
            expected_seq: 1,
            prev_hash: GENESIS_HASH.to_owned(),
            key: None,
            unsealed_before_key: 0,
            sealed: 0,
            anchor: None,
            anchor_seen: false,
        }
    }

    /// Also checks seals with `key`: once a sealed record is met, every later record must carry
    /// a valid seal.
    pub fn with_key(mut self, key: AuditKey) -> Self {
        self.key = Some(key);
        self
    }

    /// Also checks that record `seq` exists with `hash` (an anchor kept outside the database).
    pub fn expecting(mut self, seq: i64, hash: &str) -> Self {
        self.anchor = Some((seq, hash.to_owned()));
        self
    }

    /// Records checked before the first sealed one, and sealed records.
    pub fn seal_counts(&self) -> (i64, i64) {
        (self.unsealed_before_key, self.sealed)
    }

    /// Checks the next record of the trail.
    pub fn check(&mut self, record: &AuditRecord) -> Result<(), ChainBreak> {
        if record.seq != self.expected_seq {
            return Err(ChainBreak::Missing {
                expected: self.expected_seq,
                found: record.seq,
            });
        }
        if record_hash(record) != record.hash {
            return Err(ChainBreak::Altered { seq: record.seq });
        }
        if record.prev_hash != self.prev_hash {
            return Err(ChainBreak::Relinked { seq: record.seq });
        }
        if let Some(key) = &self.key {
            match &record.mac {
                Some(mac) if *mac == key.seal(&record.hash) => self.sealed += 1,
                None if self.sealed == 0 => self.unsealed_before_key += 1,
                _ => return Err(ChainBreak::Forged { seq: record.seq }),
            }
        }
        if let Some((seq, hash)) = &self.anchor
            && *seq == record.seq
        {
            if *hash != record.hash {
                return Err(ChainBreak::AnchorMismatch { seq: *seq });
            }
            self.anchor_seen = true;
        }
        self.expected_seq += 1;
        self.prev_hash.clone_from(&record.hash);
        Ok(())
    }

    /// Checks that the trail ends where the chain head says it does. Returns the record count.
    pub fn finish(self, head_seq: i64, head_hash: &str) -> Result<i64, ChainBreak> {
        let last_seq = self.expected_seq - 1;
        if let Some((seq, _)) = &self.anchor
            && !self.anchor_seen
        {
            return Err(ChainBreak::AnchorMissing {
                seq: *seq,
                last_seq,
            });
        }
        if head_seq > last_seq {
            return Err(ChainBreak::Truncated { last_seq, head_seq });
        }
        if head_seq < last_seq || head_hash != self.prev_hash {
            return Err(ChainBreak::HeadMismatch { seq: last_seq });
        }
        Ok(last_seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(action: &str) -> AuditEntry {
        AuditEntry {
            at: "2026-01-01T00:00:00.000000Z".into(),
            actor_id: Some("u1".into()),
            actor_label: "ciso@example.org".into(),
            source: "127.0.0.1".into(),
            request_id: None,
            action: action.into(),
            object_type: "entity".into(),
            object_id: "e1".into(),
            entity_id: Some("e1".into()),
            before: None,
            after: Some(r#"{"name":"Plant"}"#.into()),
        }
    }

    fn chain(n: i64) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let record = entry("entity.update").seal(seq, &prev, None);
                prev.clone_from(&record.hash);
                record
            })
            .collect()
    }

    fn verify(records: &[AuditRecord], head: (i64, &str)) -> Result<i64, ChainBreak> {
        let mut verifier = ChainVerifier::new();
        for record in records {
            verifier.check(record)?;
        }
        verifier.finish(head.0, head.1)
    }

    #[test]
    fn an_intact_chain_verifies() {
        let records = chain(5);
        let head = records.last().map(|r| r.hash.clone()).unwrap_or_default();
        assert_eq!(verify(&records, (5, &head)), Ok(5));
        assert_eq!(verify(&[], (0, GENESIS_HASH)), Ok(0));
    }

    #[test]
    fn each_kind_of_tampering_names_the_first_bad_record() {
        let records = chain(5);
        let head = records.last().map(|r| r.hash.clone()).unwrap_or_default();

        let mut altered = records.clone();
        altered[2].after = Some(r#"{"name":"Other"}"#.into());
        assert_eq!(
            verify(&altered, (5, &head)),
            Err(ChainBreak::Altered { seq: 3 })
        );

        let mut removed = records.clone();
        removed.remove(1);
        assert_eq!(
            verify(&removed, (5, &head)),
            Err(ChainBreak::Missing {
                expected: 2,
                found: 3
            })
        );

        // Rewriting a record and re-hashing it still breaks the link of the next one.
        let mut rehashed = records.clone();
        rehashed[1].actor_label = "intruder".into();
        rehashed[1].hash = record_hash(&rehashed[1]);
        assert_eq!(
            verify(&rehashed, (5, &head)),
            Err(ChainBreak::Relinked { seq: 3 })
        );

        assert_eq!(
            verify(&records[..4], (5, &head)),
            Err(ChainBreak::Truncated {
                last_seq: 4,
                head_seq: 5
            })
        );
    }

    #[test]
    fn absent_and_empty_optional_fields_hash_differently() {
        let mut a = entry("x").seal(1, GENESIS_HASH, None);
        let mut b = a.clone();
        a.request_id = None;
        b.request_id = Some(String::new());
        assert_ne!(record_hash(&a), record_hash(&b));
    }

    /// A sealed chain of `n` records whose first `unsealed` were written before the key.
    fn sealed_chain(n: i64, unsealed: i64, key: &AuditKey) -> Vec<AuditRecord> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let key = (seq > unsealed).then_some(key);
                let record = entry("entity.update").seal(seq, &prev, key);
                prev.clone_from(&record.hash);
                record
            })
            .collect()
    }

    /// Re-hashes the whole chain from `from` on, as someone with database access but without
    /// the key would after changing a record: every link is whole again.
    fn rewrite_from(records: &mut [AuditRecord], from: usize) {
        records[from].actor_label = "intruder".into();
        for i in from..records.len() {
            if i > 0 {
                records[i].prev_hash = records[i - 1].hash.clone();
            }
            records[i].hash = record_hash(&records[i]);
        }
    }

    fn verify_with(
        records: &[AuditRecord],
        key: &AuditKey,
        anchor: Option<(i64, &str)>,
    ) -> Result<(i64, (i64, i64)), ChainBreak> {
        let mut verifier = ChainVerifier::new().with_key(key.clone());
        if let Some((seq, hash)) = anchor {
            verifier = verifier.expecting(seq, hash);
        }
        for record in records {
            verifier.check(record)?;
        }
        let counts = verifier.seal_counts();
        let head = records
            .last()
            .map(|r| (r.seq, r.hash.clone()))
            .unwrap_or((0, GENESIS_HASH.into()));
        verifier.finish(head.0, &head.1).map(|n| (n, counts))
    }

    #[test]
    fn a_rewritten_and_rehashed_chain_fails_its_seals() {
        let key = AuditKey::new([7; 32]);
        let records = sealed_chain(6, 2, &key);
        assert_eq!(verify_with(&records, &key, None), Ok((6, (2, 4))));
        // Rewritten from record 4 with every hash recomputed: the plain chain is whole …
        let mut rewritten = records.clone();
        rewrite_from(&mut rewritten, 3);
        let head = rewritten.last().map(|r| r.hash.clone()).unwrap_or_default();
        assert_eq!(verify(&rewritten, (6, &head)), Ok(6));
        // … but its seals are not.
        assert_eq!(
            verify_with(&rewritten, &key, None),
            Err(ChainBreak::Forged { seq: 4 })
        );
        // Dropping the seals does not help either, once sealing has begun.
        let mut stripped = rewritten.clone();
        for r in &mut stripped[3..] {
            r.mac = None;
        }
        assert_eq!(
            verify_with(&stripped, &key, None),
            Err(ChainBreak::Forged { seq: 4 })
        );
        // Another key's seals are not ours.
        let other = AuditKey::new([8; 32]);
        assert_eq!(
            verify_with(&records, &other, None),
            Err(ChainBreak::Forged { seq: 3 })
        );
        assert_ne!(key.fingerprint(), other.fingerprint());
        assert!(!format!("{key:?}").contains("0707"));
    }

    #[test]
    fn an_anchor_catches_removed_and_rewritten_records() {
        let key = AuditKey::new([7; 32]);
        let records = sealed_chain(6, 0, &key);
        let anchor = (5, records[4].hash.clone());
        assert!(verify_with(&records, &key, Some((anchor.0, &anchor.1))).is_ok());
        // The newest records removed and the head moved back: the anchor is gone.
        assert_eq!(
            verify_with(&records[..4], &key, Some((anchor.0, &anchor.1))),
            Err(ChainBreak::AnchorMissing {
                seq: 5,
                last_seq: 4
            })
        );
        // Everything rewritten and stripped of seals: the anchored hash differs.
        let mut rewritten = records.clone();
        rewrite_from(&mut rewritten, 0);
        for r in &mut rewritten {
            r.mac = None;
        }
        assert_eq!(
            verify_with(&rewritten, &key, Some((anchor.0, &anchor.1))),
            Err(ChainBreak::AnchorMismatch { seq: 5 })
        );
        assert_ne!(key.seal_head(5, &anchor.1), key.seal_head(4, &anchor.1));
    }
}
